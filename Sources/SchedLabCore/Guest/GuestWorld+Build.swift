/// Turning workload specifications into guest tasks and interrupt sources, and starting them.
extension GuestWorld {
  /// Random stream keys: (domain name, workload name, vCPU-in-domain, role). Names rather than
  /// positions, so that a domain draws the same numbers alone (demand measurement) as among others.
  func stream(_ d: Int, _ w: Int, _ i: Int, _ role: Int) -> Xoshiro256 {
    let domain = domains[d]
    let key = StreamKey.make(
      Int(truncatingIfNeeded: StreamKey.hash(domain.name)),
      Int(truncatingIfNeeded: StreamKey.hash(domain.workloads[w].name)),
      i, role)
    return Xoshiro256(seed: seed, key: key)
  }

  func buildGuests() {
    let hosted = hostedMixers()
    var metricBase = 0
    for (d, domain) in domains.enumerated() {
      for i in 0..<domain.vcpus {
        let v = domainFirstVCPU[d] + i
        let firstTask = tasks.count
        for (w, spec) in domain.workloads.enumerated() where spec.vcpu == nil || spec.vcpu == i {
          instantiate(spec, domain: d, workload: w, vcpuInDomain: i, vcpu: v, metric: metricBase + w)
        }
        for mixer in hosted[v] { addMixer(mixer, vcpu: v) }
        guests.append(
          GuestKernel(vcpu: Int32(v), firstTask: Int32(firstTask), taskCount: Int32(tasks.count - firstTask)))
      }
      metricBase += domain.workloads.count
    }
    for link in pipelines { connect(link) }
    pipelines = []
    mixers = [:]
  }

  /// Add a task; `spec`'s guest hints apply unless nil (crypto-audio's crypto task has none).
  func addTask(
    _ behaviour: TaskBehaviour, vcpu v: Int, realtime: Bool, metric: Int, rng: Xoshiro256, hints spec: WorkloadSpec?,
    remaining: Int64 = 0
  ) -> Int32 {
    var task = GuestTask(behaviour, vcpu: Int32(v), realtime: realtime, metric: Int32(metric), rng: rng)
    task.remaining = remaining
    if let spec {
      task.dontDesched = spec.dontDesched
      task.deboostYield = spec.deboostYield
    }
    tasks.append(task)
    return Int32(tasks.count - 1)
  }

  func addSource(
    vcpu: Int, task: Int32, action: IRQAction, handlerNs: Int64, arrival: ArrivalProcess?, amount: Int64 = 0,
    next: Int32 = -1, metric: Int, rng: Xoshiro256
  ) -> Int32 {
    sources.append(
      IRQSource(
        vcpu: Int32(vcpu), task: task, action: action, handlerNs: handlerNs, arrival: arrival, amount: amount,
        next: next, metric: Int32(metric), rng: rng))
    return Int32(sources.count - 1)
  }

  /// The global vCPU index of a backend reference.
  func backendVCPU(_ b: BackendRef) -> Int { domainFirstVCPU[b.domain] + b.vcpu }

  /// The lock shared by a spinlock workload's instances (created by its first one).
  private func lock(ofMetric m: Int) -> Int32 {
    if lockOfMetric[m] < 0 {
      lockOfMetric[m] = Int32(locks.count)
      locks.append(-1)
    }
    return lockOfMetric[m]
  }

