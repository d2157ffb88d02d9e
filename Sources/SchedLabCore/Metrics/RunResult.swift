/// The measured outcome of one run. Shares are fractions of one pCPU (0.42 = 42% of a pCPU) over the
/// measured interval (the run after its warm-up).
public struct RunResult: Sendable {
  public var scheduler: String
  public var seed: UInt64
  public var durationNs: Int64
  public var warmupNs: Int64
  public var measuredNs: Int64
  /// The measured interval in minutes (for rates per minute: audio underruns).
  public var measuredMinutes: Double { Double(max(1, measuredNs)) / 60e9 }
  public var topology: HostTopology
  /// The host model (costs) the run used.
  public var hostModel: HostModel
  public var domains: [DomainResult]
  public var host: HostResult
  public var counters: [PolicyCounter]
  public var log: [String]
  /// Control calls made during the run (all of them, warm-up included), with their outcomes.
  public var controls: [ControlRecord]
  /// The policy's state dumps asked for with ``Engine/dumpPolicy(at:)``, in time order.
  public var dumps: [PolicyDump] = []
}

/// A policy's state at a time (Xen's debug-key `r` output), as ``SchedulerPolicy/dump(now:)`` gave it.
public struct PolicyDump: Hashable, Sendable {
  public var timeNs: Int64
  public var text: String
}

public struct WindowSummary: Hashable, Sendable {
  public var windows: Int
  public var min: Double
  public var max: Double
  public var mean: Double
  public var stdev: Double

  init(_ stats: WindowStats) {
    windows = stats.count
    min = stats.count > 0 ? stats.min : 0
    max = stats.count > 0 ? stats.max : 0
    mean = stats.mean
    stdev = stats.stdev
  }
}

public struct DomainResult: Sendable {
  public var name: String
  public var weight: Int
  public var capPercent: Int
  public var runningNs: Int64
  public var share: Double
  public var window: WindowSummary
  public var wakeLatency: LatencySummary
  public var preemptWait: LatencySummary
  public var vcpus: [VCPUResult]
  public var workloads: [WorkloadResult]
  /// The policy's per-vCPU counters summed over the domain's vCPUs.
  public var policyCounters: [PolicyCounter]
  /// The longest a vCPU of the domain waited runnable while a pCPU its affinity allows was idle (nil:
  /// not measured; see `SimulationConfig.trackIdleWait`).
  public var idleWaitMaxNs: Int64?
}

public struct VCPUResult: Sendable {
  public var index: Int
  /// Time in each runstate, indexed by ``Runstate/rawValue``.
  public var runstateNs: [Int64]
  public var share: Double
  public var window: WindowSummary
  public var wakeLatency: LatencySummary
  /// The policy's counters for this vCPU (``SchedulerPolicy/vcpuCounters(_:now:)``).
  public var policyCounters: [PolicyCounter]
}

public struct WorkloadResult: Sendable {
  public var name: String
  public var type: String
  /// Periodic: jobs released; server: requests arrived.
  public var released: Int64
  public var completed: Int64
  public var deadlineMisses: Int64
  /// Periodic jobs due by the clock but never finished (a starved audio stream completes nothing
  /// and misses nothing: these count its lost quanta).
  public var overdue: Int64 = 0
  public var interrupts: Int64
  /// Job or request response times (release or arrival → completion); for spinlocks, the wait from
  /// asking for the lock to taking it.
  public var response: LatencySummary
  /// Spinlocks: CPU time spent spinning, and times a vCPU lost its pCPU holding the lock.
  public var spinNs: Int64
  public var holderPreemptions: Int64
  public var category: WorkloadCategory
  /// Completions per second in each metrics window.
  public var throughputWindow: WindowSummary
  /// Whether this workload has periodic jobs with deadlines.
  public var hasJobs: Bool { category == .jobs }
  /// The smallest relative deadline that 99.9% of jobs would have met (schedbench's TODO metric).
  public var latencyTolerance999Ns: Int64 { response.p999Ns }
  /// Completed jobs or requests per second of measured time.
  public var throughputPerS: Double
  public var missRatio: Double { completed > 0 ? Double(deadlineMisses) / Double(completed) : 0 }
  /// Jobs late or never done: misses plus overdue jobs (audio underruns).
  public var underruns: Int64 { deadlineMisses + overdue }
}

