public import SchedLabCore
public import SchedLabScenario

/// What one seed's runs say about one expectation: the worst value over the selected domains, and
/// whether every bound held.
public struct SeedMeasurement: Sendable {
  public var seed: UInt64
  /// The metric's value (for relative bounds: under the scheduler checked).
  public var value: Double?
  /// The same metric under the baseline scheduler, when the expectation has relative bounds.
  public var baselineValue: Double?
  /// value / baselineValue.
  public var ratio: Double?
  /// The domain the worst value came from, when the expectation looks at domains.
  public var domain: String?
  public var held: Bool
  /// How far past its bound the value is (> 0: violated); used to pick the worst seed.
  public var score: Double
  /// Why there is no value (e.g. the domain never woke up).
  public var note: String?
}

/// The runs one seed of one scenario needs for its expectations.
struct SeedRuns {
  var seed: UInt64
  var run: RunResult
  var ideal: [Double]?
  var demands: [DomainDemand]?
  var baselines: [String: RunResult]
  /// Whether a second run with the same seed gave an identical result; nil when not asked.
  var deterministic: Bool?
}

/// Extraction of metric values from results, and judging them against bounds.
enum CheckMeasure {
  static func measure(_ e: Expectation, _ runs: SeedRuns) -> SeedMeasurement {
    let run = runs.run
    let base = e.baseline.flatMap { runs.baselines[$0] }
    var candidates: [(domain: Int?, value: Double?, note: String?)] = []
    switch e.domains {
    case .host:
      let (v, note) = hostValue(e, run, runs)
      candidates.append((nil, v, note))
    case .named(let name):
      let d = run.domains.firstIndex { $0.name == name }!
      let (v, note) = domainValue(e, run, d, runs)
      candidates.append((d, v, note))
    case .all:
      for d in run.domains.indices {
        let (v, note) = domainValue(e, run, d, runs)
        candidates.append((d, v, note))
      }
    }
    var worst: SeedMeasurement?
    var notes: [String] = []
    for c in candidates {
      guard let v = c.value else {
        if let n = c.note { notes.append(c.domain.map { "\(run.domains[$0].name): \(n)" } ?? n) }
        continue
      }
      var m = SeedMeasurement(
        seed: runs.seed, value: v, baselineValue: nil, ratio: nil, domain: c.domain.map { run.domains[$0].name },
        held: true, score: 0, note: nil)
      if let base {
        let b: Double?
        if let d = c.domain {
          b = domainValue(e, base, d, runs).0
        } else {
          b = hostValue(e, base, runs).0
        }
        guard let b else {
          notes.append("baseline \(e.baseline!) gives no value")
          continue
        }
        m.baselineValue = b
        m.ratio = b != 0 ? v / b : (v == 0 ? 1 : .infinity)
      }
      m.score = score(e, value: v, ratio: m.ratio)
      m.held = m.score <= 0
      if worst == nil || m.score > worst!.score { worst = m }
    }
    if let worst { return worst }
    // Nothing measurable: a check that cannot be evaluated fails rather than passing vacuously.
    let note = notes.isEmpty ? "nothing to measure" : notes.joined(separator: "; ")
    return SeedMeasurement(
      seed: runs.seed, value: nil, baselineValue: nil, ratio: nil, domain: nil, held: false, score: .infinity,
      note: "not measurable: \(note)")
  }

  /// The largest violation over the bounds (≤ 0 when all hold).
  static func score(_ e: Expectation, value v: Double, ratio: Double?) -> Double {
    var s = -Double.infinity
    if let max = e.max { s = Swift.max(s, v - max) }
    if let min = e.min { s = Swift.max(s, min - v) }
    if let maxAbs = e.maxAbs { s = Swift.max(s, abs(v) - maxAbs) }
    if let r = ratio {
      if let maxVs = e.maxVsBaseline { s = Swift.max(s, r - maxVs) }
      if let minVs = e.minVsBaseline { s = Swift.max(s, minVs - r) }
    }
    return s.isNaN ? .infinity : s
  }

  static func percentile(_ s: LatencySummary, _ p: String) -> Double {
    switch p {
    case "p50": Double(s.p50Ns)
    case "p90": Double(s.p90Ns)
    case "p999": Double(s.p999Ns)
    case "max": Double(s.maxNs)
    case "mean": Double(s.meanNs)
    default: Double(s.p99Ns)
    }
  }

  static func workloads(_ e: Expectation, _ domain: DomainResult) -> [WorkloadResult] {
    domain.workloads.filter { e.workload == nil || $0.name == e.workload }
  }

