/// The `schedule()` path (Xen's SCHEDULE_SOFTIRQ handler), runstate changes, wake, block, yield and
/// migration, following `xen/common/sched/core.c` with scheduling granularity 1.
extension Engine {
  /// Raise `SCHEDULE_SOFTIRQ` on `pcpu`, `delay` from now (0: at the current time, after the events
  /// already queued for this instant). Raising it again before it runs has no further effect,
  /// unless the new raise is due earlier (a local raise overtaking an IPI in flight).
  @usableFromInline @inline(__always) func raiseSoftirq(_ pcpu: Int, after delay: Int64 = 0) {
    let at = now + delay
    if softirqPending[pcpu] && softirqAt[pcpu] <= at { return }
    softirqPending[pcpu] = true
    softirqAt[pcpu] = at
    softirqGen[pcpu] &+= 1
    queue.push(time: at, kind: .softirq, target: Int32(pcpu), token: softirqGen[pcpu])
  }

  /// A policy's tickle: immediate on the pCPU whose softirq is running, an IPI anywhere else.
  @usableFromInline @inline(__always) func tickle(_ pcpu: Int) {
    emit(.tickled(pcpu: PCPUID(pcpu), ipi: pcpu != executingPCPU))
    raiseSoftirq(pcpu, after: pcpu == executingPCPU ? 0 : hostModel.wakeIPINs)
  }

  @inline(__always) func setRunstate(_ v: Int, _ state: Runstate) {
    let old = runstate[v]
    if old == state { return }
    metrics.runstateNs[v][Int(old.rawValue)] += now - runstateSince[v]
    runstateSince[v] = now
    runstate[v] = state
    if idleWait != nil {
      if old == .runnable { idleWait!.stopWaiting(v, now: now) }
      if state == .runnable { idleWait!.startWaiting(v, affinity: affinity[v], now: now) }
    }
    emit(.runstate(vcpu: VCPUID(v), from: old, to: state))
  }

  /// Runnable as the policy sees it: the guest wants to run and no migration holds it paused.
  @usableFromInline @inline(__always) func policyRunnable(_ v: Int) -> Bool {
    runnable[v] && !migrating[v] && !parked[v]
  }

  /// The scheduling softirq on `pcpu`.
  func doSchedule(_ p: Int) {
    sTimerGen[p] &+= 1  // stop s_timer
    let prev = Int(current[p])
    let decision = policy.schedule(on: PCPUID(p), now: now)
    if decision.runtimeNs >= 0 {
      queue.push(time: now + decision.runtimeNs, kind: .sTimer, target: Int32(p), token: sTimerGen[p])
    }
    let next = decision.next.map { $0.index } ?? -1
    if next != prev {
      switchTo(p, prev: prev, next: next)
    }
    emit(.scheduled(pcpu: PCPUID(p), next: decision.next, runtimeNs: decision.runtimeNs))
  }

  func switchTo(_ p: Int, prev: Int, next: Int) {
    if prev >= 0 {
      world.descheduled(prev)
      running[prev] = false
      if runnable[prev] && parked[prev] {
        setRunstate(prev, .offline)
      } else if runnable[prev] {
        setRunstate(prev, .runnable)
        preemptStamp[prev] = now
      } else {
        setRunstate(prev, .blocked)
      }
    } else {
      metrics.idleNs[p] += now - idleSince[p]
      if next >= 0 { idleWait?.pcpuBusy(PCPUID(p), affinity: affinity, now: now) }
    }
    if next >= 0 {
      precondition(!running[next], "policy picked v\(next) on pCPU\(p) while it runs on pCPU\(processor[next])")
      // A vCPU may have been flagged for migration by the policy itself during this very decision
      // (credit2 balances load inside do_schedule): it still runs, and is switched out at once below.
      precondition(runnable[next] && !parked[next], "policy picked v\(next), which is not runnable")
      precondition(affinity[next].contains(PCPUID(p)), "policy picked v\(next) outside its hard affinity")
      running[next] = true
      let previousCPU = Int(lastRanOn[next])
      if lastRanOn[next] >= 0 && lastRanOn[next] != Int32(p) { metrics.migrations += 1 }
      lastRanOn[next] = Int32(p)
      processor[next] = Int32(p)
      setRunstate(next, .running)
      let d = Int(vDomain[next])
      if wakeStamp[next] >= 0 {
        let latency = now - wakeStamp[next]
        metrics.vcpuWake[next].record(latency)
        metrics.domainWake[d].record(latency)
        wakeStamp[next] = -1
      } else if preemptStamp[next] >= 0 {
        metrics.domainPreemptWait[d].record(now - preemptStamp[next])
      }
      preemptStamp[next] = -1
      world.dispatched(
        next, at: now + hostModel.contextSwitchNs + migrationStall(from: previousCPU, to: p),
        speedPermille: smtContention ? siblingSpeed(p) : 1000)
      if migrating[next] { raiseSoftirq(p) }
    } else {
      idleSince[p] = now
      idleWait?.pcpuIdle(PCPUID(p), affinity: affinity, now: now)
    }
    current[p] = Int32(next)
    if smtContention && (prev < 0) != (next < 0) { siblingsChanged(p) }
    metrics.contextSwitches += 1
    emit(.switched(pcpu: PCPUID(p), from: prev >= 0 ? VCPUID(prev) : nil, to: next >= 0 ? VCPUID(next) : nil))
    if prev >= 0 {
      policy.contextSaved(VCPUID(prev), now: now)
      if migrating[prev] { finishMigration(prev) }
    }
  }

