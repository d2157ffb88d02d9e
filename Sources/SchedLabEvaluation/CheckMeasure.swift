import SchedLabCore
import SchedLabScenario

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

/// Measuring an expectation's metric (through the metric table), and judging it against bounds.
enum CheckMeasure {
  /// What the metric table measures `run` on (the seed's run, or one of its baselines).
  static func input(_ runs: SeedRuns, _ run: RunResult) -> MetricInput {
    MetricInput(run: run, ideal: runs.ideal, demand: runs.demands?.map(\.total), deterministic: runs.deterministic)
  }

  static func value(_ e: Expectation, _ input: MetricInput, domain d: Int?) -> Measured {
    d.map { e.metric.measure(input, domain: $0, e.query) } ?? e.metric.measureHost(input, e.query)
  }

  static func measure(_ e: Expectation, _ runs: SeedRuns) -> SeedMeasurement {
    let run = runs.run
    let own = input(runs, run)
    let base = e.baseline.flatMap { runs.baselines[$0] }.map { input(runs, $0) }
    var domains: [Int?] = []
    switch e.domains {
    case .host: domains = [nil]
    case .named(let name): domains = [run.domains.firstIndex { $0.name == name }!]
    case .all: domains = run.domains.indices.map { $0 }
    }
    var worst: SeedMeasurement?
    var notes: [String] = []
    for d in domains {
      let c = value(e, own, domain: d)
      guard let v = c.value else {
        if let n = c.note { notes.append(d.map { "\(run.domains[$0].name): \(n)" } ?? n) }
        continue
      }
      var m = SeedMeasurement(
        seed: runs.seed, value: v, baselineValue: nil, ratio: nil, domain: d.map { run.domains[$0].name },
        held: true, score: 0, note: nil)
      if let base {
        guard let b = value(e, base, domain: d).value else {
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
}
