import Foundation
import SchedLabCore
public import SchedLabPolicies
public import SchedLabScenario

/// The verdict on one expectation over every seed.
public enum Verdict: String, Sendable {
  case pass = "PASS"
  case fail = "FAIL"
  /// Failed, as the scenario says it would under this scheduler.
  case xfail = "XFAIL"
  /// Passed although the scenario says it would fail under this scheduler: the mark is stale.
  case xpass = "XPASS"

  /// Whether this verdict makes `schedlab check` exit 1.
  public var isFailure: Bool { self == .fail || self == .xpass }
}

/// One expectation of one scenario, judged over every seed.
public struct CheckResult: Sendable {
  public var scenario: String
  public var file: String
  public var scheduler: String
  public var expectation: Expectation
  /// Every seed's measurement, in seed order.
  public var seeds: [SeedMeasurement]
  /// The seed whose measurement is reported: the one furthest past (or nearest to) its bound.
  public var worst: SeedMeasurement
  public var verdict: Verdict
  /// The host model the scenario ran on (`ideal`, `realistic`, `custom`).
  public var hostModel: String = "ideal"

  public var held: Bool { seeds.allSatisfy(\.held) }

  /// The worst value as text, in the metric's unit.
  public var measuredText: String {
    guard let v = worst.value else { return worst.note ?? "-" }
    var text = expectation.metric.text(v)
    if let r = worst.ratio, let b = worst.baselineValue {
      text += " (\(Format.fixed(r, 3))x \(expectation.baseline!) \(expectation.metric.text(b)))"
    }
    return text
  }

  /// Where the worst value came from: domain and seed.
  public var whereText: String {
    var parts: [String] = []
    if let d = worst.domain { parts.append(d) }
    parts.append("seed \(worst.seed)")
    return parts.joined(separator: ", ")
  }

  /// One line a developer can act on: file and line, scenario, expectation, measured value, bound.
  public var message: String {
    "\(expectation.file):\(expectation.line): \(scenario): \(expectation.name) under \(scheduler): measured "
      + "\(measuredText) [\(whereText)], bound \(expectation.boundText) -> \(verdict.rawValue)"
  }
}

/// Runs scenarios' expectations: every scenario under one scheduler (its own by default), for each
/// seed, with the baseline runs relative bounds need, in parallel over `jobs` workers.
public enum Checker {
  public struct Options: Sendable {
    /// The scheduler to check; nil: each scenario's own.
    public var policy: PolicyDescriptor?
    /// The name the user gave (an alias counts for `xfail` marks too).
    public var policyName: String?
    /// Seeds to run; nil: each scenario's own seed.
    public var seeds: ClosedRange<UInt64>?
    public var jobs: Int
    /// Asked before each scenario run: true stops the check (Ctrl-C). Scenarios whose runs had all
    /// finished keep their verdicts; the others are left out.
    public var shouldStop: @Sendable () -> Bool

    public init(
      policy: PolicyDescriptor? = nil, policyName: String? = nil, seeds: ClosedRange<UInt64>? = nil, jobs: Int = 1,
      shouldStop: @escaping @Sendable () -> Bool = { false }
    ) {
      self.policy = policy
      self.policyName = policyName
      self.seeds = seeds
      self.jobs = jobs
      self.shouldStop = shouldStop
    }
  }

  /// Check every expectation of every scenario. Results are in scenario order, then expectation order,
  /// whatever the number of jobs.
  public static func check(_ scenarios: [Scenario], options: Options) throws(ScenarioError) -> [CheckResult] {
    // Resolve policies up front so a bad name is one error, not one per worker.
    var policies: [PolicyDescriptor] = []
    for s in scenarios {
      if let p = options.policy {
        policies.append(p)
      } else {
        policies.append(try s.makePolicy(nil).0)
      }
      for e in s.expectations {
        if let b = e.baseline, PolicyRegistry.lookup(b) == nil {
          throw ScenarioError(
            file: e.file, line: e.line, key: "expect.baseline",
            message: PolicyRegistry.unknown(b))
        }
      }
    }
    try checkBudget(scenarios, seeds: options.seeds)
    var units: [(scenario: Int, seed: UInt64)] = []
    for (i, s) in scenarios.enumerated() where !s.expectations.isEmpty {
      if let seeds = options.seeds {
        for seed in seeds { units.append((i, seed)) }
      } else {
        units.append((i, s.simulation.seed))
      }
    }
    let resolved = policies
    let outputs = try parallelMap(units, jobs: options.jobs, stop: options.shouldStop) {
      unit throws(ScenarioError) -> [SeedMeasurement] in
      var scenario = scenarios[unit.scenario]
      scenario.simulation.seed = unit.seed
      let runs = try runSeed(scenario, policy: resolved[unit.scenario])
      return scenario.expectations.map { CheckMeasure.measure($0, runs) }
    }
    var results: [CheckResult] = []
    for (i, s) in scenarios.enumerated() {
      let ran = units.indices.filter { units[$0].scenario == i }.map { outputs[$0] }
      // A scenario some of whose runs never started (the check was stopped) gets no verdict.
      guard !ran.isEmpty, !ran.contains(where: { $0 == nil }) else { continue }
      let perSeed = ran.map { $0! }
      let policy = policies[i]
      var names: Set<String> = [policy.name]
      names.formUnion(policy.aliases)
      if let given = options.policyName { names.insert(given) }
      // `NAME@MODEL` marks hold only on that host model (e.g. `credit@ideal`).
      for name in names { names.insert("\(name)@\(s.simulation.hostModel.name)") }
      for (k, e) in s.expectations.enumerated() {
        let seeds = perSeed.map { $0[k] }
        let worst = seeds.max { $0.score < $1.score }!
        let held = seeds.allSatisfy(\.held)
        let expectedToFail = !names.isDisjoint(with: e.xfail)
        let verdict: Verdict =
          switch (held, expectedToFail) {
          case (true, false): .pass
          case (false, false): .fail
          case (false, true): .xfail
          case (true, true): .xpass
          }
        results.append(
          CheckResult(
            scenario: s.name, file: s.path, scheduler: policy.name, expectation: e, seeds: seeds, worst: worst,
            verdict: verdict, hostModel: s.simulation.hostModel.name))
      }
    }
    return results
  }

