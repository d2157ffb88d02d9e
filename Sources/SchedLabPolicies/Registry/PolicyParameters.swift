public import SchedLabCore

/// The type and range of a policy tunable.
public enum ParameterKind: Hashable, Sendable {
  case integer(ClosedRange<Int64>)
  case boolean
  case choice([String])
}

/// A policy's enum of options for a `.choice` tunable: its cases are the options, in order.
public protocol ParameterOption: RawRepresentable, CaseIterable, Sendable where RawValue == String {}

extension ParameterKind {
  /// A choice among the cases of `Option`, so that the spec and the policy's enum cannot drift apart.
  public static func choice<Option: ParameterOption>(of: Option.Type) -> ParameterKind {
    .choice(Option.allCases.map(\.rawValue))
  }
}

/// A tunable's value.
public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
  case integer(Int64)
  case boolean(Bool)
  case choice(String)

  public var description: String {
    switch self {
    case .integer(let v): return String(v)
    case .boolean(let b): return b ? "true" : "false"
    case .choice(let c): return c
    }
  }
}

/// A named tunable, with its Xen name (units in the name), range, default and meaning.
public struct ParameterSpec: Hashable, Sendable {
  public var name: String
  public var kind: ParameterKind
  public var defaultValue: ParameterValue
  public var doc: String
  /// Extra rule beyond the range (Xen's ratelimit: 0 or 100...500000); returns a reason or nil.
  public var extraRule: (@Sendable (ParameterValue) -> String?)?

  public init(
    _ name: String, _ kind: ParameterKind, default defaultValue: ParameterValue, _ doc: String,
    rule: (@Sendable (ParameterValue) -> String?)? = nil
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.doc = doc
    self.extraRule = rule
  }

  public static func == (a: ParameterSpec, b: ParameterSpec) -> Bool { a.name == b.name && a.kind == b.kind }
  public func hash(into h: inout Hasher) { h.combine(name) }

  /// Human-readable range for listings and error messages.
  public var rangeText: String {
    switch kind {
    case .integer(let r): return "\(r.lowerBound)...\(r.upperBound)"
    case .boolean: return "true|false"
    case .choice(let options): return options.joined(separator: "|")
    }
  }

  /// Check a value against the range and extra rule; returns the reason it is refused, or nil.
  public func check(_ value: ParameterValue) -> String? {
    switch (kind, value) {
    case (.integer(let r), .integer(let v)):
      if !r.contains(v) { return "\(v) is outside \(rangeText)" }
    case (.boolean, .boolean): break
    case (.choice(let options), .choice(let c)):
      if !options.contains(c) { return "'\(c)' is not one of \(rangeText)" }
    default:
      return "expected \(rangeText)"
    }
    return extraRule?(value)
  }
}

/// Resolved tunables of one policy instance: every parameter has a value (given or default).
public struct ParameterSet: Hashable, Sendable {
  public private(set) var values: [String: ParameterValue]
  public let specs: [ParameterSpec]

  public init(specs: [ParameterSpec], overrides: [String: ParameterValue] = [:]) throws(ParameterError) {
    self.specs = specs
    var values: [String: ParameterValue] = [:]
    for spec in specs { values[spec.name] = spec.defaultValue }
    for key in overrides.keys.sorted() {
      guard let spec = specs.first(where: { $0.name == key }) else {
        throw ParameterError(
          parameter: key, reason: "unknown parameter (known: \(specs.map(\.name).joined(separator: ", ")))")
      }
      let value = overrides[key]!
      if let reason = spec.check(value) { throw ParameterError(parameter: key, reason: reason) }
      values[key] = value
    }
    self.values = values
  }

  public func integer(_ name: String) -> Int64 {
    guard case .integer(let v) = values[name] else { preconditionFailure("no integer parameter \(name)") }
    return v
  }

  public func boolean(_ name: String) -> Bool {
    guard case .boolean(let v) = values[name] else { preconditionFailure("no boolean parameter \(name)") }
    return v
  }

