public import SchedLabCore
public import SchedLabPolicies
public import SchedLabScenario

/// How a domain's demand was obtained.
public enum DemandSource: String, Sendable {
  /// Declared in the scenario file.
  case declared
  /// Measured: the domain run alone on the same host, with the same scheduler, seed and duration.
  case measured
}

/// A domain's demand: what it consumes alone, per vCPU and in total (fractions of one pCPU).
public struct DomainDemand: Sendable {
  public var total: Double
  public var perVCPU: [Double]
  public var source: DemandSource
}

/// One run of a scenario under one policy, judged against the ideal.
public struct Evaluation: Sendable {
  public var scenario: Scenario
  public var policy: PolicyDescriptor
  /// The policy's tunables as used (defaults included), in declaration order.
  public var parameters: [(String, ParameterValue)]
  public var result: RunResult
  /// Per domain; nil when the ideal was not computed.
  public var demands: [DomainDemand]?
  /// Per domain ideal share (fraction of one pCPU); nil when not computed.
  public var ideal: [Double]?
}

/// Runs scenarios: the main job, the demand measurement and the oracle.
public enum Runner {
  /// Apply command-line overrides to a scenario.
  public static func override(
    _ scenario: Scenario, seed: UInt64? = nil, durationNs: Int64? = nil
  ) throws(ScenarioError) -> Scenario {
    var s = scenario
    if let seed { s.simulation.seed = seed }
    if let durationNs {
      guard durationNs > s.simulation.warmupNs else {
        throw ScenarioError(
          file: s.path, line: nil, key: "--duration",
          message: "\(Nanos.format(durationNs)) is not longer than the warm-up (\(Nanos.format(s.simulation.warmupNs)))"
        )
      }
      s.simulation.durationNs = durationNs
    }
    return s
  }

  /// Run `scenario` under `scheduler` (default: the file's), and compute the ideal if asked.
  /// `listeners` hear the trace of the scheduler's run (not of the demand runs behind the ideal);
  /// the policy's state is dumped at each of `dumpAt` into the result's `dumps`.
  public static func evaluate(
    _ scenario: Scenario, scheduler: String? = nil, ideal: Bool = true, listeners: [any TraceListener] = [],
    dumpAt: [Int64] = []
  ) throws(ScenarioError) -> Evaluation {
    let (descriptor, policy) = try scenario.makePolicy(scheduler)
    try EventBudget.check(scenario, runs: 1, demandRuns: ideal ? 1 : 0)
    let result = try simulate(scenario, policy: policy, listeners: listeners, dumpAt: dumpAt)
    var parameters: [(String, ParameterValue)] = []
    let overrides = scenario.parameters[descriptor.name] ?? [:]
    for spec in descriptor.parameters { parameters.append((spec.name, overrides[spec.name] ?? spec.defaultValue)) }
    var evaluation = Evaluation(
      scenario: scenario, policy: descriptor, parameters: parameters, result: result, demands: nil, ideal: nil)
    if ideal {
      let demands = try measureDemands(scenario, scheduler: descriptor.name)
      evaluation.demands = demands
      evaluation.ideal = try idealShares(scenario, demands: demands, policy: descriptor)
    }
    return evaluation
  }

  /// One run of the scenario, control calls included, under an already built policy, heard by
  /// `listeners`. A run that reaches the scenario's `maxEvents` is an error, not a result.
  public static func simulate(
    _ scenario: Scenario, policy: any SchedulerPolicy, listeners: [any TraceListener] = [], dumpAt: [Int64] = []
  ) throws(ScenarioError) -> RunResult {
    let engine = Engine(config: scenario.simulation, policy: policy)
    for listener in listeners { engine.addListener(listener) }
    for time in dumpAt { engine.dumpPolicy(at: time) }
    for call in scenario.controls { engine.schedule(call) }
    return try runToEnd(engine, scenario)
  }

