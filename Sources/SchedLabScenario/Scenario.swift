public import SchedLabCore
public import SchedLabPolicies

/// A validated scenario: host, scheduler and its tunables, domains and their workloads, duration,
/// warm-up and seed, ready to run.
public struct Scenario: Sendable {
  public var name: String
  public var description: String
  /// The file it came from (as given on the command line).
  public var path: String
  public var simulation: SimulationConfig
  /// The scheduler the file asks for.
  public var scheduler: String
  /// Tunables per policy name, from the file's `parameters:` section.
  public var parameters: [String: [String: ParameterValue]]
  /// Declared demand of each domain (fraction of one pCPU, summed over its vCPUs), or nil to measure
  /// it by running the domain alone.
  public var declaredDemand: [Double?]
  /// Each domain's per-domain parameters, per policy name (a domain's `parameters:`).
  public var domainParameters: [[String: [String: ParameterValue]]] = []
  /// Control calls (hypercalls) to issue during the run.
  public var controls: [ControlCall] = []
  /// Checks of the run (`schedlab check`).
  public var expectations: [Expectation] = []

  public init(
    name: String, description: String = "", path: String = "", simulation: SimulationConfig, scheduler: String,
    parameters: [String: [String: ParameterValue]] = [:], declaredDemand: [Double?]? = nil
  ) {
    self.name = name
    self.description = description
    self.path = path
    self.simulation = simulation
    self.scheduler = scheduler
    self.parameters = parameters
    self.declaredDemand = declaredDemand ?? Array(repeating: nil, count: simulation.domains.count)
  }

  /// Build the named policy (default: the scenario's) with the file's tunables for it.
  public func makePolicy(_ name: String? = nil) throws(ScenarioError) -> (PolicyDescriptor, any SchedulerPolicy) {
    let wanted = name ?? scheduler
    guard let descriptor = PolicyRegistry.lookup(wanted) else {
      throw ScenarioError(
        file: path, line: nil, key: "scheduler",
        message: PolicyRegistry.unknown(wanted))
    }
    return (descriptor, try makePolicy(descriptor))
  }

  /// Build a policy from a descriptor (a registered one or a test's own) with the file's tunables for it.
  public func makePolicy(_ descriptor: PolicyDescriptor) throws(ScenarioError) -> any SchedulerPolicy {
    descriptor.make(try configuration(for: descriptor))
  }

  /// The file's tunables and domain parameters for a policy, checked.
  public func configuration(for descriptor: PolicyDescriptor) throws(ScenarioError) -> PolicyConfiguration {
    func forPolicy<T>(_ table: [String: T]) -> T? {
      table[descriptor.name] ?? descriptor.aliases.lazy.compactMap { table[$0] }.first
    }
    let domains = domainParameters.map { forPolicy($0) ?? [:] }
    do {
      return try descriptor.configure(forPolicy(parameters) ?? [:], domains: domains)
    } catch {
      let owner = error.domain.map { "domains[\($0)]." } ?? ""
      throw ScenarioError(
        file: path, line: nil, key: "\(owner)parameters.\(descriptor.name).\(error.parameter)", message: error.reason)
    }
  }

  /// The same scenario reduced to domain `d` alone (the oracle's demand run), its parameters kept,
  /// with the backends its requests go through (and theirs) as helpers: they serve `d` and run
  /// nothing of their own. `d` is domain 0 of the result; `helpers` gives the original index of
  /// domains 1, 2, ...
  public func alone(_ d: Int) -> (scenario: Scenario, helpers: [Int]) {
    let domains = simulation.domains
    var helpers: [Int] = []
    func reach(_ b: Int) {
      var b = b
      while b != d && !helpers.contains(b) {
        helpers.append(b)
        guard let next = domains[b].backend?.ref.domain else { break }
        b = next
      }
    }
    for w in domains[d].workloads { if let b = w.firstBackend { reach(b.domain) } }
    if let b = domains[d].backend { reach(b.ref.domain) }
    let kept = [d] + helpers
    func map(_ old: Int) -> Int { kept.firstIndex(of: old)! }
    var copy = self
    copy.simulation.domains = kept.enumerated().map { k, old in
      var domain = domains[old]
      domain.workloads = k == 0 ? domain.workloads.map { $0.mappingBackends(map) } : []
      if let ref = domain.backend?.ref { domain.backend?.ref = ref.mappingDomain(map) }
      return domain
    }
    copy.domainParameters = kept.map { $0 < domainParameters.count ? domainParameters[$0] : [:] }
    copy.declaredDemand = kept.map { declaredDemand[$0] }
    return (copy, helpers)
  }
}