  public func choice(_ name: String) -> String {
    guard case .choice(let v) = values[name] else { preconditionFailure("no choice parameter \(name)") }
    return v
  }

  /// A choice decoded into the policy's own enum (whose cases are the spec's options, by
  /// ``ParameterKind/choice(of:)``).
  public func choice<Option: ParameterOption>(_ name: String, as: Option.Type) -> Option {
    guard let option = Option(rawValue: choice(name)) else { preconditionFailure("\(name): no such \(Option.self)") }
    return option
  }

  /// (name, value) pairs in declaration order, for reports.
  public var ordered: [(String, ParameterValue)] { specs.map { ($0.name, values[$0.name]!) } }
}

/// A tunable or domain parameter was refused.
public struct ParameterError: Error, Hashable, Sendable {
  public var parameter: String
  public var reason: String
  /// The domain whose parameter it is (nil: a tunable).
  public var domain: Int?
}

/// What a policy is built from: its tunables, and each domain's parameters.
public struct PolicyConfiguration: Sendable {
  public var tunables: ParameterSet
  /// The domain parameters' specs, defaults resolved (a parameter named like a tunable defaults to
  /// the tunable's value).
  public var domainSpecs: [ParameterSpec]
  /// One set per domain given; a domain beyond them takes the defaults.
  public var domains: [ParameterSet]

  public init(tunables: ParameterSet, domainSpecs: [ParameterSpec], domains: [ParameterSet]) {
    self.tunables = tunables
    self.domainSpecs = domainSpecs
    self.domains = domains
  }

  /// Domain `d`'s parameters.
  public func domain(_ d: Int) -> ParameterSet {
    d < domains.count ? domains[d] : try! ParameterSet(specs: domainSpecs)
  }

  /// The same, with every domain parameter named like a tunable defaulting to the tunable's value.
  public func inheriting() -> PolicyConfiguration {
    var copy = self
    copy.domainSpecs = domainSpecs.map { spec in
      var spec = spec
      if let inherited = tunables.values[spec.name] { spec.defaultValue = inherited }
      return spec
    }
    return copy
  }
}

/// How a policy turns domain weights into shares; the ideal-share oracle follows the policy it judges.
public enum WeightSemantics: String, Hashable, Sendable {
  /// Every vCPU competes with its domain's weight (credit2): a 4-vCPU domain weighs like four VMs.
  case perVCPU = "per-vcpu"
  /// Every *active* vCPU adds its domain's weight (credit1: `csched_acct` sums weight × active
  /// units, so a domain's credit is proportional to weight × its active vCPUs). In the oracle this
  /// is per-vCPU weighting: a vCPU that wants nothing is inactive and takes nothing either way, so a
  /// 1-vCPU and a 4-vCPU burner domain on 2 pCPUs get 0.4 and 1.6.
  case perActiveVCPU = "per-active-vcpu"
  /// Weights are ignored; every vCPU is equal (rr).
  case equal = "equal"
}

/// A vCPU's guaranteed minimum, as the oracle reads it.
public struct Guarantee: Hashable, Sendable {
  /// The fraction of one pCPU the vCPU is guaranteed when it wants it (0...1).
  public var reserve: Double
  /// Whether the vCPU also competes for what the guarantees leave (RTDS's extratime).
  public var sharesRest: Bool
  public init(reserve: Double, sharesRest: Bool) {
    self.reserve = reserve
    self.sharesRest = sharesRest
  }
}

/// How a guaranteed minimum combines with the weighted (or equal) sharing of the rest.
public enum GuaranteeSemantics: String, Hashable, Sendable {
  /// The vCPU gets the larger of its guarantee and its share (credit-bcs: reserved run time is
  /// charged to the vCPU's credit like any other, so it counts toward its weighted share).
  case floor
  /// The vCPU gets its guarantee plus a share of the capacity the guarantees leave (RTDS: budgets
  /// are served first, at priority level 0; extra time is shared among extratime units after).
  case additive
}

