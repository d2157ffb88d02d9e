/// The guest side of the boost proposal: `dont_desched` around real-time jobs, and spinlocks shared
/// by a domain's vCPUs (with lock-holder preemption, the problem `dont_desched` is meant to avoid).
extension GuestWorld {
  /// The guest sets or clears its `dont_desched` flag; the policy is told.
  func setDontDesched(_ v: Int, _ value: Bool) {
    guard guests[v].dontDesched != value else { return }
    guests[v].dontDesched = value
    host.notify(value ? .dontDeschedSet : .dontDeschedCleared, vcpu: v)
  }

  /// A `dont_desched` real-time job (or critical section) ended with nothing more queued: clear the
  /// flag and, if the workload asks, yield to give up any boost.
  func jobSectionEnded(_ t: Int) {
    let v = Int(tasks[t].vcpu)
    setDontDesched(v, false)
    if tasks[t].deboostYield && guests[v].onCPU { host.yield(v) }
  }

  /// A spinlock task finished its current stretch: outside → request the lock (take it if free,
  /// else spin); inside → release it and start the next outside stretch.
  func lockPhaseDone(_ t: Int) {
    guard let loop = tasks[t].state(LockLoop.self) else { return }
    let lock = Int(loop.lock)
    let m = Int(tasks[t].metric)
    switch loop.phase {
    case .outside:
      workloads[m].released += 1
      tasks[t].with(LockLoop.self) { $0.requestedAt = now }
      if locks[lock] < 0 {
        acquireLock(t)
      } else {
        tasks[t].with(LockLoop.self) { $0.phase = .spinning }
        tasks[t].remaining = GuestWorld.burnerWork
      }
    case .inside:
      workloads[m].completed += 1
      locks[lock] = -1
      tasks[t].with(LockLoop.self) { $0.phase = .outside }
      tasks[t].remaining = loop.outsideNs
      if loop.irqsOff { setSectionMask(Int(tasks[t].vcpu), false) }
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
    host.notify(masked ? .interruptsMasked : .interruptsUnmasked, vcpu: v)
  }

  /// Take the lock now: the critical section starts.
  func acquireLock(_ t: Int) {
    guard let loop = tasks[t].state(LockLoop.self) else { return }
    locks[Int(loop.lock)] = Int32(t)
    workloads[Int(tasks[t].metric)].response.record(now - loop.requestedAt)
    tasks[t].with(LockLoop.self) { $0.phase = .inside }
    tasks[t].remaining = loop.insideNs
    let v = Int(tasks[t].vcpu)
    if loop.irqsOff { setSectionMask(v, true) }
    if tasks[t].dontDesched { setDontDesched(v, true) }
  }

  /// The lock is free: the first spinner that is spinning on a pCPU right now takes it; spinners
  /// that are not running take it, if still free, when they next run.
  func handOver(_ lock: Int, releasedBy holder: Int) {
    for t in tasks.indices where t != holder {
      guard case .spinlock(let loop) = tasks[t].behaviour, Int(loop.lock) == lock, loop.phase == .spinning else {
        continue
      }
      let v = Int(tasks[t].vcpu)
      guard guests[v].onCPU && Int(guests[v].activeTask) == t && !guests[v].inHandler else { continue }
      advance(v)
      acquireLock(t)
      guests[v].progressGen &+= 1
      pick(v)
      return
    }
  }
}
