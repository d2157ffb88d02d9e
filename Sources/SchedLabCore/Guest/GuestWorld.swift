/// The guests: one kernel per vCPU with its tasks, the interrupt sources (devices, guest timers,
/// backend hops), the guests' spinlocks, and the workload counters. It is the software running
/// inside the vCPUs, kept apart from the engine, which is the host's mechanism only.
///
/// The two sides meet at narrow interfaces. The engine tells the world when a vCPU gets or loses a
/// pCPU, when its speed changes (SMT), and when one of the world's events fires (a guest's progress,
/// a source's interrupt). The world drives the host through a ``HostPort``: wake, block, yield,
/// notify a guest-aware policy, arm an event. Guest hints (`dont_desched`, masked interrupts, in a
/// handler) are read by policies through ``SchedContext``.
@usableFromInline final class GuestWorld {
  @usableFromInline var host = HostPort()
  let seed: UInt64
  let domains: [DomainConfig]
  let domainFirstVCPU: [Int]
  let guestTickNs: Int64
  let durationNs: Int64

  @usableFromInline var guests: [GuestKernel] = []
  @usableFromInline var tasks: [GuestTask] = []
  @usableFromInline var sources: [IRQSource] = []
  /// Backend sources that start a stream, fired once at time 0.
  var streamKicks: [Int32] = []
  /// Guest spinlocks: the holding task, or -1.
  var locks: [Int32] = []
  /// The lock of each spinlock workload, by metric index (-1: not a spinlock workload).
  var lockOfMetric: [Int32] = []
  /// While the guests are built: audio players waiting for their mixers, and the mixer task of each
  /// (metric, vCPU in domain) instance.
  var pipelines: [PipelineLink] = []
  var mixers: [PipelineInstance: Int32] = [:]
  /// Per-workload counters, indexed by metric (the domain's workloads in order, domain after domain).
  var workloads: [WorkloadCounters] = []

  /// Build every domain's guests from their workload specifications.
  init(config: SimulationConfig, domainFirstVCPU: [Int]) {
    seed = config.seed
    domains = config.domains
    self.domainFirstVCPU = domainFirstVCPU
    guestTickNs = config.guestTickNs
    durationNs = config.durationNs
    for (d, domain) in domains.enumerated() {
      for s in domain.workloads.indices { workloads.append(WorkloadCounters(domain: d, specIndex: s)) }
    }
    lockOfMetric = Array(repeating: -1, count: workloads.count)
    buildGuests()
  }

  @inline(__always) var now: Int64 { host.now }

  // MARK: The engine's calls

  /// The vCPU got a pCPU: its guest runs at `speed` per mille and starts working at `start` (now
  /// plus any context-switch and migration cost).
  func dispatched(_ v: Int, at start: Int64, speedPermille speed: Int64) {
    guests[v].speedPermille = speed
    guests[v].onCPU = true
    guests[v].activityStart = start
    pick(v)
  }

  /// The vCPU loses its pCPU: charge the work done so far and cancel the pending progress event.
  /// Work that ends at this very instant is completed now (its progress event is being cancelled).
  func descheduled(_ v: Int) {
    advance(v)
    let active = Int(guests[v].activeTask)
    if active >= 0 && tasks[active].lockPhase == .inside && tasks[active].remaining > 0 {
      workloads[Int(tasks[active].metric)].holderPreemptions += 1
    }
    guests[v].onCPU = false
    guests[v].progressGen &+= 1
    completeFinished(v)
  }

  /// The guest of a running vCPU changes speed (an SMT sibling went busy or idle): it is charged at
  /// its old speed up to now, then re-planned at the new one.
  func speedChanged(_ v: Int, to speed: Int64) {
    guard speed != guests[v].speedPermille else { return }
    advance(v)
    guests[v].speedPermille = speed
    if guests[v].onCPU {
      guests[v].progressGen &+= 1
      pick(v)
    }
  }

  /// The progress event of vCPU `v`'s guest fired.
  func progressEvent(_ v: Int) {
    if guests[v].onCPU { progress(v) }
  }

  /// A measurement window closed: record each workload's completions in it.
  func closeWindow(seconds: Double) {
    for m in workloads.indices {
      let done = workloads[m].completed
      workloads[m].throughputWindows.add(Double(done - workloads[m].completedAtWindowStart) / seconds)
      workloads[m].completedAtWindowStart = done
    }
  }

  /// The warm-up ended: counting starts again.
  func resetMetrics() {
    for m in workloads.indices { workloads[m].reset() }
  }

  /// Set a guest's hints directly (tests of boost policies), telling the policy as the guest would.
  func setHints(_ v: Int, dontDesched: Bool?, interruptsMasked: Bool?) {
    if let dontDesched { setDontDesched(v, dontDesched) }
    if let interruptsMasked, guests[v].irqsMasked != interruptsMasked {
      guests[v].irqsMasked = interruptsMasked
      host.notify(interruptsMasked ? .interruptsMasked : .interruptsUnmasked, vcpu: v)
    }
  }

  var histogramBytes: Int { workloads.reduce(0) { $0 + $1.response.storageBytes } }
}

/// One instance of an audio pipeline: its workload's metric and the vCPU (in the playing domain)
/// that plays it; the key of its mixer.
struct PipelineInstance: Hashable {
  var metric: Int
  var vcpuInDomain: Int
}

/// An audio player to connect to its mixer once every guest is built.
struct PipelineLink {
  var player: Int32
  var instance: PipelineInstance
  var audio: AudioPipeline
  var rng: Xoshiro256
}