/// One entry of the policy table (Xen's `REGISTER_SCHEDULER`).
public struct PolicyDescriptor: Sendable {
  public var name: String
  public var aliases: [String]
  public var summary: String
  public var weights: WeightSemantics
  public var parameters: [ParameterSpec]
  /// The policy's own control operations (`sched_adjust`, every policy's, is the engine's).
  public var controlOps: [ControlOpSpec]
  /// The policy's per-domain parameters (Xen: `xl sched-<policy> -d DOM ...`; RTDS's period and
  /// budget), declared like tunables, written under a domain's `parameters.<policy>` in a scenario,
  /// and decoded by the policy into its own type. One named like a tunable defaults to its value.
  public var domainParameters: [ParameterSpec]
  /// A rule over a whole parameter set that ranges cannot express (RTDS: budget ≤ period), checked
  /// on the tunables and on every domain's set.
  public var parameterRule: (@Sendable (ParameterSet) -> ParameterError?)?
  /// What the policy guarantees each vCPU before sharing the rest (RTDS's budget / period,
  /// credit-bcs's reservation), for the oracle; nil: no guarantees.
  public var guarantees: (@Sendable (PolicyConfiguration, _ domain: Int, _ vcpus: Int) -> [Guarantee])?
  /// How a guarantee combines with the shared rest (see ``GuaranteeSemantics``).
  public var guaranteeSemantics: GuaranteeSemantics
  public var make: @Sendable (PolicyConfiguration) -> any SchedulerPolicy

  public init(
    name: String, aliases: [String] = [], summary: String, weights: WeightSemantics, parameters: [ParameterSpec],
    controlOps: [ControlOpSpec] = [], domainParameters: [ParameterSpec] = [],
    parameterRule: (@Sendable (ParameterSet) -> ParameterError?)? = nil,
    guarantees: (@Sendable (PolicyConfiguration, _ domain: Int, _ vcpus: Int) -> [Guarantee])? = nil,
    guaranteeSemantics: GuaranteeSemantics = .floor,
    make: @escaping @Sendable (PolicyConfiguration) -> any SchedulerPolicy
  ) {
    self.name = name
    self.aliases = aliases
    self.summary = summary
    self.weights = weights
    self.parameters = parameters
    self.controlOps = controlOps
    self.domainParameters = domainParameters
    self.parameterRule = parameterRule
    self.guarantees = guarantees
    self.guaranteeSemantics = guaranteeSemantics
    self.make = make
  }

  /// Build a policy with the given tunable overrides and each domain's parameter overrides (all
  /// checked against the tables).
  public func instantiate(
    _ overrides: [String: ParameterValue] = [:], domains: [[String: ParameterValue]] = []
  ) throws(ParameterError) -> any SchedulerPolicy {
    make(try configure(overrides, domains: domains))
  }

  /// Resolve tunables and domain parameters.
  public func configure(
    _ overrides: [String: ParameterValue] = [:], domains: [[String: ParameterValue]] = []
  ) throws(ParameterError) -> PolicyConfiguration {
    let tunables = try ParameterSet(specs: parameters, overrides: overrides)
    if let rule = parameterRule, let error = rule(tunables) { throw error }
    let specs = PolicyConfiguration(tunables: tunables, domainSpecs: domainParameters, domains: []).inheriting()
      .domainSpecs
    var sets: [ParameterSet] = []
    for (d, given) in domains.enumerated() {
      do throws(ParameterError) {
        let set = try ParameterSet(specs: specs, overrides: given)
        if let rule = parameterRule, let error = rule(set) { throw error }
        sets.append(set)
      } catch {
        throw ParameterError(parameter: error.parameter, reason: error.reason, domain: d)
      }
    }
    return PolicyConfiguration(tunables: tunables, domainSpecs: specs, domains: sets)
  }
}

/// Xen's ratelimit rule: 0 (off) or 100...500000 µs.
@Sendable func ratelimitRule(_ value: ParameterValue) -> String? {
  if case .integer(let v) = value, v != 0 && !(100...500_000).contains(v) {
    return "must be 0 (off) or 100...500000 us, as Xen's XEN_SYSCTL_SCHED_RATELIMIT_MIN/MAX"
  }
  return nil
}
