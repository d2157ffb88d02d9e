/// The scheduler-policy interface, modelled on Xen's scheduler ops table (`struct sched_ops` in
/// `xen/common/sched/private.h`).
///
/// The engine is the mechanism (Xen's `core.c`): it owns time, runstates, the per-pCPU scheduling
/// timer, softirqs, context switches and the guests. A policy owns only its private per-vCPU,
/// per-pCPU and per-domain state, in arrays indexed by the dense IDs, and reaches the engine through
/// the narrow ``SchedContext``. Granularity is one vCPU per scheduling unit (`sched-gran=cpu`).
///
/// Every op documents *when the engine calls it* and *what the policy may do there*. Optional ops have
/// default implementations in the extension below, the Swift form of Xen's "call only if non-NULL"
/// wrappers.
public protocol SchedulerPolicy: AnyObject {
  /// Xen's `opt_name` (`credit2`, `rr`, ...).
  var name: String { get }

  /// Called once before anything else, with every domain and vCPU already known to the context
  /// (Xen: `init`, `alloc_pdata`/`switch_sched` for every pCPU, `alloc_domdata`, `alloc_udata`).
  /// Allocate the per-entity arrays here. Time is 0. No vCPU is runnable yet.
  func initialize(context: SchedContext)

  /// A vCPU enters the scheduler (Xen: `insert_unit`), after ``initialize(context:)``, in vCPU ID
  /// order. The engine has set its processor by Xen's creation rule (vCPU 0 on the first pCPU of its
  /// affinity, vCPU n on the next one after vCPU n−1's). The policy may move it with
  /// ``SchedContext/setProcessor(_:_:)`` and register it with a runqueue. The vCPU is blocked.
  func insert(_ vcpu: VCPUID, now: Int64)

  /// A blocked vCPU became runnable (Xen: `wake`, from `vcpu_unblock`), or a migrating vCPU arrives
  /// on its new pCPU. The vCPU may still be running (it blocked, and the softirq that would switch
  /// it out has not run yet): the policy must tolerate that. The policy usually queues the vCPU and
  /// tickles a pCPU.
  func wake(_ vcpu: VCPUID, now: Int64)

  /// A vCPU stopped being runnable for a reason other than blocking: pause or going offline
  /// (Xen: `sleep`). Not called on block. The policy removes it from its queues or, if it is
  /// running, tickles its pCPU.
  func sleep(_ vcpu: VCPUID, now: Int64)

  /// The running vCPU called `SCHEDOP_yield` (Xen: `yield`). Set a flag; the engine raises the
  /// softirq on the vCPU's pCPU right after.
  func yield(_ vcpu: VCPUID, now: Int64)

  /// The scheduling softirq runs on `pcpu` (Xen: `do_schedule`). The vCPU currently on the pCPU,
  /// if any, is ``SchedContext/current(_:)``; ``SchedContext/isRunnable(_:)`` tells whether it still
  /// wants to run. Return the vCPU to run next (nil for idle) and how long it may run before the
  /// engine's timer fires the softirq again (negative: no timer). If the returned vCPU differs
  /// from the current one, the engine switches, then calls ``contextSaved(_:now:)`` for the old one.
  func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision

  /// The outgoing vCPU's context was saved after a switch (Xen: `context_saved`). Credit2 requeues
  /// a preempted vCPU here.
  func contextSaved(_ vcpu: VCPUID, now: Int64)

  /// Choose a pCPU for `vcpu` (Xen: `pick_resource`): called when a migration requested with
  /// ``SchedContext/requestMigration(_:)`` completes, and by policies themselves at insert.
  func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID

  /// Move `vcpu` to `pcpu` (Xen: `migrate`), called after ``pickResource(_:now:)`` in a migration,
  /// before the engine wakes the vCPU there. The engine has not yet changed the processor.
  func migrate(_ vcpu: VCPUID, to pcpu: PCPUID, now: Int64)

  /// A timer the policy armed with ``SchedContext/armTimer(_:at:)`` fired. Xen schedulers own their
  /// timers (credit1's tick and accounting, credit2's cap replenishment): there is no core tick.
  func timerFired(_ timer: TimerID, now: Int64)

