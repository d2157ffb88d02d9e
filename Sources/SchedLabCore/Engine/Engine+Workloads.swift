/// Turning workload specifications into guest tasks and interrupt sources.
extension Engine {
  /// Random stream keys: (domain name, workload name, vCPU-in-domain, role). Names rather than
  /// positions, so that a domain draws the same numbers alone (demand measurement) as among others.
  private func stream(_ d: Int, _ w: Int, _ i: Int, _ role: Int) -> Xoshiro256 {
    let domain = config.domains[d]
    let key = StreamKey.make(
      Int(truncatingIfNeeded: StreamKey.hash(domain.name)),
      Int(truncatingIfNeeded: StreamKey.hash(domain.workloads[w].name)),
      i, role)
    return Xoshiro256(seed: config.seed, key: key)
  }

  func buildGuests() {
    var metricBase = 0
    for (d, domain) in config.domains.enumerated() {
      for i in 0..<domain.vcpus {
        let v = domainFirstVCPU[d] + i
        let firstTask = tasks.count
        for (w, spec) in domain.workloads.enumerated() where spec.vcpu == nil || spec.vcpu == i {
          instantiate(spec, domain: d, workload: w, vcpuInDomain: i, vcpu: v, metric: metricBase + w)
        }
        guests.append(
          GuestKernel(vcpu: Int32(v), firstTask: Int32(firstTask), taskCount: Int32(tasks.count - firstTask)))
      }
      metricBase += domain.workloads.count
    }
  }

  private func addTask(_ task: GuestTask) -> Int32 {
    tasks.append(task)
    return Int32(tasks.count - 1)
  }

  /// Apply the workload's guest hints to the task (crypto-audio sets its audio task's own).
  private func addTask(_ task: GuestTask, hints spec: WorkloadSpec) -> Int32 {
    var task = task
    task.dontDesched = spec.dontDesched
    task.deboostYield = spec.deboostYield
    return addTask(task)
  }

