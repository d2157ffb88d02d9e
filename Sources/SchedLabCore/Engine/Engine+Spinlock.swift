/// The guest side of the boost proposal: `dont_desched` around real-time jobs, and spinlocks shared
/// by a domain's vCPUs (with lock-holder preemption, the problem `dont_desched` is meant to avoid).
extension Engine {
  /// The guest sets or clears its `dont_desched` flag; the policy is told.
  func setDontDesched(_ v: Int, _ value: Bool) {
    guard guests[v].dontDesched != value else { return }
    guests[v].dontDesched = value
    guestAware?.guestNotification(value ? .dontDeschedSet : .dontDeschedCleared, vcpu: VCPUID(v), now: now)
  }

  /// A `dont_desched` real-time job (or critical section) ended with nothing more queued: clear the
  /// flag and, if the workload asks, yield to give up any boost.
  func jobSectionEnded(_ t: Int) {
    let v = Int(tasks[t].vcpu)
    setDontDesched(v, false)
    if tasks[t].deboostYield && guests[v].onCPU { yieldVCPU(v) }
  }

  /// A spinlock task finished its current stretch: outside → request the lock (take it if free,
  /// else spin); inside → release it and start the next outside stretch.
  func lockPhaseDone(_ t: Int) {
    let lock = Int(tasks[t].metric)
    switch tasks[t].lockPhase {
    case .outside:
      metrics.workloads[lock].released += 1
      tasks[t].lockRequested = now
      if locks[lock] < 0 {
        acquireLock(t)
      } else {
        tasks[t].lockPhase = .spinning
        tasks[t].remaining = Engine.burnerWork
      }
    case .inside:
      metrics.workloads[lock].completed += 1
      locks[lock] = -1
      tasks[t].lockPhase = .outside
      tasks[t].remaining = tasks[t].serviceNs
      if tasks[t].irqsOff { setSectionMask(Int(tasks[t].vcpu), false) }
      if tasks[t].dontDesched { jobSectionEnded(t) }
      handOver(lock, releasedBy: t)
    case .spinning:
      break
    }
  }

  /// Mask or unmask interrupts for a critical section (pending handlers wait while masked).
  func setSectionMask(_ v: Int, _ masked: Bool) {
    guests[v].sectionMasked = masked
    guests[v].irqsMasked = masked
    guestAware?.guestNotification(masked ? .interruptsMasked : .interruptsUnmasked, vcpu: VCPUID(v), now: now)
  }

  /// Take the lock now: the critical section starts.
  func acquireLock(_ t: Int) {
    let lock = Int(tasks[t].metric)
    locks[lock] = Int32(t)
    metrics.workloads[lock].response.record(now - tasks[t].lockRequested)
    tasks[t].lockPhase = .inside
    tasks[t].remaining = tasks[t].insideNs
    let v = Int(tasks[t].vcpu)
    if tasks[t].irqsOff { setSectionMask(v, true) }
    if tasks[t].dontDesched { setDontDesched(v, true) }
  }

  /// The lock is free: the first spinner that is spinning on a pCPU right now takes it; spinners
  /// that are not running take it, if still free, when they next run.
  func handOver(_ lock: Int, releasedBy holder: Int) {
    for t in tasks.indices where tasks[t].kind == .spinlock && Int(tasks[t].metric) == lock {
      guard t != holder, tasks[t].lockPhase == .spinning else { continue }
      let v = Int(tasks[t].vcpu)
      guard guests[v].onCPU && Int(guests[v].activeTask) == t && !guests[v].inHandler else { continue }
      guestAdvance(v)
      acquireLock(t)
      guests[v].progressGen &+= 1
      guestPick(v)
      return
    }
  }
}
