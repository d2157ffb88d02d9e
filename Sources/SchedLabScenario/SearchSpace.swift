import SchedLabCore

/// What the search draws scenarios from: host shapes, domains, workloads with parameter ranges, run
/// lengths. Every draw comes from (seed, index) alone, so a counterexample is reproducible from the
/// space, the seed and its index.
public struct SearchSpace: Hashable, Sendable {
  public var sockets: ClosedRange<Int> = 1...1
  public var cores: ClosedRange<Int> = 1...4
  public var threads: [Int] = [1]
  public var models: [String] = ["ideal"]
  public var domains: ClosedRange<Int> = 2...5
  public var vcpus: ClosedRange<Int> = 1...2
  public var weights: [Int] = [128, 256, 512]
  /// Percent of domains that get a cap.
  public var capPercent = 0
  public var workloads: [String] = SearchSpace.kinds
  public var durations: [Int64] = [Nanos.s(2)]
  public var warmupNs: Int64 = Nanos.ms(200)

  public init() {}

  /// The workload kinds the generator knows how to parameterise.
  public static let kinds = ["burner", "demand", "audio", "periodic", "server", "interrupts", "batch", "schedbench-a"]

  /// The shipped default: small hosts (≤ 8 pCPUs) and 2 s runs, where a search judges many scenarios.
  public static let standard = SearchSpace()

  /// Draw scenario `index` of `seed`.
  public func draw(seed: UInt64, index: Int) -> ScenarioDraw {
    var rng = Xoshiro256(seed: seed, key: StreamKey.make(0x5ea4c4, index))
    func pick<T>(_ options: [T]) -> T { options[Int(rng.below(Int64(options.count)))] }
    func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.below(Int64(range.count))) }
    func percent(_ lo: Int, _ hi: Int, step: Int) -> String {
      "\(lo + step * Int(rng.below(Int64((hi - lo) / step + 1))))%"
    }
    func micros(_ choices: [Int]) -> String { "\(pick(choices))us" }
    let sockets = pick(self.sockets)
    let cores = pick(self.cores)
    let threads = pick(self.threads)
    let count = pick(self.domains)
    var domains: [ScenarioDraw.Domain] = []
    for d in 0..<count {
      let vcpus = min(pick(self.vcpus), sockets * cores * threads)
      let cap = Int(rng.below(100)) < capPercent ? 25 * (1 + Int(rng.below(Int64(3 * vcpus)))) : 0
      let kind = pick(workloads)
      var parameters: [ScenarioDraw.Parameter] = []
      func set(_ key: String, _ value: String) { parameters.append(.init(key: key, value: value)) }
      switch kind {
      case "demand":
        set("fraction", percent(10, 90, step: 10))
        set("burst", micros([500, 1000, 2000, 5000]))
      case "audio":
        set("period", pick(["2ms", "5.33ms", "10ms"]))
        set("service", micros([100, 200, 400]))
      case "periodic":
        set("period", pick(["5ms", "10ms", "20ms"]))
        set("service", micros([500, 1000, 2000]))
      case "server":
        set("rate", "\(pick([200, 500, 1000, 2000]))")
        set("service", micros([50, 100, 300]))
      case "interrupts":
        set("rate", "\(pick([100, 1000, 5000]))")
        set("handler", micros([5, 20, 50]))
      default:
        break
      }
      domains.append(
        .init(
          name: "vm\(d)", vcpus: vcpus, weight: pick(weights), cap: cap,
          workloads: [.init(type: kind, parameters: parameters)]))
    }
    return ScenarioDraw(
      sockets: sockets, cores: cores, threads: threads, model: pick(models), durationNs: pick(durations),
      warmupNs: warmupNs, domains: domains)
  }
}
