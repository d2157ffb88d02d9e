import SchedLabCore
import SchedLabPolicies
import Yams

/// A search space file: any of the keys below; the rest keep the default space's values.
///
/// ```yaml
/// sockets: [1, 2]          # inclusive ranges
/// cores: [1, 8]
/// threads: [1, 2]          # choices
/// models: [ideal, realistic]
/// runqueues: [socket, core, all]   # credit2's runqueue arrangement (for the policies that have one)
/// domains: [2, 6]
/// vcpus: [1, 4]
/// weights: [128, 256, 512, 1024]
/// cap_percent: 20          # percent of domains capped
/// affinity_percent: 15     # percent of domains pinned to a range of pCPUs
/// second_workload_percent: 20   # percent of domains running a second workload
/// hint_percent: 50         # percent of real-time guests setting dont_desched (and, apart, deboost_yield)
/// workloads: [burner, demand, audio, server]
/// durations: [2s, 4s]
/// warmup: 200ms
/// ```
extension SearchSpace {
  static let keys = [
    "sockets", "cores", "threads", "models", "runqueues", "domains", "vcpus", "weights", "cap_percent",
    "affinity_percent",
    "second_workload_percent", "hint_percent", "workloads", "durations", "warmup",
  ]

  public static func load(path: String) throws(ScenarioError) -> SearchSpace {
    try parse(try ScenarioLoader.text(atPath: path), path: path)
  }

  public static func parse(_ text: String, path: String) throws(ScenarioError) -> SearchSpace {
    let context = NodeContext(file: path)
    let root = try ScenarioLoader.document(text, path: path)
    var reader = try MapReader(root, path: "", context: context)
    var space = SearchSpace.standard
    func list(_ key: String) throws(ScenarioError) -> [Node]? {
      guard let node = reader.optional(key) else { return nil }
      guard case .sequence(let items) = node, !items.isEmpty else {
        throw context.error(node, key, "expected a non-empty list")
      }
      return Array(items)
    }
    func range(_ key: String, within limits: ClosedRange<Int>) throws(ScenarioError) -> ClosedRange<Int>? {
      guard let items = try list(key) else { return nil }
      guard items.count == 2 else { throw context.error(items[0], key, "expected [lowest, highest]") }
      let lo = try Values.integer(items[0], key, context, range: limits)
      let hi = try Values.integer(items[1], key, context, range: limits)
      guard lo <= hi else { throw context.error(items[0], key, "\(lo) is above \(hi)") }
      return lo...hi
    }
    func integers(_ key: String, within limits: ClosedRange<Int>) throws(ScenarioError) -> [Int]? {
      guard let items = try list(key) else { return nil }
      var out: [Int] = []
      for item in items { out.append(try Values.integer(item, key, context, range: limits)) }
      return out
    }
    func strings(_ key: String, from allowed: [String]) throws(ScenarioError) -> [String]? {
      guard let items = try list(key) else { return nil }
      var out: [String] = []
      for item in items {
        let s = try Values.string(item, key, context)
        guard allowed.contains(s) else {
          throw context.error(item, key, "'\(s)' is not one of \(allowed.joined(separator: ", "))")
        }
        out.append(s)
      }
      return out
    }
    if let r = try range("sockets", within: 1...4) { space.sockets = r }
    if let r = try range("cores", within: 1...64) { space.cores = r }
    if let t = try integers("threads", within: 1...2) { space.threads = t }
    if let m = try strings("models", from: ["ideal", "realistic"]) { space.models = m }
    if let r = try strings("runqueues", from: RunqueueArrangement.allCases.map(\.rawValue)) { space.runqueues = r }
    if let r = try range("domains", within: 1...64) { space.domains = r }
    if let r = try range("vcpus", within: 1...64) { space.vcpus = r }
    if let w = try integers("weights", within: 1...65535) { space.weights = w }
    space.capPercent = try reader.integer("cap_percent", default: space.capPercent, range: 0...100)
    space.affinityPercent = try reader.integer("affinity_percent", default: space.affinityPercent, range: 0...100)
    space.secondWorkloadPercent = try reader.integer(
      "second_workload_percent", default: space.secondWorkloadPercent, range: 0...100)
    space.hintPercent = try reader.integer("hint_percent", default: space.hintPercent, range: 0...100)
    if let w = try strings("workloads", from: SearchSpace.kinds) { space.workloads = w }
    if let items = try list("durations") {
      var durations: [Int64] = []
      for item in items {
        let d = try Values.duration(item, "durations", context)
        guard d >= Nanos.ms(100) else { throw context.error(item, "durations", "a run shorter than 100ms") }
        durations.append(d)
      }
      space.durations = durations
    }
    space.warmupNs = try reader.duration("warmup", default: space.warmupNs)
    guard space.durations.allSatisfy({ $0 > space.warmupNs }) else {
      throw context.error(root, "warmup", "the warm-up must be shorter than every duration")
    }
    try reader.finish(allowed: keys)
    return space
  }
}
