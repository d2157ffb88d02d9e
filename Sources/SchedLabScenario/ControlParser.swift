import SchedLabCore
import SchedLabPolicies
import Yams

/// The `control:` list: hypercall-like calls issued by a domain at a given time.
///
/// ```yaml
/// control:
///   - {at: 0s, caller: dom0, op: set_boost, target: audio, ratio: 25%, interval: 500us, max_credit: 2500us}
///   - {at: 10s, caller: audio, op: get_counters, target: audio}
/// ```
/// Arguments become integers, by their kind in the operation's ``ControlOpSpec``: fractions in
/// per-mille (`ratio_permille`), durations in ns (`interval_ns`, `max_credit_ns`), whole numbers as given.
enum ControlParser {
  /// The operations: the policies' own (declared in their folders), then the engine's `sched_adjust`.
  /// Calls are checked against all of them: `--scheduler` may run the file under another policy,
  /// which answers EINVAL for an operation it does not have.
  static let ops: [ControlOpSpec] = {
    var ops: [ControlOpSpec] = []
    for op in PolicyRegistry.all.flatMap(\.controlOps) + [ControlCall.schedAdjustSpec]
    where !ops.contains(where: { $0.name == op.name }) {
      ops.append(op)
    }
    return ops
  }()
  /// Every argument key some operation takes.
  static let argumentKeys: [String] = ops.flatMap { $0.arguments.map(\.key) }.reduce(into: []) { keys, key in
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
      guard let spec = ops.first(where: { $0.name == op }) else {
        throw context.error(
          item, "\(path).op", "unknown operation '\(op)' (known: \(ops.map(\.name).joined(separator: ", ")))")
      }
      let accepted = spec.arguments.map(\.key)
      var arguments: [ControlArgument] = []
      for argument in spec.arguments where r.keys.contains(argument.key) {
        let key = argument.key
        let value: Int64
        switch argument.kind {
        case .fraction:
          value = Int64((try Values.fraction(r.optional(key)!, "\(path).\(key)", context) * 1000).rounded())
        case .duration: value = try r.duration(key, default: nil)
        case .integer(let range):
          value = Int64(
            try r.integer(key, default: Int(range.lowerBound), range: Int(range.lowerBound)...Int(range.upperBound)))
        case .capPercent: value = Int64(try r.integer(key, default: 0, range: 0...(100 * domains[target.index].vcpus)))
        }
        arguments.append(ControlArgument(argument.argumentName, value))
      }
      if spec.requiresArgument && arguments.isEmpty {
        throw context.error(
          item, "\(path).op",
          "\(op) needs "
            + (accepted.count == 1 ? "a \(accepted[0])" : "at least one of \(accepted.joined(separator: ", "))"))
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