  /// Run `engine` to the end; reaching the event ceiling first is an error.
  static func runToEnd(_ engine: Engine, _ scenario: Scenario) throws(ScenarioError) -> RunResult {
    let result = engine.run()
    if engine.exceededMaxEvents { throw EventBudget.stopped(scenario, at: engine.processedEvents) }
    return result
  }

  /// Each domain's demand: declared, or measured by running it alone.
  public static func measureDemands(_ scenario: Scenario, scheduler: String) throws(ScenarioError) -> [DomainDemand] {
    let (descriptor, _) = try scenario.makePolicy(scheduler)
    return try measureDemands(scenario, policy: descriptor)
  }

  /// Each domain's demand under the given policy: declared, or measured by running it alone.
  public static func measureDemands(
    _ scenario: Scenario, policy descriptor: PolicyDescriptor
  ) throws(ScenarioError) -> [DomainDemand] {
    let domains = scenario.simulation.domains
    var perVCPU = domains.map { Array(repeating: 0.0, count: $0.vcpus) }
    // What each backend does for the others: its helpers' shares in their demand runs.
    var serving = perVCPU
    for (d, domain) in domains.enumerated() {
      if let declared = scenario.declaredDemand[d] {
        perVCPU[d] = Array(repeating: min(1, declared / Double(domain.vcpus)), count: domain.vcpus)
        continue
      }
      // Alone, with its own policy parameters (its reservation, its boost settings), its requests
      // served by its backends.
      let (single, helpers) = scenario.alone(d)
      let policy = try single.makePolicy(descriptor)
      let result = try runToEnd(Engine(config: single.simulation, policy: policy), scenario)
      perVCPU[d] = result.domains[0].vcpus.map { min(1, $0.share) }
      for (k, h) in helpers.enumerated() {
        for (i, vcpu) in result.domains[k + 1].vcpus.enumerated() { serving[h][i] += vcpu.share }
      }
    }
    return domains.indices.map { d in
      if scenario.declaredDemand[d] != nil {
        return DomainDemand(total: perVCPU[d].reduce(0, +), perVCPU: perVCPU[d], source: .declared)
      }
      let per = zip(perVCPU[d], serving[d]).map { min(1, $0 + $1) }
      return DomainDemand(total: per.reduce(0, +), perVCPU: per, source: .measured)
    }
  }

  /// The ideal share of every domain for the policy: its weight semantics, and its guarantees
  /// (reservations, budgets) when it has any.
  public static func idealShares(
    _ scenario: Scenario, demands: [DomainDemand], policy: PolicyDescriptor
  ) throws(ScenarioError) -> [Double] {
    let sim = scenario.simulation
    let configuration = policy.guarantees == nil ? nil : try scenario.configuration(for: policy)
    var entities: [IdealShare.Entity] = []
    for (d, domain) in sim.domains.enumerated() {
      let guarantees = configuration.map { policy.guarantees!($0, d, domain.vcpus) }
      for i in 0..<domain.vcpus {
        var weight: Double
        switch policy.weights {
        // Per active vCPU is per vCPU here: a vCPU with no demand takes nothing either way.
        case .perVCPU, .perActiveVCPU: weight = Double(domain.weight)
        case .equal: weight = 1
        }
        if let g = guarantees?[i], !g.sharesRest { weight = 0 }
        entities.append(
          IdealShare.Entity(
            domain: d, demand: demands[d].perVCPU[i], weight: weight,
            affinity: domain.hardAffinity ?? sim.topology.allPCPUs, reserve: guarantees?[i].reserve ?? 0))
      }
    }
    let caps = sim.domains.map { $0.capPercent > 0 ? Double($0.capPercent) / 100 : nil }
    let x = IdealShare.solve(
      pcpus: sim.topology.pcpuCount, entities: entities, caps: caps, semantics: policy.guaranteeSemantics)
    var shares = Array(repeating: 0.0, count: sim.domains.count)
    for (i, e) in entities.enumerated() { shares[e.domain] += x[i] }
    return shares
  }
}
