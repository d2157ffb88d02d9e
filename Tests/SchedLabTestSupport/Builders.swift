public import SchedLabCore
public import SchedLabPolicies

/// Scenario builders and run helpers for tests.
public enum Build {
  public static func host(_ sockets: Int = 1, _ cores: Int, _ threads: Int = 1) -> HostTopology {
    HostTopology(sockets: sockets, coresPerSocket: cores, threadsPerCore: threads)
  }

  public static func burner(_ name: String = "burn") -> WorkloadSpec { WorkloadSpec(name: name, kind: .burner) }

  public static func phases(_ steps: [Phase], name: String = "phases", phase: Int64? = 0) -> WorkloadSpec {
    WorkloadSpec(name: name, kind: .phases(steps), phaseNs: phase)
  }

  public static func config(
    _ topology: HostTopology, _ domains: [DomainConfig], seconds: Double = 1, warmup: Int64 = 0, seed: UInt64 = 1
  ) -> SimulationConfig {
    SimulationConfig(
      topology: topology, domains: domains, durationNs: Int64(seconds * 1e9), warmupNs: warmup, seed: seed)
  }

  /// A credit2 instance with tunable overrides (tests that read its state cast it to `Credit2`).
  public static func credit2(_ overrides: [String: ParameterValue] = [:]) -> any SchedulerPolicy {
    try! PolicyRegistry.lookup("credit2")!.instantiate(overrides)
  }

  public static func run(
    _ config: SimulationConfig, _ policy: any SchedulerPolicy, listener: (any TraceListener)? = nil
  )
    -> RunResult
  {
    let engine = Engine(config: config, policy: policy)
    if let listener { engine.addListener(listener) }
    return engine.run()
  }
}

extension RunResult {
  /// The share of the named domain.
  public func share(_ name: String) -> Double { domains.first { $0.name == name }!.share }
  public func domain(_ name: String) -> DomainResult { domains.first { $0.name == name }! }
}

extension ControlRecord {
  /// The values an accepted call read, by name (empty for a refused call).
  public var values: [String: Int64] {
    guard case .ok(let values) = outcome else { return [:] }
    return Dictionary(uniqueKeysWithValues: values.map { ($0.name, $0.value) })
  }
}