  /// Xen's `sched_unit_migrate_finish`: pick a pCPU, move the vCPU there, wake it there.
  func finishMigration(_ v: Int) {
    migrating[v] = false
    let target = policy.pickResource(VCPUID(v), now: now)
    precondition(affinity[v].contains(target), "pickResource chose a pCPU outside v\(v)'s affinity")
    // Xen's `sched_unit_move_locked`: the scheduler's `migrate` sees the old processor; the unit's
    // resource is the new one afterwards (credit2 sets it at the end of its migrate).
    let from = PCPUID(rawValue: processor[v])
    policy.migrate(VCPUID(v), to: target, now: now)
    processor[v] = target.rawValue
    if from != target { emit(.migrated(vcpu: VCPUID(v), from: from, to: target)) }
    if policyRunnable(v) { policy.wake(VCPUID(v), now: now) }
  }

  /// Park or unpark a vCPU. As in Xen (a pause flag), a parked vCPU that wants to run is in the
  /// `offline` runstate; unparked, it is runnable again and waits as after a preemption.
  func setParked(_ v: Int, _ value: Bool) {
    guard parked[v] != value else { return }
    parked[v] = value
    if running[v] {
      if value { raiseSoftirq(Int(processor[v])) }
      return
    }
    guard runnable[v] else { return }
    if value {
      setRunstate(v, .offline)
      wakeStamp[v] = -1
      preemptStamp[v] = -1
    } else {
      setRunstate(v, .runnable)
      preemptStamp[v] = now
    }
  }

  /// A blocked vCPU becomes runnable (Xen: `vcpu_unblock` → `vcpu_wake`).
  func wake(_ v: Int, cause: WakeCause) {
    if runnable[v] { return }
    runnable[v] = true
    emit(.woken(vcpu: VCPUID(v), cause: cause))
    if !running[v] {
      setRunstate(v, parked[v] ? .offline : .runnable)
      wakeStamp[v] = parked[v] ? -1 : now
    }
    if policyRunnable(v) { policy.wake(VCPUID(v), now: now) }
  }

  /// The running vCPU blocks (Xen: `vcpu_block`): the policy is not told; the softirq finds it not
  /// runnable.
  func block(_ v: Int) {
    runnable[v] = false
    emit(.blocked(vcpu: VCPUID(v)))
    raiseSoftirq(Int(processor[v]))
  }

  /// The running vCPU yields (Xen: `vcpu_yield`).
  func yieldVCPU(_ v: Int) {
    emit(.yielded(vcpu: VCPUID(v)))
    policy.yield(VCPUID(v), now: now)
    raiseSoftirq(Int(processor[v]))
  }

  // MARK: Host costs

  /// The cache-refill stall of a vCPU dispatched on `cpu` after last running on `from` (-1: never
  /// ran): none on the same core (SMT siblings share its caches), else the model's in-socket or
  /// cross-socket migration cost.
  @inline(__always) func migrationStall(from: Int, to cpu: Int) -> Int64 {
    guard from >= 0 && from != cpu else { return 0 }
    let from = PCPUID(from)
    let to = PCPUID(cpu)
    if topology.core(of: from) == topology.core(of: to) { return 0 }
    return topology.socket(of: from) == topology.socket(of: to)
      ? hostModel.migrationNs : hostModel.crossSocketMigrationNs
  }

  /// The guest speed on `cpu`: reduced while any of its SMT siblings is busy.
  @inline(__always) func siblingSpeed(_ cpu: Int) -> Int64 {
    var busy = false
    var cursor = siblingsOf[cpu].first
    while let s = cursor {
      if current[s.index] >= 0 {
        busy = true
        break
      }
      cursor = siblingsOf[cpu].next(atOrAfter: s.index + 1)
    }
    return busy ? hostModel.smtSpeedPermille : 1000
  }

  /// `cpu` went from idle to busy or back: the guests on its siblings change speed. Each is charged
  /// at its old speed up to now, then re-planned at the new one.
  func siblingsChanged(_ cpu: Int) {
    var cursor = siblingsOf[cpu].first
    while let s = cursor {
      let v = Int(current[s.index])
      if v >= 0 { world.speedChanged(v, to: siblingSpeed(s.index)) }
      cursor = siblingsOf[cpu].next(atOrAfter: s.index + 1)
    }
  }
}
