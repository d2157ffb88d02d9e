public import SchedLabCore
public import SchedLabScenario

/// The ceiling on the events a command may simulate. Before anything runs, the runs a command will do
/// (the scheduler's, one per domain whose demand is measured, each baseline, every seed) are estimated
/// from the scenario (``EventEstimate``); above the ceiling the command refuses with the estimate and
/// the flag that raises it. The engine stops any single run that reaches the ceiling anyway, in case
/// the estimate was low.
public enum EventBudget {
  /// About ten minutes of one core at the engine's usual 2–5 M events/s.
  public static let defaultMaxEvents: Int64 = 2_000_000_000

  /// Estimated events of one run of `scenario`, and of the runs that measure its domains' demands.
  public static func runEvents(_ scenario: Scenario) -> EventEstimate { scenario.simulation.eventEstimate }

  /// Estimated events of measuring every undeclared demand: each such domain run alone (with the
  /// backends that serve it).
  public static func demandEvents(_ scenario: Scenario) -> Double {
    scenario.simulation.domains.indices.reduce(0.0) { total, d in
      scenario.declaredDemand[d] != nil ? total : total + scenario.alone(d).scenario.simulation.eventEstimate.total
    }
  }

  /// Refuse if `runs` runs of `scenario` (plus `demandRuns` demand measurements) would exceed the
  /// scenario's `maxEvents`. `what` says what the command does, e.g. "8 seeds".
  public static func check(
    _ scenario: Scenario, runs: Double = 1, demandRuns: Double = 0, what: String? = nil
  ) throws(ScenarioError) {
    let one = runEvents(scenario)
    let total = one.total * runs + (demandRuns > 0 ? demandEvents(scenario) * demandRuns : 0)
    try refuseAbove(total, ceiling: scenario.simulation.maxEvents, file: scenario.path, what: what, largest: one)
  }

  /// The refusal, if `total` exceeds `ceiling`: one line with the estimate, the main contributor
  /// and the flag.
  public static func refuseAbove(
    _ total: Double, ceiling: Int64, file: String, what: String?, largest: EventEstimate
  ) throws(ScenarioError) {
    guard total > Double(ceiling) else { return }
    var message = "would simulate about \(scientific(total)) events"
    if let what { message += " (\(what))" }
    message +=
      ", above the ceiling of \(scientific(Double(ceiling))); the largest part is \(largest.largest)"
      + " (\(scientific(largest.largestEvents)) per run). Shorten the run or raise the ceiling with --max-events"
    throw ScenarioError(file: file, line: nil, key: "", message: message)
  }

  /// A count as `2.0e9`.
  public static func scientific(_ value: Double) -> String {
    guard value >= 1_000 else { return String(Int(value)) }
    var exponent = 0
    var mantissa = value
    while mantissa >= 10 {
      mantissa /= 10
      exponent += 1
    }
    let tenths = Int((mantissa * 10).rounded())
    if tenths == 100 { return "1.0e\(exponent + 1)" }
    return "\(tenths / 10).\(tenths % 10)e\(exponent)"
  }

  /// A run the engine stopped at the ceiling.
  static func stopped(_ scenario: Scenario, at events: Int64) -> ScenarioError {
    ScenarioError(
      file: scenario.path, line: nil, key: "",
      message:
        "the run reached the ceiling of \(scientific(Double(events))) events before its end (the estimate was "
        + "\(scientific(runEvents(scenario).total))); raise it with --max-events")
  }
}