  /// New domain parameters (Xen: `adjust`, from `XEN_DOMCTL_scheduler_op`). Throw a
  /// ``PolicyError`` to refuse (Xen's `-EINVAL`).
  func adjust(_ domain: DomainID, weight: Int?, capPercent: Int?, now: Int64) throws(PolicyError)
}

extension SchedulerPolicy {
  public func sleep(_ vcpu: VCPUID, now: Int64) {}
  public func yield(_ vcpu: VCPUID, now: Int64) {}
  public func contextSaved(_ vcpu: VCPUID, now: Int64) {}
  public func migrate(_ vcpu: VCPUID, to pcpu: PCPUID, now: Int64) {}
  public func timerFired(_ timer: TimerID, now: Int64) {}
  public func adjust(_ domain: DomainID, weight: Int?, capPercent: Int?, now: Int64) throws(PolicyError) {}
}

// MARK: - Capabilities
// Beyond the scheduling ops, a policy may have capabilities. The engine looks each one up once, when
// it is built, and calls it only if the policy has it (Xen's "call only if non-NULL").

/// Counters and a state dump.
public protocol PolicyStatistics: SchedulerPolicy {
  /// Counters to report at the end of a run, in a stable order.
  func counters() -> [PolicyCounter]

  /// Per-vCPU counters to report at the end of a run (time in a priority, boosts, ...), in a stable
  /// order that is the same for every vCPU. Reports also sum them per domain.
  func vcpuCounters(_ vcpu: VCPUID, now: Int64) -> [PolicyCounter]

  /// Reset counters at the end of the warm-up.
  func resetCounters()

  /// Debug-key `r` dump: the policy's state in readable text.
  func dump(now: Int64) -> String
}

extension PolicyStatistics {
  public func vcpuCounters(_ vcpu: VCPUID, now: Int64) -> [PolicyCounter] { [] }
}

/// Hears the guest: interrupt delivery, masking, handler return, `dont_desched` changes. Not in
/// Xen's table: the boost-credit proposal needs them. (Its other trigger, "Xen is about to preempt
/// the vCPU", is not an op: only the policy knows, inside ``SchedulerPolicy/schedule(on:now:)``,
/// that it is about to preempt, and it acts there.)
public protocol GuestAwarePolicy: SchedulerPolicy {
  func guestNotification(_ note: GuestNotification, vcpu: VCPUID, now: Int64)
}

/// Answers control calls of its own (declared as ``ControlOpSpec``s in its descriptor).
public protocol ControllablePolicy: SchedulerPolicy {
  /// A control call (a hypercall from a domain's toolstack or kernel), at the call's time. The
  /// policy checks the caller's privilege (``SchedContext/isControlDomain(_:)``) and answers;
  /// a refused call must change nothing.
  func control(_ call: ControlCall, now: Int64) -> ControlOutcome
}

/// What ``SchedulerPolicy/schedule(on:now:)`` returns (Xen: `next_task` and `next_time`).
public struct ScheduleDecision: Hashable, Sendable {
  /// The vCPU to run, or nil for the idle vCPU.
  public var next: VCPUID?
  /// Time slice in ns; negative means no timer (Xen's `next_time < 0`).
  public var runtimeNs: Int64

  @inlinable public init(next: VCPUID?, runtimeNs: Int64) {
    self.next = next
    self.runtimeNs = runtimeNs
  }

  public static let idle = ScheduleDecision(next: nil, runtimeNs: -1)
}

/// A guest-side event that the engine forwards to the policy.
public enum GuestNotification: Hashable, Sendable {
  /// An interrupt from source `source` is about to be delivered to the vCPU.
  case interruptDelivered(source: Int)
  /// The guest masked interrupts (entered a handler or a critical section).
  case interruptsMasked
  /// The guest unmasked interrupts.
  case interruptsUnmasked
  /// An interrupt handler returned.
  case handlerReturned
  /// The guest set its `dont_desched` flag.
  case dontDeschedSet
  /// The guest cleared its `dont_desched` flag.
  case dontDeschedCleared
}

/// A named counter a policy reports.
public struct PolicyCounter: Hashable, Sendable {
  public var name: String
  public var value: Int64
  public init(_ name: String, _ value: Int64) {
    self.name = name
    self.value = value
  }
}

/// A policy refused a request (Xen returns `-EINVAL` or `-EPERM`).
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
