/// The guest kernel at work: interrupt delivery, handlers, task selection and progress.
extension Engine {
  /// Interrupt source `s` fires now: re-arm it if recurring, then deliver the interrupt.
  func sourceFired(_ s: Int) {
    if let arrival = sources[s].arrival {
      let next: Int64
      switch arrival {
      case .periodic(let period): next = now + period
      case .poisson(let mean): next = now + sources[s].rng.exponential(mean: mean)
      case .jittered(let period):
        sources[s].periodStart += period
        next = sources[s].periodStart + sources[s].rng.below(period)
      }
      queue.push(time: next, kind: .source, target: Int32(s), token: sources[s].gen)
    }
    deliverInterrupt(s, stamp: now)
  }

  /// Deliver an interrupt from source `s` to its vCPU: queue it in the guest, wake a blocked vCPU,
  /// and let a running guest switch to the handler unless interrupts are masked.
  func deliverInterrupt(_ s: Int, stamp: Int64) {
    let v = Int(sources[s].vcpu)
    metrics.workloads[Int(sources[s].metric)].interrupts += 1
    guestAware?.guestNotification(.interruptDelivered(source: s), vcpu: VCPUID(v), now: now)
    guests[v].pending.append(PendingIRQ(source: Int32(s), stamp: stamp))
    emit(.interrupt(vcpu: VCPUID(v), source: s))
    if !runnable[v] { wake(v, cause: .interrupt(source: s)) }
    if guests[v].onCPU && !guests[v].inHandler {
      guestAdvance(v)
      guests[v].progressGen &+= 1
      guestPick(v)
    }
  }

  /// The vCPU got a pCPU; its guest starts working at `start` (now plus any switch cost).
  func guestDispatch(_ v: Int, at start: Int64) {
    guests[v].onCPU = true
    guests[v].activityStart = start
    guestPick(v)
  }

