/// The guest kernel at work in one vCPU: charging work, choosing the next activity (handlers first,
/// then real-time tasks, then normal tasks in round-robin with a guest tick), blocking when idle.
extension GuestWorld {
  /// Complete a handler or task whose remaining work has reached zero; returns whether one did.
  @discardableResult
  func completeFinished(_ v: Int) -> Bool {
    if guests[v].inHandler {
      guard guests[v].handlerRemaining <= 0 else { return false }
      finishHandler(v)
      return true
    }
    let t = Int(guests[v].activeTask)
    guard t >= 0, tasks[t].remaining <= 0 else { return false }
    tasks[t].remaining = 0
    guests[v].activeTask = -1
    taskWorkDone(t)
    return true
  }

  /// Charge CPU time from `activityStart` to now to the current activity: the work done is the
  /// time elapsed at the guest's speed (full speed unless an SMT sibling is busy).
  @inline(__always) func advance(_ v: Int) {
    let elapsed = now - guests[v].activityStart
    guard elapsed > 0 else { return }
    guests[v].activityStart = now
    var work = elapsed
    if guests[v].speedPermille < 1000 {
      let scaled = elapsed * guests[v].speedPermille + guests[v].speedResidue
      work = scaled / 1000
      guests[v].speedResidue = scaled % 1000
    }
    if guests[v].inHandler {
      guests[v].handlerRemaining -= work
    } else if guests[v].activeTask >= 0 {
      let t = Int(guests[v].activeTask)
      tasks[t].remaining -= work
      if !tasks[t].realtime { guests[v].sliceUsed += elapsed }
      if tasks[t].lockPhase == .spinning {
        workloads[Int(tasks[t].metric)].spinNs += elapsed
      }
    }
  }

  /// The progress event of a running guest: whatever ended now is completed, then the guest picks
  /// its next activity.
  func progress(_ v: Int) {
    advance(v)
    if !completeFinished(v) && !guests[v].inHandler && guests[v].activeTask >= 0 && guests[v].sliceUsed >= guestTickNs {
      // Guest tick: round-robin to the next ready normal task.
      guests[v].rrCursor = guests[v].activeTask - guests[v].firstTask + 1
      guests[v].activeTask = -1
      guests[v].sliceUsed = 0
    }
    pick(v)
  }

  /// Choose what the guest does next and arm the progress event, or block the vCPU.
  func pick(_ v: Int) {
    if !guests[v].inHandler { completeFinished(v) }
    while true {
      if guests[v].inHandler {
        if guests[v].handlerRemaining > 0 {
          armProgress(v, after: guests[v].handlerRemaining)
          return
        }
        finishHandler(v)
        continue
      }
      if let head = guests[v].pending.first, !guests[v].sectionMasked {
        guests[v].inHandler = true
        guests[v].handlerRemaining = sources[Int(head.source)].handlerNs
        guests[v].irqsMasked = true
        host.notify(.interruptsMasked, vcpu: v)
        continue
      }
      let t = chooseTask(v)
      if t < 0 {
        guests[v].activeTask = -1
        if host.isRunnable(v) && guests[v].onCPU { host.block(v) }
        return
      }
      if Int32(t) != guests[v].activeTask {
        guests[v].activeTask = Int32(t)
        guests[v].sliceUsed = 0
      }
      if !host.isRunnable(v) { host.wake(v, cause: .guest) }
      if let phase = tasks[t].lockPhase {
        if phase == .spinning, let loop = tasks[t].state(LockLoop.self), locks[Int(loop.lock)] < 0 { acquireLock(t) }
      } else if tasks[t].dontDesched && !guests[v].dontDesched {
        setDontDesched(v, true)
      }
      var run = tasks[t].remaining
      if !tasks[t].realtime && otherNormalReady(v, besides: t) {
        run = min(run, max(1, guestTickNs - guests[v].sliceUsed))
      }
      armProgress(v, after: run)
      return
    }
  }

  @inline(__always) func armProgress(_ v: Int, after work: Int64) {
    guests[v].progressGen &+= 1
    var wall = work
    let speed = guests[v].speedPermille
    if speed < 1000 && work < Int64.max / 2000 {  // (a burner's endless work needs no scaling)
      // The wall time in which `work` gets done at this speed, rounded up (the residue is done).
      wall = max(0, (work * 1000 - guests[v].speedResidue + speed - 1) / speed)
    }
    let at = max(now, guests[v].activityStart) + wall
    // Work that would end after the run is never observed: no event (a burner would otherwise leave
    // one far-future event in the heap per dispatch, and memory would grow with simulated time).
    guard at <= durationNs else { return }
    host.armProgress(v, at: at, token: guests[v].progressGen)
  }

  /// The first ready real-time task, else the next ready normal task from the round-robin cursor.
  func chooseTask(_ v: Int) -> Int {
    let first = Int(guests[v].firstTask)
    let count = Int(guests[v].taskCount)
    if count == 0 { return -1 }
    for t in first..<(first + count) where tasks[t].realtime && tasks[t].ready { return t }
    let active = Int(guests[v].activeTask)
    if active >= 0 && !tasks[active].realtime && tasks[active].ready && guests[v].sliceUsed < guestTickNs {
      return active
    }
    let cursor = Int(guests[v].rrCursor) % count
    for k in 0..<count {
      let t = first + (cursor + k) % count
      if !tasks[t].realtime && tasks[t].ready {
        guests[v].rrCursor = Int32((cursor + k) % count)
        return t
      }
    }
    return -1
  }

  func otherNormalReady(_ v: Int, besides t: Int) -> Bool {
    let first = Int(guests[v].firstTask)
    for u in first..<(first + Int(guests[v].taskCount)) where u != t && !tasks[u].realtime && tasks[u].ready {
      return true
    }
    return false
  }
}