  /// Refuse a check whose runs (every seed of every scenario: the scheduler's run, the demand runs
  /// for the ideal, baselines, the determinism re-run) would exceed the ceiling, before allocating
  /// anything per seed.
  static func checkBudget(_ scenarios: [Scenario], seeds: ClosedRange<UInt64>?) throws(ScenarioError) {
    let checked = scenarios.filter { !$0.expectations.isEmpty }
    guard let first = checked.first else { return }
    let seedCount = seeds.map { Double($0.upperBound - $0.lowerBound) + 1 } ?? 1
    var total = 0.0
    var largest = EventBudget.runEvents(first)
    for s in checked {
      let plan = SeedPlan(s)
      let runs = 1 + Double(plan.baselines.count) + (plan.rerun ? 1 : 0)
      let one = EventBudget.runEvents(s)
      if one.largestEvents > largest.largestEvents { largest = one }
      total += seedCount * (one.total * runs + (plan.needsIdeal ? EventBudget.demandEvents(s) : 0))
    }
    let what =
      "\(checked.count) scenario\(checked.count == 1 ? "" : "s") × "
      + (seeds.map { "\(Int64(seedCount)) seed\(seedCount == 1 ? "" : "s") \($0.lowerBound)..\($0.upperBound)" }
        ?? "1 seed")
    try EventBudget.refuseAbove(
      total, ceiling: first.simulation.maxEvents, file: checked.count == 1 ? first.path : "check", what: what,
      largest: largest)
  }

  /// What one seed of a scenario needs beside the scheduler's run, from its expectations: the ideal
  /// (one demand run per domain), each baseline policy's run, a second identical run for determinism.
  struct SeedPlan {
    var needsIdeal: Bool
    /// Baseline policies, sorted.
    var baselines: [String]
    var rerun: Bool

    init(_ scenario: Scenario) {
      let metrics = Set(scenario.expectations.map(\.metric))
      needsIdeal = metrics.contains { $0.needsIdeal }
      baselines = Set(scenario.expectations.compactMap(\.baseline)).sorted()
      rerun = metrics.contains { $0.name == "deterministic" }
    }
  }

  /// The runs one seed needs (``SeedPlan``).
  static func runSeed(_ scenario: Scenario, policy: PolicyDescriptor) throws(ScenarioError) -> SeedRuns {
    func runOnce(_ descriptor: PolicyDescriptor) throws(ScenarioError) -> RunResult {
      try Runner.simulate(scenario, policy: try scenario.makePolicy(descriptor))
    }
    let plan = SeedPlan(scenario)
    let run = try runOnce(policy)
    var runs = SeedRuns(seed: scenario.simulation.seed, run: run, ideal: nil, demands: nil, baselines: [:])
    if plan.needsIdeal {
      let demands = try Runner.measureDemands(scenario, policy: policy)
      runs.demands = demands
      runs.ideal = try Runner.idealShares(scenario, demands: demands, policy: policy)
    }
    for name in plan.baselines {
      runs.baselines[name] = try runOnce(PolicyRegistry.lookup(name)!)
    }
    if plan.rerun {
      // The event-trace hash, and everything the run reports field by field (shares, runstates,
      // latency summaries, counters, log): any divergence between two runs of a seed shows up here.
      let again = try runOnce(policy)
      runs.deterministic =
        again.host.traceHash == run.host.traceHash && String(describing: again) == String(describing: run)
    }
    return runs
  }

  /// `transform` over `items` on up to `jobs` threads; results in input order, nil for an item not
  /// started because `stop` said so. The first error wins.
  public static func parallelMap<T: Sendable, R: Sendable>(
    _ items: [T], jobs: Int, stop: @Sendable () -> Bool = { false },
    _ transform: @Sendable (T) throws(ScenarioError) -> R
  ) throws(ScenarioError) -> [R?] {
    let box = ResultBox<R>(count: items.count)
    let workers = max(1, min(jobs, items.count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while !stop(), let i = box.next() {
        box.store(i, Result { () throws(ScenarioError) -> R in try transform(items[i]) })
      }
    }
    return try box.collect()
  }
}

/// Work distribution and results for ``Checker/parallelMap(_:jobs:_:)``, behind a lock.
private final class ResultBox<R: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var nextIndex = 0
  private var results: [Result<R, ScenarioError>?]

  init(count: Int) { results = Array(repeating: nil, count: count) }

  func next() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard nextIndex < results.count else { return nil }
    nextIndex += 1
    return nextIndex - 1
  }

  func store(_ i: Int, _ r: Result<R, ScenarioError>) {
    lock.lock()
    results[i] = r
    lock.unlock()
  }

  func collect() throws(ScenarioError) -> [R?] {
    lock.lock()
    defer { lock.unlock() }
    var out: [R?] = []
    for r in results {
      switch r {
      case .success(let v)?: out.append(v)
      case .failure(let e)?: throw e
      case nil: out.append(nil)
      }
    }
    return out
  }
}