  /// Deadline misses and completed jobs of the selected periodic workloads of a domain.
  static func jobTotals(_ e: Expectation, _ domain: DomainResult) -> (misses: Int64, completed: Int64) {
    workloads(e, domain).filter(\.hasJobs).reduce((0, 0)) { ($0.0 + $1.deadlineMisses, $0.1 + $1.completed) }
  }

  static func domainValue(_ e: Expectation, _ run: RunResult, _ d: Int, _ runs: SeedRuns) -> (Double?, String?) {
    let dom = run.domains[d]
    let ideal = runs.ideal?[d]
    switch e.metric {
    case .share: return (dom.share, nil)
    case .shareVsIdeal: return (ideal.map { dom.share - $0 }, nil)
    case .shareRatio:
      guard let ideal, ideal > 0 else { return (nil, "ideal share is 0") }
      return (dom.share / ideal, nil)
    case .shareVsDemand:
      guard let demand = runs.demands?[d].total, demand > 0 else { return (nil, "demand is 0") }
      return (dom.share / demand, nil)
    case .windowMinVsIdeal:
      guard let ideal, ideal > 0 else { return (nil, "ideal share is 0") }
      guard dom.window.windows > 0 else { return (nil, "no complete window") }
      return (dom.window.min / ideal, nil)
    case .windowMax:
      guard dom.window.windows > 0 else { return (nil, "no complete window") }
      return (dom.window.max, nil)
    case .wakeLatency:
      guard dom.wakeLatency.count > 0 else { return (nil, "no wake-ups") }
      return (percentile(dom.wakeLatency, e.percentile), nil)
    case .missRatio:
      let (misses, completed) = jobTotals(e, dom)
      guard completed > 0 else { return (nil, "no completed jobs") }
      return (Double(misses) / Double(completed), nil)
    case .throughput:
      // A named workload counts whatever it completes; by default only requests and streams.
      let w = workloads(e, dom).filter { e.workload != nil || $0.category == .requests || $0.category == .stream }
      guard !w.isEmpty else { return (nil, "no request or stream workload") }
      return (w.reduce(0) { $0 + $1.throughputPerS }, nil)
    case .response:
      guard let w = workloads(e, dom).first(where: { $0.response.count > 0 }) else {
        return (nil, "no completed job or request")
      }
      return (percentile(w.response, e.percentile), nil)
    case .counter:
      guard let c = dom.policyCounters.first(where: { $0.name == e.counter }) else {
        return (nil, "\(run.scheduler) has no per-vCPU counter '\(e.counter!)'")
      }
      return (Double(c.value), nil)
    case .holderPreemptions:
      let locks = workloads(e, dom).filter { $0.category == .lock }
      guard !locks.isEmpty else { return (nil, "no spinlock workload") }
      return (Double(locks.reduce(0) { $0 + $1.holderPreemptions }), nil)
    case .contextSwitches, .idleFraction, .timeConserved, .deterministic:
      return hostValue(e, run, runs)
    }
  }

  static func hostValue(_ e: Expectation, _ run: RunResult, _ runs: SeedRuns) -> (Double?, String?) {
    switch e.metric {
    case .contextSwitches: return (run.host.contextSwitchesPerS, nil)
    case .idleFraction: return (run.host.idleFraction, nil)
    case .timeConserved:
      // |Σ vCPU running + Σ pCPU idle − P × measured| / (P × measured); context-switch time, when
      // the scenario models it, is neither and shows up here.
      let capacity = Double(run.measuredNs) * Double(run.host.pcpus)
      let accounted = Double(run.domains.reduce(0) { $0 + $1.runningNs } + run.host.pcpuIdleNs.reduce(0, +))
      return (abs(accounted - capacity) / capacity, nil)
    case .deterministic:
      return (runs.deterministic.map { $0 ? 1 : 0 }, runs.deterministic == nil ? "not run twice" : nil)
    case .counter:
      guard let c = run.counters.first(where: { $0.name == e.counter }) else {
        return (nil, "\(run.scheduler) has no counter '\(e.counter!)'")
      }
      return (Double(c.value), nil)
    case .throughput, .missRatio, .holderPreemptions:
      // Host-wide: summed over every domain.
      var sum = 0.0
      var misses = 0.0
      var any = false
      for d in run.domains.indices {
        let (v, _) = domainValue(e, run, d, runs)
        guard let v else { continue }
        any = true
        if e.metric == .missRatio {
          let (m, completed) = jobTotals(e, run.domains[d])
          misses += Double(m)
          sum += Double(completed)
        } else {
          sum += v
        }
      }
      guard any else { return (nil, "no domain has such a workload") }
      return (e.metric == .missRatio ? misses / sum : sum, nil)
    default:
      return (nil, "\(e.metric.rawValue) needs a domain")
    }
  }
}