public struct HostResult: Sendable {
  public var pcpus: Int
  public var contextSwitchesPerS: Double
  public var migrationsPerS: Double
  public var idleFraction: Double
  /// Idle time of each pCPU over the measured interval.
  public var pcpuIdleNs: [Int64]
  /// Events the engine processed during the measured interval.
  public var events: Int64
  /// A hash of every event processed (time, kind, target), warm-up included: the run's event trace
  /// in 64 bits, for determinism checks.
  public var traceHash: UInt64
}

extension Engine {
  /// Periodic jobs due in the measured interval but not finished by its end, beyond those that may
  /// still be on time. Counted against the clock, not against releases: a vCPU that never runs never
  /// takes the timer interrupt that releases its job, yet the device wants a quantum every period.
  /// With a deadline D and a period P, an instance may have ⌈D/P⌉ jobs in flight in time.
  static func overdue(_ spec: WorkloadSpec, _ c: WorkloadCounters, instances: Int, measuredNs: Int64) -> Int64 {
    let window: (deadline: Int64, period: Int64)
    switch spec.kind {
    case .periodic(let period, _, let deadline), .cryptoAudio(let period, _, let deadline): window = (deadline, period)
    case .audioPipeline(let a): window = (a.deadlineNs, a.periodNs)
    default: return 0
    }
    let due = Int64(instances) * (measuredNs / window.period)
    let inTime = Int64(instances) * ((window.deadline + window.period - 1) / window.period)
    return max(0, due - c.completed - inTime)
  }

  func makeResult() -> RunResult {
    let measured = max(1, now - metrics.measureStart)
    let seconds = Double(measured) / 1e9
    var domains: [DomainResult] = []
    var metricIndex = 0
    for (d, domain) in config.domains.enumerated() {
      var vcpus: [VCPUResult] = []
      var domainRun: Int64 = 0
      var domainCounters: [PolicyCounter] = []
      for i in 0..<domain.vcpus {
        let v = domainFirstVCPU[d] + i
        let run = metrics.runstateNs[v][0]
        domainRun += run
        let counters = statistics?.vcpuCounters(VCPUID(v), now: now) ?? []
        if domainCounters.isEmpty {
          domainCounters = counters
        } else {
          for k in counters.indices { domainCounters[k].value += counters[k].value }
        }
        vcpus.append(
          VCPUResult(
            index: i, runstateNs: metrics.runstateNs[v], share: Double(run) / Double(measured),
            window: WindowSummary(metrics.vcpuWindows[v]), wakeLatency: metrics.vcpuWake[v].summary,
            policyCounters: counters))
      }
      var workloads: [WorkloadResult] = []
      for spec in domain.workloads {
        let c = world.workloads[metricIndex]
        metricIndex += 1
        workloads.append(
          WorkloadResult(
            name: spec.name, type: spec.typeName, released: c.released, completed: c.completed,
            deadlineMisses: c.deadlineMisses,
            overdue: Self.overdue(spec, c, instances: spec.vcpu == nil ? domain.vcpus : 1, measuredNs: measured),
            interrupts: c.interrupts, response: c.response.summary,
            spinNs: c.spinNs, holderPreemptions: c.holderPreemptions, category: spec.kind.category,
            throughputWindow: WindowSummary(c.throughputWindows), throughputPerS: Double(c.completed) / seconds))
      }
      domains.append(
        DomainResult(
          name: domain.name, weight: domainWeight[d], capPercent: domainCap[d], runningNs: domainRun,
          share: Double(domainRun) / Double(measured), window: WindowSummary(metrics.domainWindows[d]),
          wakeLatency: metrics.domainWake[d].summary, preemptWait: metrics.domainPreemptWait[d].summary,
          vcpus: vcpus, workloads: workloads, policyCounters: domainCounters,
          idleWaitMaxNs: idleWait.map { w in (0..<domain.vcpus).map { w.longest[domainFirstVCPU[d] + $0] }.max() ?? 0 })
      )
    }
    let idle = metrics.idleNs.reduce(0, +)
    let host = HostResult(
      pcpus: topology.pcpuCount, contextSwitchesPerS: Double(metrics.contextSwitches) / seconds,
      migrationsPerS: Double(metrics.migrations) / seconds,
      idleFraction: Double(idle) / (Double(measured) * Double(topology.pcpuCount)), pcpuIdleNs: metrics.idleNs,
      events: metrics.events, traceHash: traceHash)
    return RunResult(
      scheduler: policy.name, seed: config.seed, durationNs: config.durationNs, warmupNs: config.warmupNs,
      measuredNs: measured, topology: topology, hostModel: hostModel, domains: domains, host: host,
      counters: statistics?.counters() ?? [],
      log: log, controls: controlRecords, dumps: dumps)
  }
}
