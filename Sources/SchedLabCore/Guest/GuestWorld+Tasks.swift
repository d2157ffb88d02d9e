/// What a task does when its current work item ends, per kind.
extension GuestWorld {
  /// Work given to a burner; refilled whenever it runs out (it never blocks).
  static let burnerWork: Int64 = 1 << 60

  /// Task `t` finished its current work item now.
  func taskWorkDone(_ t: Int) {
    let m = Int(tasks[t].metric)
    switch tasks[t].behaviour {
    case .burner:
      tasks[t].remaining = GuestWorld.burnerWork
    case .demand:
      break
    case .periodic:
      jobDone(t, metric: m)
    case .spinlock:
      lockPhaseDone(t)
    case .server:
      requestDone(t, metric: m)
    case .script:
      advanceScript(t)
    case .phases:
      advancePhase(t)
    }
  }

  /// A server finished a request: reply through the backend or count it here, start the next one.
  /// (The queue is popped inside `with`, where it is uniquely referenced: no copy.)
  private func requestDone(_ t: Int, metric m: Int) {
    let (reply, stamp, next) = tasks[t].with(RequestServer.self) {
      ($0.replySource, $0.currentStamp, $0.waiting.popFirst())
    }
    if reply >= 0 {
      deliverInterrupt(Int(reply), stamp: stamp)
    } else {
      workloads[m].completed += 1
      workloads[m].response.record(now - stamp)
    }
    if let next { startRequest(t, stamp: next) }
  }

  /// A periodic job completed: record its response time and deadline (or pass it to the pipeline's
  /// next stage), start the next waiting job.
  private func jobDone(_ t: Int, metric m: Int) {
    let (release, deadline, next, stage) = tasks[t].with(PeriodicJobs.self) {
      jobs -> (Int64, Int64, Int64, Int32) in
      let release = jobs.currentStamp
      if let next = jobs.waiting.popFirst() {
        jobs.currentStamp = next
        return (release, jobs.deadlineNs, jobs.serviceNs, jobs.next)
      }
      return (release, jobs.deadlineNs, -1, jobs.next)
    }
    if stage >= 0 {
      deliverInterrupt(Int(stage), stamp: release)
    } else {
      recordJob(metric: m, vcpu: Int(tasks[t].vcpu), release: release, deadline: deadline)
    }
    if next >= 0 {
      tasks[t].remaining = next
    } else if tasks[t].dontDesched {
      jobSectionEnded(t)
    }
  }

  /// A job released at `release` is complete now, on vCPU `v`: count it, its response, and a miss.
  func recordJob(metric m: Int, vcpu v: Int, release: Int64, deadline: Int64) {
    let response = now - release
    host.jobCompleted(
      vcpu: v, domain: workloads[m].domain, workload: workloads[m].specIndex, release: release, deadline: deadline)
    workloads[m].completed += 1
    workloads[m].response.record(response)
    if response > deadline { workloads[m].deadlineMisses += 1 }
  }

  /// Move a `phases` task to its next step(s): run sets work, block arms its timer, yield yields.
  func advancePhase(_ t: Int) {
    // Walk the cycle inside `with` (no copy of its steps); act after, yields first, as they came.
    let (yields, step, timer) = tasks[t].with(PhaseCycle.self) { cycle -> (Int, Phase?, Int32) in
      var yields = 0
      for _ in cycle.steps.indices {
        cycle.index = (cycle.index + 1) % cycle.steps.count
        let step = cycle.steps[cycle.index]
        if case .yield = step { yields += 1 } else { return (yields, step, cycle.timerSource) }
      }
      return (yields, nil, cycle.timerSource)
    }
    let v = Int(tasks[t].vcpu)
    for _ in 0..<yields where guests[v].onCPU { host.yield(v) }
    switch step {
    case .run(let work): tasks[t].remaining = work
    case .block(let sleep): armOneShot(Int(timer), at: now + sleep)
    case .yield, nil: break
    }
  }
}
