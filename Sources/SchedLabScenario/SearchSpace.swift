import SchedLabCore

/// What the search draws scenarios from: host shapes, domains (weights, caps, affinity), workloads
/// with parameter ranges and guest hints, run lengths. Every draw comes from (seed, index) alone, so a
/// counterexample is reproducible from the space, the seed and its index.
public struct SearchSpace: Hashable, Sendable {
  public var sockets: ClosedRange<Int> = 1...1
  public var cores: ClosedRange<Int> = 1...4
  public var threads: [Int] = [1]
  public var models: [String] = ["ideal"]
  /// Runqueue arrangements (credit2's `runqueue`), drawn only when there is more than one.
  public var runqueues: [String] = ["socket"]
  public var domains: ClosedRange<Int> = 2...5
  public var vcpus: ClosedRange<Int> = 1...2
  public var weights: [Int] = [128, 256, 512]
  /// Percent of domains that get a cap (25% steps up to the domain's vCPUs).
  public var capPercent = 15
  /// Percent of domains pinned (hard affinity) to a contiguous range of pCPUs.
  public var affinityPercent = 15
  /// Percent of domains that run a second workload of another kind.
  public var secondWorkloadPercent = 20
  /// Percent of real-time guests (audio, periodic) that set `dont_desched` around each job, and,
  /// independently, yield when it ends.
  public var hintPercent = 50
  public var workloads: [String] = SearchSpace.kinds
  public var durations: [Int64] = [Nanos.s(2)]
  public var warmupNs: Int64 = Nanos.ms(200)

  public init() {}

  /// The workload kinds the generator knows how to parameterise. Backend-using kinds (net-rr, hvm) and
  /// rt-app files are not drawn: a domain's demand is measured by running it alone, which a domain
  /// that needs another domain's vCPU cannot do.
  public static let kinds = [
    "burner", "demand", "audio", "periodic", "server", "server-mix", "interrupts", "batch", "schedbench-a",
    "schedbench-b", "video",
    "dont-desched-hog",
  ]

  /// The shipped default: small hosts (≤ 8 pCPUs) and 2 s runs, where a search judges many scenarios.
  public static let standard = SearchSpace()

  /// Draw scenario `index` of `seed`.
  public func draw(seed: UInt64, index: Int) -> ScenarioDraw {
    var rng = Xoshiro256(seed: seed, key: StreamKey.make(0x5ea4c4, index))
    let sockets = rng.pick(self.sockets)
    let cores = rng.pick(self.cores)
    let threads = rng.pick(self.threads)
    let pcpus = sockets * cores * threads
    let count = rng.pick(self.domains)
    var domains: [ScenarioDraw.Domain] = []
    for d in 0..<count {
      var affinity: ClosedRange<Int>?
      if rng.percent(affinityPercent) {
        let first = rng.pick(0...(pcpus - 1))
        affinity = first...rng.pick(first...(pcpus - 1))
      }
      let vcpus = min(rng.pick(self.vcpus), affinity?.count ?? pcpus)
      let cap = rng.percent(capPercent) ? 25 * (1 + Int(rng.below(Int64(3 * vcpus)))) : 0
      let kind = rng.pick(workloads)
      var drawn = [workload(kind, &rng)]
      if workloads.count > 1 && rng.percent(secondWorkloadPercent) {
        drawn.append(workload(rng.pick(workloads.filter { $0 != kind }), &rng))
      }
      domains.append(
        .init(name: "vm\(d)", vcpus: vcpus, weight: rng.pick(weights), cap: cap, affinity: affinity, workloads: drawn))
    }
    var draw = ScenarioDraw(
      sockets: sockets, cores: cores, threads: threads, model: rng.pick(models), durationNs: rng.pick(durations),
      warmupNs: warmupNs, domains: domains)
    if runqueues.count > 1 {
      let arrangement = rng.pick(runqueues)
      if arrangement != "socket" { draw.runqueue = arrangement }
    }
    return draw
  }

  /// One workload of `kind` with parameters drawn from round values.
  func workload(_ kind: String, _ rng: inout Xoshiro256) -> ScenarioDraw.Workload {
    var parameters: [ScenarioDraw.Parameter] = []
    func set(_ key: String, _ value: String) { parameters.append(.init(key: key, value: value)) }
    func percent(_ lo: Int, _ hi: Int, step: Int) -> String { "\(lo + step * rng.pick(0...((hi - lo) / step)))%" }
    func micros(_ choices: [Int]) -> String { "\(rng.pick(choices))us" }
    switch kind {
    case "demand":
      set("fraction", percent(10, 90, step: 10))
      set("burst", micros([500, 1000, 2000, 5000]))
    case "audio", "periodic":
      if kind == "audio" {
        set("period", rng.pick(["2ms", "5.33ms", "10ms"]))
        set("service", micros([100, 200, 400]))
      } else {
        set("period", rng.pick(["5ms", "10ms", "20ms"]))
        set("service", micros([500, 1000, 2000]))
      }
      if rng.percent(hintPercent) { set("dont_desched", "true") }
      if rng.percent(hintPercent) { set("deboost_yield", "true") }
    case "server":
      set("rate", "\(rng.pick([200, 500, 1000, 2000]))")
      set("service", micros([50, 100, 300]))
    case "server-mix":
      set("load", percent(10, 60, step: 10))
    case "interrupts":
      set("rate", "\(rng.pick([100, 1000, 5000]))")
      set("handler", micros([5, 20, 50]))
    case "video":
      set("fps", "\(rng.pick([24, 30, 60]))")
      set("decode", rng.pick(["2ms", "5ms", "10ms"]))
    default:
      break
    }
    return .init(type: kind, parameters: parameters)
  }
}

extension Xoshiro256 {
  mutating func pick<T>(_ options: [T]) -> T { options[Int(below(Int64(options.count)))] }
  mutating func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(below(Int64(range.count))) }
  /// True with probability `p` percent.
  mutating func percent(_ p: Int) -> Bool { Int(below(100)) < p }
}