  private func addSource(
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
  private func backendVCPU(_ b: BackendRef) -> Int { domainFirstVCPU[b.domain] + b.vcpu }

  private func instantiate(
    _ spec: WorkloadSpec, domain d: Int, workload w: Int, vcpuInDomain i: Int, vcpu v: Int, metric: Int
  ) {
    let taskRNG = stream(d, w, i, 1)
    let sourceRNG = stream(d, w, i, 2)
    switch spec.kind {
    case .burner:
      var task = GuestTask(kind: .burner, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      task.remaining = Engine.burnerWork
      _ = addTask(task, hints: spec)
    case .demand(let fraction, let burst, let arrival):
      let task = addTask(
        GuestTask(kind: .demand, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG))
      let period = max(1, Int64((Double(burst) / fraction).rounded()))
      _ = addSource(
        vcpu: v, task: task, action: .releaseWork, handlerNs: 0,
        arrival: arrival == .poisson
          ? .poisson(meanGap: period) : (arrival == .periodic ? .periodic(period: period) : .jittered(period: period)),
        amount: burst,
        metric: metric, rng: sourceRNG)
    case .periodic(let period, let service, let deadline):
      var t = GuestTask(kind: .periodic, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.serviceNs = service
      t.deadlineNs = deadline
      let task = addTask(t, hints: spec)
      _ = addSource(
        vcpu: v, task: task, action: .releaseJob, handlerNs: 0, arrival: .periodic(period: period), metric: metric,
        rng: sourceRNG)
    case .server(let arrival, let service, let irqCost):
      var t = GuestTask(kind: .server, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.service = service
      let task = addTask(t, hints: spec)
      _ = addSource(
        vcpu: v, task: task, action: .request, handlerNs: irqCost, arrival: arrival, metric: metric, rng: sourceRNG)
    case .phases(let phases):
      var t = GuestTask(kind: .phases, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.phases = phases
      let task = addTask(t, hints: spec)
      tasks[Int(task)].timerSource = addSource(
        vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
    case .interrupts(let arrival, let handler), .storm(let arrival, let handler):
      _ = addSource(
        vcpu: v, task: -1, action: .none, handlerNs: handler, arrival: arrival, metric: metric, rng: sourceRNG)
    case .cryptoAudio(let period, let service, let deadline):
      var crypto = GuestTask(kind: .burner, vcpu: Int32(v), realtime: false, metric: Int32(metric), rng: taskRNG)
      crypto.remaining = Engine.burnerWork
      _ = addTask(crypto)
      var audio = GuestTask(kind: .periodic, vcpu: Int32(v), realtime: true, metric: Int32(metric), rng: taskRNG)
      audio.serviceNs = service
      audio.deadlineNs = deadline
      audio.dontDesched = spec.dontDesched
      audio.deboostYield = spec.deboostYield
      let task = addTask(audio)
      _ = addSource(
        vcpu: v, task: task, action: .releaseJob, handlerNs: 0, arrival: .periodic(period: period), metric: metric,
        rng: sourceRNG)
    case .spinlock(let outside, let inside, let irqsOff):
      var t = GuestTask(kind: .spinlock, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.serviceNs = outside
      t.insideNs = inside
      t.irqsOff = irqsOff
      // Start somewhere in the first outside stretch, so the vCPUs do not contend in lock-step.
      t.remaining = 1 + t.rng.below(outside)
      _ = addTask(t, hints: spec)
    case .script(let perVCPU, let threads):
      let vcpus = config.domains[d].vcpus
      for (k, thread) in threads.enumerated() where perVCPU || spec.vcpu != nil || k % vcpus == i {
        var t = GuestTask(
          kind: .script, vcpu: Int32(v), realtime: thread.realtime || spec.realtime, metric: Int32(metric),
          rng: stream(d, w, i, 10 + k))
        t.script = thread
        let task = addTask(t, hints: spec)
        tasks[Int(task)].timerSource = addSource(
          vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
        if let backend = spec.backend {
          let reply = addSource(
            vcpu: v, task: task, action: .wakeTask, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
          tasks[Int(task)].ioSource = addSource(
            vcpu: backendVCPU(backend), task: -1, action: .forward, handlerNs: spec.backendNs, arrival: nil,
            next: reply,
            metric: metric, rng: sourceRNG)
        }
      }
    case .netRR(let arrival, let hop, let service, let backend):
      var t = GuestTask(kind: .server, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.service = service
      let task = addTask(t, hints: spec)
      let b = backendVCPU(backend)
      let toGuest = addSource(
        vcpu: v, task: task, action: .request, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
      tasks[Int(task)].replySource = addSource(
        vcpu: b, task: -1, action: .complete, handlerNs: hop, arrival: nil, metric: metric, rng: sourceRNG)
      _ = addSource(
        vcpu: b, task: -1, action: .forward, handlerNs: hop, arrival: arrival, next: toGuest, metric: metric,
        rng: sourceRNG)
    case .netStream(let hop, let process, let backend):
      var t = GuestTask(kind: .server, vcpu: Int32(v), realtime: spec.realtime, metric: Int32(metric), rng: taskRNG)
      t.service = .constant(process)
      let task = addTask(t, hints: spec)
      let b = backendVCPU(backend)
      let toGuest = addSource(
        vcpu: v, task: task, action: .request, handlerNs: 0, arrival: nil, metric: metric, rng: sourceRNG)
      let out = addSource(
        vcpu: b, task: -1, action: .forward, handlerNs: hop, arrival: nil, next: toGuest, metric: metric,
        rng: sourceRNG)
      tasks[Int(task)].replySource = addSource(
        vcpu: b, task: -1, action: .repeatStream, handlerNs: hop, arrival: nil, next: out, metric: metric,
        rng: sourceRNG)
      streamKicks.append(out)
    }
  }

  /// Work given to a burner; refilled whenever it runs out (it never blocks).
  static let burnerWork: Int64 = 1 << 60

  /// Arm every recurring source at its first arrival; start `phases` tasks at their first step.
  func startSources() {
    for s in sources.indices {
      guard let arrival = sources[s].arrival else { continue }
      let spec = workloadSpec(forMetric: Int(sources[s].metric))
      var first: Int64
      switch arrival {
      case .periodic(let period):
        first = spec.phaseNs ?? sources[s].rng.below(period)
      case .poisson(let mean):
        first = (spec.phaseNs ?? 0) + sources[s].rng.exponential(mean: mean)
      case .jittered(let period):
        sources[s].periodStart = spec.phaseNs ?? 0
        first = sources[s].periodStart + sources[s].rng.below(period)
      }
      queue.push(time: first, kind: .source, target: Int32(s), token: sources[s].gen)
    }
    for s in streamKicks { armOneShot(Int(s), at: 0) }
    for t in tasks.indices where tasks[t].kind == .script {
      tasks[t].timerStart = workloadSpec(forMetric: Int(tasks[t].metric)).phaseNs ?? 0
      tasks[t].iterationStart = tasks[t].timerStart
      if tasks[t].timerStart > 0 {
        tasks[t].stepIndex = -1
        armOneShot(Int(tasks[t].timerSource), at: tasks[t].timerStart)
      } else {
        advanceScript(t)
      }
    }
    for t in tasks.indices where tasks[t].kind == .phases {
      let start = workloadSpec(forMetric: Int(tasks[t].metric)).phaseNs ?? 0
      tasks[t].phaseIndex = -1
      if start > 0 {
        armOneShot(Int(tasks[t].timerSource), at: start)
      } else {
        advancePhase(t)
      }
    }
  }

  func workloadSpec(forMetric m: Int) -> WorkloadSpec {
    let counters = metrics.workloads[m]
    return config.domains[counters.domain].workloads[counters.specIndex]
  }

  func armOneShot(_ s: Int, at time: Int64) {
    sources[s].gen &+= 1
    queue.push(time: time, kind: .source, target: Int32(s), token: sources[s].gen)
  }
}
