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

/// A control call with its outcome, as recorded in the result.
public struct ControlRecord: Hashable, Sendable {
  public var call: ControlCall
  public var outcome: ControlOutcome
}

extension Engine {
  /// Issue `call` at its time; the outcome is recorded in the result.
  public func schedule(_ call: ControlCall) {
    at(call.time) { engine in
      let outcome = engine.policy.control(call, now: engine.now)
      engine.controlRecords.append(ControlRecord(call: call, outcome: outcome))
      engine.emit(.control(ControlRecord(call: call, outcome: outcome)))
    }
  }
}
