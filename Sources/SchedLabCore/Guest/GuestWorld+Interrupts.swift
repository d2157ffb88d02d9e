/// Interrupts: sources firing, delivery to a vCPU, handlers and what they do when they return.
extension GuestWorld {
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
      host.armSource(s, at: next, token: sources[s].gen)
    }
    deliverInterrupt(s, stamp: now)
  }

  /// Re-arm a one-shot source (a guest timer, an I/O hop) to fire at `time`, cancelling its last arming.
  func armOneShot(_ s: Int, at time: Int64) {
    sources[s].gen &+= 1
    host.armSource(s, at: time, token: sources[s].gen)
  }

  /// Deliver an interrupt from source `s` to its vCPU: queue it in the guest, wake a blocked vCPU,
  /// and let a running guest switch to the handler unless interrupts are masked.
  func deliverInterrupt(_ s: Int, stamp: Int64) {
    let v = Int(sources[s].vcpu)
    workloads[Int(sources[s].metric)].interrupts += 1
    host.notify(.interruptDelivered(source: s), vcpu: v)
    guests[v].pending.append(PendingIRQ(source: Int32(s), stamp: stamp))
    host.interruptDelivered(vcpu: v, source: s)
    if !host.isRunnable(v) { host.wake(v, cause: .interrupt(source: s)) }
    if guests[v].onCPU && !guests[v].inHandler {
      advance(v)
      guests[v].progressGen &+= 1
      pick(v)
    }
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
      releaseJob(t, stamp: irq.stamp)
    case .releaseStage:
      releaseJob(t, stamp: irq.stamp, counted: false)
    case .request:
      workloads[Int(tasks[t].metric)].released += 1
      let idle = tasks[t].remaining == 0
      let start = tasks[t].with(RequestServer.self) { server -> Bool in
        guard idle && server.waiting.isEmpty else {
          server.waiting.append(irq.stamp)
          return false
        }
        return true
      }
      if start { startRequest(t, stamp: irq.stamp) }
    case .wakeTask:
      if case .script = tasks[t].behaviour { advanceScript(t) } else { advancePhase(t) }
    case .forward:
      deliverInterrupt(Int(sources[s].next), stamp: irq.stamp)
    case .complete:
      let m = Int(sources[s].metric)
      workloads[m].completed += 1
      workloads[m].response.record(now - irq.stamp)
    case .completeJob:
      let m = Int(sources[s].metric)
      recordJob(metric: m, vcpu: v, release: irq.stamp, deadline: sources[s].amount)
    case .repeatStream:
      let m = Int(sources[s].metric)
      workloads[m].completed += 1
      workloads[m].response.record(now - irq.stamp)
      deliverInterrupt(Int(sources[s].next), stamp: now)
    }
    host.notify(.handlerReturned, vcpu: v)
    host.notify(.interruptsUnmasked, vcpu: v)
  }

  /// A periodic job is released (stamped with its interrupt's time): it starts, or waits behind
  /// the job in service. A pipeline's later stages are not counted again.
  func releaseJob(_ t: Int, stamp: Int64, counted: Bool = true) {
    if counted { workloads[Int(tasks[t].metric)].released += 1 }
    // The kernel marks a dont_desched real-time job from the handler that releases it, so the
    // handler's return does not end a boost the job needs.
    if tasks[t].dontDesched { setDontDesched(Int(tasks[t].vcpu), true) }
    let idle = tasks[t].remaining == 0
    let service = tasks[t].with(PeriodicJobs.self) { jobs -> Int64 in
      guard idle && jobs.waiting.isEmpty else {
        jobs.waiting.append(stamp)
        return 0
      }
      jobs.currentStamp = stamp
      return jobs.serviceNs
    }
    if service > 0 { tasks[t].remaining = service }
  }

  /// A server starts on the request that arrived at `stamp`: its service time is drawn now.
  func startRequest(_ t: Int, stamp: Int64) {
    let service = tasks[t].with(RequestServer.self) { server -> ServiceTime in
      server.currentStamp = stamp
      return server.service
    }
    let work: Int64
    switch service {
    case .constant(let c): work = c
    case .exponential(let mean): work = tasks[t].rng.exponential(mean: mean)
    case .bimodal(let short, let long, let p): work = tasks[t].rng.unitDouble() < p ? long : short
    }
    tasks[t].remaining = max(1, work)
  }
}
