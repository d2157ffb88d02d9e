/// Control calls: the toolstack side of a policy, modelled on hypercalls (`XEN_DOMCTL_scheduler_op`
/// and friends). A scenario issues them at given times on behalf of a calling domain; the policy
/// checks the caller's privilege, acts, and answers. Every call and its outcome is recorded in the
/// run's result.
public struct ControlCall: Hashable, Sendable {
  public var time: Int64
  /// The domain making the call (dom0 is the domain marked `dom0: true` in the scenario).
  public var caller: DomainID
  /// The operation, e.g. `set_boost`, `get_boost`, `get_counters`.
  public var op: String
  /// The domain the call is about.
  public var target: DomainID
  /// Named integer arguments (ns for durations, per-mille for ratios), in the order given.
  public var arguments: [ControlArgument]

  public init(time: Int64, caller: DomainID, op: String, target: DomainID, arguments: [ControlArgument] = []) {
    self.time = time
    self.caller = caller
    self.op = op
    self.target = target
    self.arguments = arguments
  }

  public func argument(_ name: String) -> Int64? { arguments.first { $0.name == name }?.value }
}

public struct ControlArgument: Hashable, Sendable {
  public var name: String
  public var value: Int64
  public init(_ name: String, _ value: Int64) {
    self.name = name
    self.value = value
  }
}

/// A policy's answer to a control call.
public enum ControlOutcome: Hashable, Sendable {
  /// Done; with the values read, if any.
  case ok([ControlArgument])
  /// Refused: the caller may not do this (Xen's `-EPERM`). Nothing changed.
  case permissionDenied(String)
  /// Refused: bad arguments or an operation the policy does not have (`-EINVAL`, `-ENOSYS`).
  case invalid(String)

  public var isOK: Bool { if case .ok = self { return true } else { return false } }
}

extension ControlCall {
  /// The one operation every policy has: new weight and/or cap for a domain (Xen's
  /// `XEN_DOMCTL_SCHEDOP_putinfo`, `xl sched-credit2 -d D -w W -c C`), from the control domain only.
  /// The engine checks the caller, the policy's `adjust` applies (or refuses) the values.
  public static let schedAdjust = "sched_adjust"

  public static let schedAdjustSpec = ControlOpSpec(
    schedAdjust,
    arguments: [
      ControlArgumentSpec("weight", .integer(1...65535)), ControlArgumentSpec("cap", .capPercent),
    ],
    requiresArgument: true, doc: "new weight and/or cap (percent of one pCPU, 0 = none), from dom0; every policy")
}

/// How a control call's argument is written in a scenario and carried in the call.
public enum ControlArgumentKind: Hashable, Sendable {
  /// `25%` or `0.25`; carried in per-mille as `<key>_permille`.
  case fraction
  /// `500us`; carried in ns as `<key>_ns`.
  case duration
  /// A whole number in the range, carried as `<key>`.
  case integer(ClosedRange<Int64>)
  /// A cap in percent of one pCPU, 0...100 × the target domain's vCPUs, carried as `cap_percent`.
  case capPercent
}

/// One argument of a control operation, as a scenario writes it.
public struct ControlArgumentSpec: Hashable, Sendable {
  public var key: String
  public var kind: ControlArgumentKind
  public init(_ key: String, _ kind: ControlArgumentKind) {
    self.key = key
    self.kind = kind
  }

  /// The name the argument has in the ``ControlCall`` (with its unit).
  public var argumentName: String {
    switch kind {
    case .fraction: return key + "_permille"
    case .duration: return key + "_ns"
    case .integer: return key
    case .capPercent: return "cap_percent"
    }
  }
}

/// A control operation a policy offers (or, for `sched_adjust`, the engine), with its arguments:
/// declared next to the code that carries it out, checked by the scenario loader like a tunable.
public struct ControlOpSpec: Hashable, Sendable {
  public var name: String
  public var arguments: [ControlArgumentSpec]
  /// The call is meaningless without at least one argument.
  public var requiresArgument: Bool
  public var doc: String
  public init(_ name: String, arguments: [ControlArgumentSpec] = [], requiresArgument: Bool = false, doc: String) {
    self.name = name
    self.arguments = arguments
    self.requiresArgument = requiresArgument
    self.doc = doc
  }
}

/// A control call with its outcome, as recorded in the result.
public struct ControlRecord: Hashable, Sendable {
  public var call: ControlCall
  public var outcome: ControlOutcome
}

extension Engine {
  /// Issue `call` at its time; the outcome is recorded in the result.
  public func schedule(_ call: ControlCall) {
    at(call.time) { engine in
      let outcome =
        call.op == ControlCall.schedAdjust
        ? engine.schedAdjust(call)
        : engine.controllable?.control(call, now: engine.now)
          ?? .invalid("\(engine.policy.name) has no control operation '\(call.op)'")
      engine.controlRecords.append(ControlRecord(call: call, outcome: outcome))
      engine.emit(.control(ControlRecord(call: call, outcome: outcome)))
    }
  }
}

extension Engine {
  /// `sched_adjust`: privilege, then the policy's `adjust`; the engine's copy of the domain's
  /// parameters changes only if the policy accepted them (``recordDomainParameters(_:weight:capPercent:)``).
  func schedAdjust(_ call: ControlCall) -> ControlOutcome {
    guard config.domains[call.caller.index].isControl else {
      return .permissionDenied("only the control domain may adjust scheduling parameters")
    }
    let weight = call.argument("weight").map(Int.init)
    let cap = call.argument("cap_percent").map(Int.init)
    do {
      try policy.adjust(call.target, weight: weight, capPercent: cap, now: now)
    } catch {
      return .invalid(error.message)
    }
    recordDomainParameters(call.target, weight: weight, capPercent: cap)
    return .ok([])
  }

  /// The engine's copy of a domain's weight and cap (what reports show), after a toolstack call the
  /// policy accepted.
  func recordDomainParameters(_ d: DomainID, weight: Int?, capPercent: Int?) {
    if let weight { domainWeight[d.index] = weight }
    if let capPercent { domainCap[d.index] = capPercent }
  }
}
