import SchedLabCore
import Yams

/// The `control:` list: hypercall-like calls issued by a domain at a given time.
///
/// ```yaml
/// control:
///   - {at: 0s, caller: dom0, op: set_boost, target: audio, ratio: 25%, interval: 500us, max_credit: 2500us}
///   - {at: 10s, caller: audio, op: get_counters, target: audio}
/// ```
/// Arguments become integers: `ratio` in per-mille (`ratio_permille`), durations in ns (`interval_ns`,
/// `max_credit_ns`), `weight` and `cap` as given.
enum ControlParser {
  /// The operations and the arguments each takes.
  static let ops: [(name: String, arguments: [String])] = [
    ("set_boost", ["ratio", "interval", "max_credit"]), ("get_boost", []), ("get_counters", []),
    ("set_weight", ["weight"]),
    // Every policy: Xen's XEN_DOMCTL_SCHEDOP_putinfo (`xl sched-credit2 -d D -w W -c C`), dom0 only.
    ("sched_adjust", ["weight", "cap"]),
  ]
  /// Every argument some operation takes.
  static let argumentKeys: [String] = ops.flatMap(\.arguments).reduce(into: []) { keys, key in
    if !keys.contains(key) { keys.append(key) }
  }

  static func parse(
    _ node: Node, domains: [DomainConfig], duration: Int64, context: NodeContext
  ) throws(ScenarioError) -> [ControlCall] {
    guard case .sequence(let seq) = node else { throw context.error(node, "control", "expected a list of calls") }
    var calls: [ControlCall] = []
    for (i, item) in seq.enumerated() {
      let path = "control[\(i)]"
      var r = try MapReader(item, path: path, context: context)
      let time = try r.duration("at", default: 0)
      guard time <= duration else { throw context.error(item, "\(path).at", "is after the end of the run") }
      func domain(_ key: String) throws(ScenarioError) -> DomainID {
        let name = try r.string(key)
        guard let index = domains.firstIndex(where: { $0.name == name }) else {
          throw context.error(item, "\(path).\(key)", "no domain named '\(name)'")
        }
        return DomainID(index)
      }
      let caller = try domain("caller")
      let target = try domain("target")
      let op = try r.string("op")
      guard let accepted = ops.first(where: { $0.name == op })?.arguments else {
        throw context.error(
          item, "\(path).op", "unknown operation '\(op)' (known: \(ops.map(\.name).joined(separator: ", ")))")
      }
      var arguments: [ControlArgument] = []
      if let n = r.optional("ratio") {
        let ratio = try Values.fraction(n, "\(path).ratio", context)
        arguments.append(ControlArgument("ratio_permille", Int64((ratio * 1000).rounded())))
      }
      for key in ["interval", "max_credit"] {
        if r.keys.contains(key) { arguments.append(ControlArgument("\(key)_ns", try r.duration(key, default: nil))) }
      }
      if r.keys.contains("weight") {
        arguments.append(ControlArgument("weight", Int64(try r.integer("weight", default: 256, range: 1...65535))))
      }
      if r.keys.contains("cap") {
        let vcpus = domains[target.index].vcpus
        arguments.append(
          ControlArgument("cap_percent", Int64(try r.integer("cap", default: 0, range: 0...(100 * vcpus)))))
      }
      if op == "sched_adjust" && arguments.isEmpty {
        throw context.error(item, "\(path).op", "sched_adjust needs a weight, a cap or both")
      }
      // Each operation takes its own arguments: an argument it would ignore is an error.
      for key in argumentKeys where r.keys.contains(key) && !accepted.contains(key) {
        throw context.error(
          r.peek(key), "\(path).\(key)",
          "\(op) takes no '\(key)'"
            + (accepted.isEmpty ? " (it takes no arguments)" : " (its arguments: \(accepted.joined(separator: ", ")))"))
      }
      try r.finish(allowed: ["at", "caller", "op", "target"] + accepted)
      calls.append(ControlCall(time: time, caller: caller, op: op, target: target, arguments: arguments))
    }
    return calls
  }
}
