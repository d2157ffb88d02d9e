/// The trace bus: typed events of a run, for timeline writers, invariant checkers and tests. Nothing
/// is built when nobody listens: the engine tests `listeners.isEmpty` and constructs an event only
/// behind that test (the event is an autoclosure), so an unlistened run costs one branch per site.

/// Why a blocked vCPU became runnable.
public enum WakeCause: Hashable, Sendable {
  /// The vCPU's first unpause at time 0.
  case boot
  /// An interrupt from source `source` (a device, a timer of the guest, an I/O reply, a request).
  case interrupt(source: Int)
  /// The guest found work without an interrupt (a lock handed over, a task made ready by another).
  case guest
}

/// Which timer fired.
public enum TimerKind: Hashable, Sendable {
  /// A pCPU's scheduling timer (Xen's `s_timer`): the running vCPU's slice ended.
  case slice(pcpu: PCPUID)
  /// A policy timer (credit's tick and accounting, credit2's budget replenishment, boost ends).
  case policy(TimerID)
}

/// Something a policy did that the engine cannot see: named by the policy, with an optional vCPU and
/// value (credit2's `credit_reset` with the runqueue, credit2-boost's `boost` and `deboost` with the
/// trigger or reason).
public struct PolicyTraceEvent: Hashable, Sendable {
  public var name: String
  public var vcpu: VCPUID?
  public var detail: String
  public var value: Int64

  public init(_ name: String, vcpu: VCPUID? = nil, detail: String = "", value: Int64 = 0) {
    self.name = name
    self.vcpu = vcpu
    self.detail = detail
    self.value = value
  }
}

/// One event of a run, at the engine's `now`.
public enum TraceEvent: Hashable, Sendable {
  /// `pcpu` switched from `from` to `to` (nil: idle).
  case switched(pcpu: PCPUID, from: VCPUID?, to: VCPUID?)
  /// A vCPU changed runstate.
  case runstate(vcpu: VCPUID, from: Runstate, to: Runstate)
  /// The scheduling softirq ran on `pcpu` and chose `next` for `runtimeNs` (-1: no slice timer);
  /// emitted after the switch, if any.
  case scheduled(pcpu: PCPUID, next: VCPUID?, runtimeNs: Int64)
  /// A blocked vCPU became runnable.
  case woken(vcpu: VCPUID, cause: WakeCause)
  /// The running vCPU blocked (it will be switched out by its pCPU's softirq).
  case blocked(vcpu: VCPUID)
  /// The running vCPU called SCHEDOP_yield.
  case yielded(vcpu: VCPUID)
  /// Source `source` raised an interrupt in the vCPU's guest.
  case interrupt(vcpu: VCPUID, source: Int)
  /// A vCPU moved to another pCPU between runs (the policy's `migrate`).
  case migrated(vcpu: VCPUID, from: PCPUID, to: PCPUID)
  /// A policy asked `pcpu` to reschedule; `ipi` when that takes an inter-processor interrupt.
  case tickled(pcpu: PCPUID, ipi: Bool)
  /// A timer fired.
  case timer(TimerKind)
  /// A control call (hypercall) was made, with its outcome.
  case control(ControlRecord)
  /// A policy's own event.
  case policy(PolicyTraceEvent)
  /// A periodic job of workload `workload` (its index in the domain's list) finished on `vcpu`, now;
  /// it was released at `release` with a relative deadline of `deadlineNs`.
  case jobCompleted(vcpu: VCPUID, domain: DomainID, workload: Int, release: Int64, deadlineNs: Int64)
}

/// Receives the trace of a run. Attach with ``Engine/addListener(_:)`` (or `Runner.simulate`'s
/// `listeners`) before the run starts. `engine` answers read-only queries (runstates, affinity,
/// topology) at the time of the event.
public protocol TraceListener: AnyObject {
  func record(_ event: TraceEvent, now: Int64, engine: Engine)
}

extension Engine {
  /// Attach a trace listener (timeline writers, invariant checkers). A listened run is slower; the
  /// simulation is the same.
  public func addListener(_ listener: any TraceListener) { listeners.append(listener) }

  /// Send `event` to the listeners; with none, `event` is never built.
  @inline(__always) func emit(_ event: @autoclosure () -> TraceEvent) {
    guard !listeners.isEmpty else { return }
    let built = event()
    for listener in listeners { listener.record(built, now: now, engine: self) }
  }
}