  /// The vCPU loses its pCPU: charge the work done so far and cancel the pending progress event.
  /// Work that ends at this very instant is completed now (its progress event is being cancelled).
  func guestDeschedule(_ v: Int) {
    guestAdvance(v)
    let active = Int(guests[v].activeTask)
    if active >= 0 && tasks[active].kind == .spinlock && tasks[active].lockPhase == .inside
      && tasks[active].remaining > 0
    {
      metrics.workloads[Int(tasks[active].metric)].holderPreemptions += 1
    }
    guests[v].onCPU = false
    guests[v].progressGen &+= 1
    completeFinished(v)
  }

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
  @inline(__always) func guestAdvance(_ v: Int) {
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
      if tasks[t].kind == .spinlock && tasks[t].lockPhase == .spinning {
        metrics.workloads[Int(tasks[t].metric)].spinNs += elapsed
      }
    }
  }

  /// The progress event of a running guest: whatever ended now is completed, then the guest picks
  /// its next activity.
  func guestProgress(_ v: Int) {
    guestAdvance(v)
    if !completeFinished(v) && !guests[v].inHandler && guests[v].activeTask >= 0
      && guests[v].sliceUsed >= config.guestTickNs
    {
      // Guest tick: round-robin to the next ready normal task.
      guests[v].rrCursor = guests[v].activeTask - guests[v].firstTask + 1
      guests[v].activeTask = -1
      guests[v].sliceUsed = 0
    }
    guestPick(v)
  }

  /// Choose what the guest does next and arm the progress event, or block the vCPU.
  func guestPick(_ v: Int) {
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
        guestAware?.guestNotification(.interruptsMasked, vcpu: VCPUID(v), now: now)
        continue
      }
      let t = chooseTask(v)
      if t < 0 {
        guests[v].activeTask = -1
        if runnable[v] && guests[v].onCPU { block(v) }
        return
      }
      if Int32(t) != guests[v].activeTask {
        guests[v].activeTask = Int32(t)
        guests[v].sliceUsed = 0
      }
      if !runnable[v] { wake(v, cause: .guest) }
      if tasks[t].kind == .spinlock {
        if tasks[t].lockPhase == .spinning && locks[Int(tasks[t].metric)] < 0 { acquireLock(t) }
      } else if tasks[t].dontDesched && !guests[v].dontDesched {
        setDontDesched(v, true)
      }
      var run = tasks[t].remaining
      if !tasks[t].realtime && otherNormalReady(v, besides: t) {
        run = min(run, max(1, config.guestTickNs - guests[v].sliceUsed))
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
    guard at <= config.durationNs else { return }
    queue.push(time: at, kind: .guestProgress, target: Int32(v), token: guests[v].progressGen)
  }

  /// The first ready real-time task, else the next ready normal task from the round-robin cursor.
  func chooseTask(_ v: Int) -> Int {
    let first = Int(guests[v].firstTask)
    let count = Int(guests[v].taskCount)
    if count == 0 { return -1 }
    for t in first..<(first + count) where tasks[t].realtime && tasks[t].ready { return t }
    let active = Int(guests[v].activeTask)
    if active >= 0 && !tasks[active].realtime && tasks[active].ready && guests[v].sliceUsed < config.guestTickNs {
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

  /// The handler at the head of the pending queue returns: apply its effect, unmask.
  func finishHandler(_ v: Int) {
    let irq = guests[v].pending.removeFirst()
    guests[v].inHandler = false
    guests[v].handlerRemaining = 0
    guests[v].irqsMasked = false
    let s = Int(irq.source)
    let t = Int(sources[s].task)
    switch sources[s].action {
    case .none:
      break
    case .releaseWork:
      tasks[t].remaining += sources[s].amount
    case .releaseJob:
      metrics.workloads[Int(tasks[t].metric)].released += 1
      // The kernel marks a dont_desched real-time job from the handler that releases it, so the
      // handler's return does not end a boost the job needs.
      if tasks[t].dontDesched { setDontDesched(v, true) }
      if tasks[t].remaining == 0 && tasks[t].queue.isEmpty {
        tasks[t].remaining = tasks[t].serviceNs
        tasks[t].currentStamp = irq.stamp
      } else {
        tasks[t].queue.append(irq.stamp)
      }
    case .request:
      metrics.workloads[Int(tasks[t].metric)].released += 1
      if tasks[t].remaining == 0 && tasks[t].queue.isEmpty {
        startRequest(t, stamp: irq.stamp)
      } else {
        tasks[t].queue.append(irq.stamp)
      }
    case .wakeTask:
      if tasks[t].kind == .script { advanceScript(t) } else { advancePhase(t) }
    case .forward:
      deliverInterrupt(Int(sources[s].next), stamp: irq.stamp)
    case .complete:
      let m = Int(sources[s].metric)
      metrics.workloads[m].completed += 1
      metrics.workloads[m].response.record(now - irq.stamp)
    case .repeatStream:
      let m = Int(sources[s].metric)
      metrics.workloads[m].completed += 1
      metrics.workloads[m].response.record(now - irq.stamp)
      deliverInterrupt(Int(sources[s].next), stamp: now)
    }
    guestAware?.guestNotification(.handlerReturned, vcpu: VCPUID(v), now: now)
    guestAware?.guestNotification(.interruptsUnmasked, vcpu: VCPUID(v), now: now)
  }

  func startRequest(_ t: Int, stamp: Int64) {
    let work: Int64
    switch tasks[t].service {
    case .constant(let c): work = c
    case .exponential(let mean): work = tasks[t].rng.exponential(mean: mean)
    case .bimodal(let short, let long, let p): work = tasks[t].rng.unitDouble() < p ? long : short
    }
    tasks[t].remaining = max(1, work)
    tasks[t].currentStamp = stamp
  }

  /// A task finished its current work item now.
  func taskWorkDone(_ t: Int) {
    let m = Int(tasks[t].metric)
    switch tasks[t].kind {
    case .burner:
      tasks[t].remaining = Engine.burnerWork
    case .demand:
      break
    case .periodic:
      let response = now - tasks[t].currentStamp
      metrics.workloads[m].completed += 1
      metrics.workloads[m].response.record(response)
      if response > tasks[t].deadlineNs { metrics.workloads[m].deadlineMisses += 1 }
      if let next = tasks[t].queue.popFirst() {
        tasks[t].remaining = tasks[t].serviceNs
        tasks[t].currentStamp = next
      } else if tasks[t].dontDesched {
        jobSectionEnded(t)
      }
    case .spinlock:
      lockPhaseDone(t)
    case .server:
      if tasks[t].replySource >= 0 {
        deliverInterrupt(Int(tasks[t].replySource), stamp: tasks[t].currentStamp)
      } else {
        metrics.workloads[m].completed += 1
        metrics.workloads[m].response.record(now - tasks[t].currentStamp)
      }
      if let next = tasks[t].queue.popFirst() { startRequest(t, stamp: next) }
    case .script:
      advanceScript(t)
    case .phases:
      advancePhase(t)
    }
  }

  /// Move a `phases` task to its next step(s): run sets work, block arms its timer, yield yields.
  func advancePhase(_ t: Int) {
    let count = tasks[t].phases.count
    guard count > 0 else { return }
    var steps = 0
    while steps < count {
      steps += 1
      tasks[t].phaseIndex = (tasks[t].phaseIndex + 1) % count
      switch tasks[t].phases[tasks[t].phaseIndex] {
      case .run(let work):
        tasks[t].remaining = work
        return
      case .block(let sleep):
        armOneShot(Int(tasks[t].timerSource), at: now + sleep)
        return
      case .yield:
        let v = Int(tasks[t].vcpu)
        if guests[v].onCPU { yieldVCPU(v) }
      }
    }
  }
}
