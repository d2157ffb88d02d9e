/// Requests through backend domains: the chain a request crosses (a backend's own backends), the
/// sources that forward it hop by hop, and the audio pipeline's mixer, a task of the playing
/// domain's workload that runs on its audio domain's vCPU.
extension GuestWorld {
  /// Where a request sent to `b` (handled there for `cost`) is handled: `b`, then each backend of
  /// the chain that `b`'s domain starts, nearest first, with the cost of each hop. The loader
  /// refuses cycles; a chain longer than the domains is one, and stops here.
  func hops(_ b: BackendRef, cost: Int64) -> [(vcpu: Int, cost: Int64)] {
    var chain = [(vcpu: backendVCPU(b), cost: cost)]
    var d = b.domain
    while let next = domains[d].backend {
      precondition(chain.count <= domains.count, "a cycle of backends reached the engine")
      chain.append((backendVCPU(next.ref), next.hopNs))
      d = next.ref.domain
    }
    return chain
  }

  /// Sources handling `chain` in order, each forwarding to the next, the last to `last`: returns
  /// the first (or `last` for an empty chain). Built from the end, so each knows its successor.
  func forwarding(
    _ chain: some BidirectionalCollection<(vcpu: Int, cost: Int64)>, to last: Int32, metric: Int, rng: Xoshiro256
  ) -> Int32 {
    var next = last
    for hop in chain.reversed() {
      next = addSource(
        vcpu: hop.vcpu, task: -1, action: .forward, handlerNs: hop.cost, arrival: nil, next: next, metric: metric,
        rng: rng)
    }
    return next
  }

  /// A mixer to create on a backend's vCPU: the playing workload (domain, workload) and the instance
  /// it serves.
  struct HostedMixer {
    var domain: Int
    var workload: Int
    var instance: PipelineInstance
  }

  /// The mixers each vCPU hosts, found before any guest is built so that each guest's tasks stay
  /// contiguous (a mixer is a task of its backend's guest).
  func hostedMixers() -> [[HostedMixer]] {
    var hosted = Array(repeating: [HostedMixer](), count: domains.indices.reduce(0) { $0 + domains[$1].vcpus })
    var metricBase = 0
    for (d, domain) in domains.enumerated() {
      for (w, spec) in domain.workloads.enumerated() {
        guard case .audioPipeline(let audio) = spec.kind, let b = audio.backend else { continue }
        for i in 0..<domain.vcpus where spec.vcpu == nil || spec.vcpu == i {
          let instance = PipelineInstance(metric: metricBase + w, vcpuInDomain: i)
          hosted[backendVCPU(b)].append(HostedMixer(domain: d, workload: w, instance: instance))
        }
      }
      metricBase += domain.workloads.count
    }
    return hosted
  }

  /// The mixer task on vCPU `v`: a periodic task of the playing workload, released by its vchan hop.
  func addMixer(_ h: HostedMixer, vcpu v: Int) {
    let spec = domains[h.domain].workloads[h.workload]
    guard case .audioPipeline(let audio) = spec.kind else { return }
    let jobs = PeriodicJobs(serviceNs: audio.mixNs, deadlineNs: audio.deadlineNs)
    mixers[h.instance] = addTask(
      .periodic(jobs), vcpu: v, realtime: spec.realtime, metric: h.instance.metric,
      rng: stream(h.domain, h.workload, h.instance.vcpuInDomain, 3), hints: spec)
  }

  /// Connect a player to its mixer: the quantum crosses vchan into the backend (a handler there that
  /// releases the mixer's job), and the mixed quantum goes through the backend's own chain; the
  /// last hop (or the mixer, with no chain) completes the job against the deadline.
  func connect(_ link: PipelineLink) {
    let metric = link.instance.metric
    guard let mixer = mixers[link.instance], let backend = link.audio.backend else { return }
    let device = hops(backend, cost: link.audio.hopNs).dropFirst()
    var done: Int32 = -1
    if let last = device.last {
      done = addSource(
        vcpu: last.vcpu, task: -1, action: .completeJob, handlerNs: last.cost, arrival: nil,
        amount: link.audio.deadlineNs, metric: metric, rng: link.rng)
      done = forwarding(device.dropLast(), to: done, metric: metric, rng: link.rng)
    }
    tasks[Int(mixer)].with(PeriodicJobs.self) { $0.next = done }
    let vchan = addSource(
      vcpu: backendVCPU(backend), task: mixer, action: .releaseStage, handlerNs: link.audio.hopNs, arrival: nil,
      metric: metric, rng: link.rng)
    tasks[Int(link.player)].with(PeriodicJobs.self) { $0.next = vchan }
  }
}
