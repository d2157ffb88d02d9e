/// The narrow view of the engine that a policy gets (Xen's scheduler reaches the core through
/// `sched_unit`/`sched_resource` fields and a handful of functions). Everything a policy may read or
/// ask for is here; nothing else of the engine is reachable from a policy.
public struct SchedContext {
  /// The engine, held without reference counting: it owns the policy that holds this context, so it
  /// outlives every call. Reads go through ``withEngine(_:)``, which costs no retain/release pair (an
  /// `unowned(unsafe)` reference still paid one per property read, a fifth of the run time on large hosts).
  @usableFromInline let handle: Unmanaged<Engine>
  @inlinable var engine: Engine { handle.takeUnretainedValue() }

  init(_ engine: Engine) { handle = .passUnretained(engine) }

  @inlinable @inline(__always) func withEngine<T>(_ body: (Engine) -> T) -> T { handle._withUnsafeGuaranteedRef(body) }

  // MARK: Host and entities

  @inlinable public var now: Int64 { withEngine { $0.now } }
  @inlinable public var topology: HostTopology { withEngine { $0.topology } }
  @inlinable public var pcpuCount: Int { withEngine { $0.current.count } }
  @inlinable public var vcpuCount: Int { withEngine { $0.vDomain.count } }
  @inlinable public var domainCount: Int { withEngine { $0.domainWeight.count } }

  @inlinable public func domain(of v: VCPUID) -> DomainID { withEngine { DomainID(rawValue: $0.vDomain[v.index]) } }
  /// The vCPU's index within its domain.
  @inlinable public func indexInDomain(_ v: VCPUID) -> Int { withEngine { Int($0.vIndexInDomain[v.index]) } }
  @inlinable public func vcpus(of d: DomainID) -> Range<Int> {
    withEngine { engine in
      let first = engine.domainFirstVCPU[d.index]
      return first..<(first + engine.config.domains[d.index].vcpus)
    }
  }
  @inlinable public func weight(of d: DomainID) -> Int { withEngine { $0.domainWeight[d.index] } }
  @inlinable public func capPercent(of d: DomainID) -> Int { withEngine { $0.domainCap[d.index] } }
  public func domainName(_ d: DomainID) -> String { withEngine { $0.config.domains[d.index].name } }
  /// Whether `d` is the control domain (dom0): privileged for control calls.
  public func isControlDomain(_ d: DomainID) -> Bool { withEngine { $0.config.domains[d.index].isControl } }
  @inlinable public func hardAffinity(of v: VCPUID) -> CPUMask { withEngine { $0.affinity[v.index] } }

  // MARK: Runstate

  /// Whether the vCPU wants to run (not blocked, not paused by a migration).
  @inlinable public func isRunnable(_ v: VCPUID) -> Bool { withEngine { $0.policyRunnable(v.index) } }
  /// Whether the vCPU currently holds a pCPU.
  @inlinable public func isRunning(_ v: VCPUID) -> Bool { withEngine { $0.running[v.index] } }
  @inlinable public func runstate(_ v: VCPUID) -> Runstate { withEngine { $0.runstate[v.index] } }
  /// When the vCPU entered its current runstate (for a running vCPU: when it was dispatched;
  /// Xen's `state_entry_time`).
  @inlinable public func runstateEntryTime(_ v: VCPUID) -> Int64 { withEngine { $0.runstateSince[v.index] } }
  /// The pCPU the vCPU runs on or last ran on (Xen's `unit->res`).
  @inlinable public func processor(_ v: VCPUID) -> PCPUID { PCPUID(rawValue: withEngine { $0.processor[v.index] }) }
  /// Move a vCPU that is not running to another pCPU (Xen's `sched_set_res`).
  @inlinable public func setProcessor(_ v: VCPUID, _ p: PCPUID) {
    withEngine { engine in
      precondition(
        !engine.running[v.index] || engine.processor[v.index] == p.rawValue, "setProcessor on a running vCPU")
      precondition(engine.affinity[v.index].contains(p), "setProcessor outside hard affinity")
      engine.processor[v.index] = p.rawValue
    }
  }
  /// The vCPU running on `p`, or nil when it is idle.
  @inlinable public func current(_ p: PCPUID) -> VCPUID? {
    let v = withEngine { $0.current[p.index] }
    return v >= 0 ? VCPUID(rawValue: v) : nil
  }

  // MARK: Guest hints (read by boost policies)

  @inlinable public func interruptsMasked(_ v: VCPUID) -> Bool { withEngine { $0.world.guests[v.index].irqsMasked } }
  @inlinable public func dontDesched(_ v: VCPUID) -> Bool { withEngine { $0.world.guests[v.index].dontDesched } }
  @inlinable public func inInterruptHandler(_ v: VCPUID) -> Bool { withEngine { $0.world.guests[v.index].inHandler } }

