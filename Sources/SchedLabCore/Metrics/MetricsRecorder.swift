/// Runstates, numbered as Xen's public `vcpu.h` does.
public enum Runstate: UInt8, Hashable, Sendable, CaseIterable, Codable {
  case running = 0
  case runnable = 1
  case blocked = 2
  case offline = 3

  public var name: String {
    switch self {
    case .running: return "running"
    case .runnable: return "runnable"
    case .blocked: return "blocked"
    case .offline: return "offline"
    }
  }
}

/// Per-workload counters: periodic jobs and server requests.
public struct WorkloadCounters: Sendable {
  public var domain: Int
  public var specIndex: Int
  public var released: Int64 = 0
  public var completed: Int64 = 0
  public var deadlineMisses: Int64 = 0
  public var interrupts: Int64 = 0
  /// Spinlocks: time spent spinning, and how often a vCPU lost its pCPU while holding the lock.
  public var spinNs: Int64 = 0
  public var holderPreemptions: Int64 = 0
  public var response: LatencyRecorder
  /// Completions per second in each metrics window (schedbench's consistency measure).
  public var throughputWindows = WindowStats()
  var completedAtWindowStart: Int64 = 0

  init(domain: Int, specIndex: Int) {
    self.domain = domain
    self.specIndex = specIndex
    self.response = LatencyRecorder(precise: true)
  }

  mutating func reset() {
    released = 0
    completed = 0
    deadlineMisses = 0
    interrupts = 0
    spinNs = 0
    holderPreemptions = 0
    response.reset()
    throughputWindows = WindowStats()
    completedAtWindowStart = 0
  }
}

/// Everything measured during a run (after the warm-up). Definitions:
/// - *runstate time*: time each vCPU spent in each runstate;
/// - *wake latency*: from the event that made a blocked vCPU runnable to its dispatch on a pCPU;
/// - *preemption wait*: from a runnable vCPU losing its pCPU to its next dispatch;
/// - *window share*: a domain's running time within each window divided by the window length
///   (fraction of one pCPU);
/// - *context switches*: dispatches of a vCPU other than the one that was on the pCPU (idle
///   included on either side); *migrations*: dispatches on a pCPU other than the one the vCPU last
///   ran on.
@usableFromInline struct MetricsRecorder: Sendable {
  @usableFromInline var runstateNs: [[Int64]]  // [vcpu][runstate]
  @usableFromInline var vcpuWake: [LatencyRecorder]
  @usableFromInline var domainWake: [LatencyRecorder]
  @usableFromInline var domainPreemptWait: [LatencyRecorder]
  @usableFromInline var domainWindows: [WindowStats]
  @usableFromInline var vcpuWindows: [WindowStats]
  @usableFromInline var windowBaseNs: [Int64]  // per-vCPU running time at the window start
  @usableFromInline var contextSwitches: Int64 = 0
  @usableFromInline var migrations: Int64 = 0
  @usableFromInline var idleNs: [Int64]
  @usableFromInline var events: Int64 = 0
  @usableFromInline var measureStart: Int64 = 0

  init(vcpus: Int, domains: Int, pcpus: Int) {
    runstateNs = Array(repeating: [0, 0, 0, 0], count: vcpus)
    vcpuWake = (0..<vcpus).map { _ in LatencyRecorder(precise: false) }
    domainWake = (0..<domains).map { _ in LatencyRecorder(precise: true) }
    domainPreemptWait = (0..<domains).map { _ in LatencyRecorder(precise: true) }
    domainWindows = Array(repeating: WindowStats(), count: domains)
    vcpuWindows = Array(repeating: WindowStats(), count: vcpus)
    windowBaseNs = Array(repeating: 0, count: vcpus)
    idleNs = Array(repeating: 0, count: pcpus)
  }

  mutating func reset(at now: Int64) {
    for v in runstateNs.indices { runstateNs[v] = [0, 0, 0, 0] }
    for i in vcpuWake.indices { vcpuWake[i].reset() }
    for i in domainWake.indices {
      domainWake[i].reset()
      domainPreemptWait[i].reset()
      domainWindows[i] = WindowStats()
    }
    for i in vcpuWindows.indices {
      vcpuWindows[i] = WindowStats()
      windowBaseNs[i] = 0
    }
    contextSwitches = 0
    migrations = 0
    for p in idleNs.indices { idleNs[p] = 0 }
    events = 0
    measureStart = now
  }

  /// Bytes held by the latency histograms, by owner: per vCPU, per domain.
  var histogramBytes: (vcpus: Int, domains: Int) {
    (
      vcpuWake.reduce(0) { $0 + $1.storageBytes },
      domainWake.reduce(0) { $0 + $1.storageBytes } + domainPreemptWait.reduce(0) { $0 + $1.storageBytes }
    )
  }
}