  private func instantiate(
    _ spec: WorkloadSpec, domain d: Int, workload w: Int, vcpuInDomain i: Int, vcpu v: Int, metric: Int
  ) {
    let taskRNG = stream(d, w, i, 1)
    let sourceRNG = stream(d, w, i, 2)
    let rt = spec.realtime
    switch spec.kind {
    case .burner:
      _ = addTask(
        .burner, vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: spec, remaining: GuestWorld.burnerWork)
    case .demand(let fraction, let burst, let arrival):
      let task = addTask(.demand, vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: nil)
      let period = max(1, Int64((Double(burst) / fraction).rounded()))
      let process: ArrivalProcess
      switch arrival {
      case .poisson: process = .poisson(meanGap: period)
      case .periodic: process = .periodic(period: period)
      case .jittered: process = .jittered(period: period)
      }
      _ = addSource(
        vcpu: v, task: task, action: .releaseWork, handlerNs: 0, arrival: process, amount: burst, metric: metric,
        rng: sourceRNG)
    case .periodic(let period, let service, let deadline):
      addPeriodic(
        period: period, service: service, deadline: deadline, vcpu: v, realtime: rt, metric: metric,
        rng: (taskRNG, sourceRNG), hints: spec)
    case .server(let arrival, let service, let irqCost):
      let server = RequestServer(service: service)
      let task = addTask(.server(server), vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: spec)
      _ = addSource(
        vcpu: v, task: task, action: .request, handlerNs: irqCost, arrival: arrival, metric: metric, rng: sourceRNG)
    case .phases(let phases):
      let task = addTask(
        .phases(PhaseCycle(steps: phases)), vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: spec)
      let timer = addSource(
        vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
      tasks[Int(task)].with(PhaseCycle.self) { $0.timerSource = timer }
    case .interrupts(let arrival, let handler), .storm(let arrival, let handler):
      _ = addSource(
        vcpu: v, task: -1, action: .none, handlerNs: handler, arrival: arrival, metric: metric, rng: sourceRNG)
    case .cryptoAudio(let period, let service, let deadline):
      _ = addTask(
        .burner, vcpu: v, realtime: false, metric: metric, rng: taskRNG, hints: nil, remaining: GuestWorld.burnerWork)
      addPeriodic(
        period: period, service: service, deadline: deadline, vcpu: v, realtime: true, metric: metric,
        rng: (taskRNG, sourceRNG), hints: spec)
    case .spinlock(let outside, let inside, let irqsOff):
      var rng = taskRNG
      // Start somewhere in the first outside stretch, so the vCPUs do not contend in lock-step.
      let first = 1 + rng.below(outside)
      let loop = LockLoop(lock: lock(ofMetric: metric), outsideNs: outside, insideNs: inside, irqsOff: irqsOff)
      _ = addTask(.spinlock(loop), vcpu: v, realtime: rt, metric: metric, rng: rng, hints: spec, remaining: first)
    case .script(let perVCPU, let threads):
      let vcpus = domains[d].vcpus
      for (k, thread) in threads.enumerated() where perVCPU || spec.vcpu != nil || k % vcpus == i {
        let task = addTask(
          .script(ScriptRun(thread: thread)), vcpu: v, realtime: thread.realtime || rt, metric: metric,
          rng: stream(d, w, i, 10 + k), hints: spec)
        let timer = addSource(
          vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
        var io: Int32 = -1
        if let backend = spec.backend {
          let reply = addSource(
            vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
          // Out through every hop to the last backend, and back through the others.
          let chain = hops(backend, cost: spec.backendNs)
          io = forwarding(chain + chain.dropLast().reversed(), to: reply, metric: metric, rng: sourceRNG)
        }
        tasks[Int(task)].with(ScriptRun.self) {
          $0.timerSource = timer
          $0.ioSource = io
        }
      }
    case .netRR(let arrival, let hop, let service, let backend):
      let task = addTask(
        .server(RequestServer(service: service)), vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: spec)
      // A packet arrives at the farthest backend and is forwarded hop by hop to the guest; the
      // reply goes back out the same way and is complete when the farthest backend has handled it.
      let chain = hops(backend, cost: hop)
      let toGuest = addSource(
        vcpu: v, task: task, action: .request, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
      let end = addSource(
        vcpu: chain.last!.vcpu, task: -1, action: .complete, handlerNs: chain.last!.cost, arrival: nil,
        metric: metric, rng: sourceRNG)
      let reply = forwarding(chain.dropLast(), to: end, metric: metric, rng: sourceRNG)
      tasks[Int(task)].with(RequestServer.self) { $0.replySource = reply }
      let inward = forwarding(chain.reversed().dropFirst(), to: toGuest, metric: metric, rng: sourceRNG)
      _ = addSource(
        vcpu: chain.last!.vcpu, task: -1, action: .forward, handlerNs: chain.last!.cost, arrival: arrival,
        next: inward, metric: metric, rng: sourceRNG)
    case .netStream(let hop, let process, let backend):
      let task = addTask(
        .server(RequestServer(service: .constant(process))), vcpu: v, realtime: rt, metric: metric, rng: taskRNG,
        hints: spec)
      // Batches come from the farthest backend to the guest; its acknowledgement goes back out, and
      // the farthest backend then sends the next batch.
      let chain = hops(backend, cost: hop)
      let toGuest = addSource(
        vcpu: v, task: task, action: .request, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
      let out = forwarding(chain.reversed(), to: toGuest, metric: metric, rng: sourceRNG)
      let end = addSource(
        vcpu: chain.last!.vcpu, task: -1, action: .repeatStream, handlerNs: chain.last!.cost, arrival: nil, next: out,
        metric: metric, rng: sourceRNG)
      let reply = forwarding(chain.dropLast(), to: end, metric: metric, rng: sourceRNG)
      tasks[Int(task)].with(RequestServer.self) { $0.replySource = reply }
      streamKicks.append(out)
    case .audioPipeline(let audio):
      // The player renders each quantum; with a backend, its mixer stage is created on the backend's
      // vCPU (`buildGuests`) and the two are connected once every guest exists.
      let render = audio.backend == nil ? audio.renderNs + audio.mixNs : audio.renderNs
      let jobs = PeriodicJobs(serviceNs: render, deadlineNs: audio.deadlineNs)
      let player = addTask(.periodic(jobs), vcpu: v, realtime: rt, metric: metric, rng: taskRNG, hints: spec)
      _ = addSource(
        vcpu: v, task: player, action: .releaseJob, handlerNs: 0, arrival: .periodic(period: audio.periodNs),
        metric: metric, rng: sourceRNG)
      if audio.backend != nil {
        pipelines.append(
          PipelineLink(
            player: player, instance: PipelineInstance(metric: metric, vcpuInDomain: i), audio: audio, rng: sourceRNG))
      }
    }
  }

  /// A periodic task and the timer source that releases its jobs.
  private func addPeriodic(
    period: Int64, service: Int64, deadline: Int64, vcpu v: Int, realtime: Bool, metric: Int,
    rng: (task: Xoshiro256, source: Xoshiro256), hints spec: WorkloadSpec
  ) {
    let jobs = PeriodicJobs(serviceNs: service, deadlineNs: deadline)
    let task = addTask(.periodic(jobs), vcpu: v, realtime: realtime, metric: metric, rng: rng.task, hints: spec)
    _ = addSource(
      vcpu: v, task: task, action: .releaseJob, handlerNs: 0, arrival: .periodic(period: period), metric: metric,
      rng: rng.source)
  }

  /// Time 0: arm every recurring source at its first arrival, kick streams, start scripts and
  /// `phases` tasks at their first step (or at their workload's phase offset).
  func start() {
    for s in sources.indices {
      guard let arrival = sources[s].arrival else { continue }
      let offset = spec(ofMetric: Int(sources[s].metric)).phaseNs
      var first: Int64
      switch arrival {
      case .periodic(let period):
        first = offset ?? sources[s].rng.below(period)
      case .poisson(let mean):
        first = (offset ?? 0) + sources[s].rng.exponential(mean: mean)
      case .jittered(let period):
        sources[s].periodStart = offset ?? 0
        first = sources[s].periodStart + sources[s].rng.below(period)
      }
      host.armSource(s, at: first, token: sources[s].gen)
    }
    for s in streamKicks { armOneShot(Int(s), at: 0) }
    for t in tasks.indices {
      guard case .script(let run) = tasks[t].behaviour else { continue }
      let start = spec(ofMetric: Int(tasks[t].metric)).phaseNs ?? 0
      tasks[t].with(ScriptRun.self) {
        $0.timerStart = start
        $0.iterationStart = start
      }
      if start > 0 { armOneShot(Int(run.timerSource), at: start) } else { advanceScript(t) }
    }
    for t in tasks.indices {
      guard case .phases(let cycle) = tasks[t].behaviour else { continue }
      let start = spec(ofMetric: Int(tasks[t].metric)).phaseNs ?? 0
      if start > 0 { armOneShot(Int(cycle.timerSource), at: start) } else { advancePhase(t) }
    }
  }

  func spec(ofMetric m: Int) -> WorkloadSpec {
    domains[workloads[m].domain].workloads[workloads[m].specIndex]
  }
}