  // MARK: Actions

  /// Send `SCHEDULE_SOFTIRQ` to `p` (a tickle): an IPI, which takes the host model's wake-up IPI
  /// latency, unless `p` is the pCPU whose softirq is running.
  @inlinable public func tickle(_ p: PCPUID) { withEngine { $0.tickle(p.index) } }

  /// Ask the core to migrate a running vCPU (Xen: set `_VPF_migrating` and tickle): once it is
  /// switched out and its context saved, the engine calls `pickResource`, `migrate` and `wake`.
  /// While the request is pending the vCPU is not runnable to the policy.
  public func requestMigration(_ v: VCPUID) {
    withEngine { engine in
      engine.migrating[v.index] = true
      if engine.running[v.index] { engine.raiseSoftirq(Int(engine.processor[v.index])) }
    }
  }

  /// Park or unpark a vCPU (Xen's `_VPF_parked`, set by credit2 when a capped domain runs out of
  /// budget). A parked vCPU is not runnable to the policy and is not woken by the engine; the
  /// policy requeues it itself when it unparks it.
  public func setParked(_ v: VCPUID, _ value: Bool) {
    engine.setParked(v.index, value)
  }

  /// Whether the guest wants to run, ignoring parking and migration (Xen: not `VPF_blocked`).
  @inlinable public func guestWantsToRun(_ v: VCPUID) -> Bool { withEngine { $0.runnable[v.index] } }

  /// Allocate a policy timer; returns its ID for ``armTimer(_:at:)``.
  public func createTimer() -> TimerID {
    engine.policyTimerGen.append(0)
    return TimerID(engine.policyTimerGen.count - 1)
  }

  /// Arm (or re-arm) a policy timer for absolute time `time`.
  @inlinable public func armTimer(_ timer: TimerID, at time: Int64) {
    withEngine { engine in
      let t = timer.rawValue
      engine.policyTimerGen[t] &+= 1
      engine.queue.push(time: time, kind: .policyTimer, target: Int32(t), token: engine.policyTimerGen[t])
    }
  }

  @inlinable public func cancelTimer(_ timer: TimerID) { withEngine { $0.policyTimerGen[timer.rawValue] &+= 1 } }

  /// Record new domain parameters that a control operation of the policy's own applied (through its
  /// ``SchedulerPolicy/adjust(_:weight:capPercent:now:)``), in the engine's copy that reports show.
  /// `sched_adjust` records them itself.
  public func recordDomainParameters(_ d: DomainID, weight: Int?, capPercent: Int?) {
    engine.recordDomainParameters(d, weight: weight, capPercent: capPercent)
  }

  /// Whether anyone listens to the run's trace.
  @inlinable public var isTraced: Bool { withEngine { !$0.listeners.isEmpty } }

  /// Tell the trace listeners about a policy event; `event` is built only when someone listens.
  @inlinable public func trace(_ event: @autoclosure () -> PolicyTraceEvent) {
    if isTraced { emitPolicyEvent(event()) }
  }

  @usableFromInline func emitPolicyEvent(_ event: PolicyTraceEvent) { engine.emit(.policy(event)) }

  /// Log a warning line into the run's log (Xen's `printk(XENLOG_WARNING ...)`).
  public func warn(_ message: String) { withEngine { $0.warn(message) } }
}

extension Engine {
  /// Set a guest's hints directly (tests of boost policies), telling the policy as the guest would.
  public func setGuestHints(_ v: VCPUID, dontDesched: Bool? = nil, interruptsMasked: Bool? = nil) {
    world.setHints(v.index, dontDesched: dontDesched, interruptsMasked: interruptsMasked)
  }

  /// Events in the queue, live or cancelled (memory checks).
  public var pendingEvents: Int { queue.count }

  /// Bytes held by the latency histograms: per-vCPU, per-domain and per-workload ones.
  public var histogramBytes: (vcpus: Int, domains: Int, workloads: Int) {
    (metrics.histogramBytes.vcpus, metrics.histogramBytes.domains, world.histogramBytes)
  }

  /// Read-only views for trace listeners and tests.
  public func runstate(of v: VCPUID) -> Runstate { runstate[v.index] }
  public func hardAffinity(of v: VCPUID) -> CPUMask { affinity[v.index] }
  public func processor(of v: VCPUID) -> PCPUID { PCPUID(rawValue: processor[v.index]) }
  public func current(on p: PCPUID) -> VCPUID? { current[p.index] >= 0 ? VCPUID(rawValue: current[p.index]) : nil }
}
