/// Workload descriptions: named, parameterised generators of guest tasks and interrupt sources.
/// A scenario attaches workloads to vCPUs; the ``GuestWorld`` turns each into tasks and sources of
/// the guest kernel that runs on the vCPU (see ``GuestKernel``).

/// How a stream of events is spaced in time.
public enum ArrivalProcess: Hashable, Sendable {
  /// Exactly every `period` ns.
  case periodic(period: Int64)
  /// Poisson arrivals: exponential gaps with the given mean, in ns.
  case poisson(meanGap: Int64)
  /// One arrival in every period, at a uniformly random point within it: the long-run rate is
  /// exact, as with `periodic`, but separate sources do not stay in lock-step.
  case jittered(period: Int64)

  /// Mean time between arrivals.
  public var meanGap: Int64 {
    switch self {
    case .periodic(let p), .jittered(let p): return p
    case .poisson(let m): return m
    }
  }
}

/// A service-time distribution for requests.
public enum ServiceTime: Hashable, Sendable {
  case constant(Int64)
  case exponential(mean: Int64)
  /// `short` with probability 1 - `longFraction`, else `long`.
  case bimodal(short: Int64, long: Int64, longFraction: Double)

  public var mean: Double {
    switch self {
    case .constant(let v): return Double(v)
    case .exponential(let m): return Double(m)
    case .bimodal(let s, let l, let p): return Double(s) * (1 - p) + Double(l) * p
    }
  }
}

/// One step of a `phases` cycle (George Dunlap's sched-sim workload model).
public enum Phase: Hashable, Sendable {
  /// Compute for this much CPU time.
  case run(Int64)
  /// Sleep for this much wall time.
  case block(Int64)
  /// Call the yield hypercall (SCHEDOP_yield) and carry on.
  case yield
}

/// One step of a guest script (rt-app's events, schedbench's burn/wait, kernbench-like batches).
public enum ScriptStep: Hashable, Sendable {
  /// Compute for a duration drawn uniformly in [lo, hi] (lo = hi: exactly).
  case run(lo: Int64, hi: Int64)
  /// Sleep for a duration drawn uniformly in [lo, hi].
  case sleep(lo: Int64, hi: Int64)
  /// Wait for the next tick of a periodic timer: `absolute` ticks at start + k·period; relative
  /// ticks at the previous tick + period, or now if that has passed (rt-app's two timer modes).
  case timer(periodNs: Int64, absolute: Bool)
  /// Synchronous I/O through the workload's backend domain; resume when it replies.
  case io
}

/// A block of script steps repeated `loops` times (rt-app's phases).
public struct ScriptBlock: Hashable, Sendable {
  public var steps: [ScriptStep]
  public var loops: Int
  public init(steps: [ScriptStep], loops: Int = 1) {
    self.steps = steps
    self.loops = loops
  }
}

/// One guest thread of a script workload: its blocks, repeated `loops` times (-1: forever).
public struct ScriptThread: Hashable, Sendable {
  public var name: String
  public var blocks: [ScriptBlock]
  public var loops: Int
  public var realtime: Bool
  public init(name: String, blocks: [ScriptBlock], loops: Int = -1, realtime: Bool = false) {
    self.name = name
    self.blocks = blocks
    self.loops = loops
    self.realtime = realtime
  }
}

/// Where a workload's I/O goes: a vCPU of a backend domain (dom0, a driver domain, a device-model
/// stub domain), which handles each request in interrupt context at a cost.
public struct BackendRef: Hashable, Sendable {
  public var domain: Int
  public var vcpu: Int
  public init(domain: Int, vcpu: Int) {
    self.domain = domain
    self.vcpu = vcpu
  }

  /// The same vCPU with its domain index mapped (a scenario reduced to some of its domains).
  public func mappingDomain(_ map: (Int) -> Int) -> BackendRef { BackendRef(domain: map(domain), vcpu: vcpu) }
}

/// A domain's own backend: the I/O it handles for others continues there (a `sys-audio` whose sound
/// card is a USB device of `sys-usb`; a `sys-firewall` whose network is `sys-net`). Each request
/// that reaches the domain is forwarded to `ref`, handled there in interrupt context for `hopNs`.
public struct BackendHop: Hashable, Sendable {
  public var ref: BackendRef
  public var hopNs: Int64
  public init(ref: BackendRef, hopNs: Int64) {
    self.ref = ref
    self.hopNs = hopNs
  }
}

/// A stream of audio quanta through a pipeline of domains (Qubes OS): every `periodNs` the player in
/// the domain renders a quantum (`renderNs` of real-time work), hands it over vchan to its backend
/// (`hopNs` handled in interrupt context on the backend's vCPU), where a mixer task spends `mixNs`;
/// the mixed quantum then goes through the backend's own chain of backends (a USB sound card: one
/// hop in `sys-usb`), and is ready when the last hop is handled. A quantum ready later than
/// `deadlineNs` after its release is an underrun.
public struct AudioPipeline: Hashable, Sendable {
  public var periodNs: Int64
  public var renderNs: Int64
  public var hopNs: Int64
  public var mixNs: Int64
  public var deadlineNs: Int64
  /// Where the mixer runs (nil: in the playing domain, right after the player).
  public var backend: BackendRef?
  public init(
    periodNs: Int64, renderNs: Int64, hopNs: Int64, mixNs: Int64, deadlineNs: Int64, backend: BackendRef?
  ) {
    self.periodNs = periodNs
    self.renderNs = renderNs
    self.hopNs = hopNs
    self.mixNs = mixNs
    self.deadlineNs = deadlineNs
    self.backend = backend
  }
}

/// How a `demand` workload spaces its bursts (the period is burst / fraction).
public enum DemandArrival: String, Hashable, Sendable, CaseIterable {
  case periodic, jittered, poisson
}

/// The workloads of issue #2. Parameters carry their unit in the name.
public enum WorkloadKind: Hashable, Sendable {
  /// Always runnable.
  case burner
  /// Open-loop demand: a burst of `burstNs` of work is released every `burstNs / fraction` (exactly,
  /// or on average with Poisson arrivals), so the vCPU uses `fraction` of a pCPU when alone.
  /// Unserved work accumulates (a backlog), so a starved demand workload stays runnable like a
  /// burner until it has caught up.
  case demand(fraction: Double, burstNs: Int64, arrival: DemandArrival = .jittered)
  /// A job of `serviceNs` every `periodNs`, due `deadlineNs` after its release (audio, video).
  case periodic(periodNs: Int64, serviceNs: Int64, deadlineNs: Int64)
  /// A request server: requests arrive by `arrival` as device interrupts (handler `irqCostNs`), queue
  /// in the guest and are served one at a time; records response times and throughput.
  case server(arrival: ArrivalProcess, service: ServiceTime, irqCostNs: Int64)
  /// A cycle of run/block/yield steps (closed loop: a late run delays the rest of the cycle).
  case phases([Phase])
  /// A device interrupting the vCPU with a handler of `handlerNs`, run with interrupts masked.
  case interrupts(arrival: ArrivalProcess, handlerNs: Int64)
  /// A device that interrupts at a very high rate (a USB webcam, a misbehaving NIC): the same model
  /// as `interrupts`, named apart so reports and storm rules can tell it.
  case storm(arrival: ArrivalProcess, handlerNs: Int64)
  /// The boost proposal's motivating guest: a CPU-heavy crypto task (a normal task that always has
  /// work and tolerates delay) and a real-time audio task (a job of `serviceNs` every `periodNs`,
  /// due `deadlineNs` later) in the same vCPU.
  case cryptoAudio(periodNs: Int64, serviceNs: Int64, deadlineNs: Int64)
  /// Guest threads, one per vCPU, sharing one spinlock: compute `outsideNs`, take the lock
  /// (spinning, burning CPU, while another vCPU holds it), hold it for `insideNs`, release.
  /// `irqsOff` masks interrupts inside the critical section.
  case spinlock(outsideNs: Int64, insideNs: Int64, irqsOff: Bool)
  /// Guest threads running scripts of run/sleep/timer/io steps (rt-app imports, schedbench
  /// workers, batch jobs, HVM guests with a device model). With `perVCPU`, every vCPU runs all
  /// the threads; otherwise thread i runs on vCPU i mod vcpus (rt-app).
  case script(perVCPU: Bool, threads: [ScriptThread])
  /// Network request/response through a driver domain: a packet reaches the backend (`hopNs` of
  /// handling), is forwarded to the guest (an interrupt), served (`service`), and the reply goes back
  /// through the backend (`hopNs`). Response = arrival → reply handled.
  case netRR(arrival: ArrivalProcess, hopNs: Int64, service: ServiceTime, backend: BackendRef)
  /// Network stream: the backend hands the guest one batch at a time (`hopNs`), the guest processes
  /// it (`processNs`) and asks for the next one: throughput in batches per second.
  case netStream(hopNs: Int64, processNs: Int64, backend: BackendRef)
  /// Audio played through an audio domain and its backends (see ``AudioPipeline``).
  case audioPipeline(AudioPipeline)
}

/// What a workload reports, beyond the CPU it uses.
public enum WorkloadCategory: String, Sendable {
  /// Periodic jobs with deadlines: misses, response (frame) times, latency tolerance.
  case jobs
  /// Requests: throughput and response times.
  case requests
  /// A closed-loop stream: throughput.
  case stream
  /// A shared spinlock: acquisitions, waits, spinning, lock-holder preemptions.
  case lock
  /// Script iterations and their durations.
  case script
  /// CPU load only.
  case load
}

extension WorkloadKind {
  public var category: WorkloadCategory {
    switch self {
    case .periodic, .cryptoAudio, .audioPipeline: return .jobs
    case .server, .netRR: return .requests
    case .netStream: return .stream
    case .spinlock: return .lock
    case .script: return .script
    case .burner, .demand, .phases, .interrupts, .storm: return .load
    }
  }
}

/// A workload bound to a domain, as the scenario gives it.
public struct WorkloadSpec: Hashable, Sendable {
  /// Display name (unique within the domain).
  public var name: String
  public var kind: WorkloadKind
  /// Guest task class: real-time tasks always run before normal ones inside the guest.
  public var realtime: Bool
  /// Which vCPUs of the domain run an instance; nil means every vCPU.
  public var vcpu: Int?
  /// Offset of the first release or arrival; nil draws it uniformly in one period from the seed.
  public var phaseNs: Int64?
  /// The guest sets its `dont_desched` flag while this workload's real-time job or critical
  /// section is in progress (the boost proposal's guest side).
  public var dontDesched: Bool
  /// When such a job ends, the guest yields, to give up any boost it holds.
  public var deboostYield: Bool
  /// The backend of `io` script steps, and its handler cost per request.
  public var backend: BackendRef?
  public var backendNs: Int64 = 0
  /// The first backend of this workload's requests, wherever its kind keeps it.
  public var firstBackend: BackendRef? {
    switch kind {
    case .netRR(_, _, _, let b), .netStream(_, _, let b): return b
    case .audioPipeline(let a): return a.backend
    default: return backend
    }
  }

  /// The same workload with its backends' domain indices mapped (a scenario reduced to some domains).
  public func mappingBackends(_ map: (Int) -> Int) -> WorkloadSpec {
    var copy = self
    func m(_ b: BackendRef) -> BackendRef { b.mappingDomain(map) }
    copy.backend = backend.map(m)
    switch kind {
    case .netRR(let a, let h, let s, let b): copy.kind = .netRR(arrival: a, hopNs: h, service: s, backend: m(b))
    case .netStream(let h, let p, let b): copy.kind = .netStream(hopNs: h, processNs: p, backend: m(b))
    case .audioPipeline(var a):
      a.backend = a.backend.map(m)
      copy.kind = .audioPipeline(a)
    default: break
    }
    return copy
  }

  /// The catalogue name the scenario used (`video`, `schedbench-a`, ...), if any.
  public var catalogType: String?

  public init(
    name: String, kind: WorkloadKind, realtime: Bool = false, vcpu: Int? = nil, phaseNs: Int64? = nil,
    dontDesched: Bool = false, deboostYield: Bool = false
  ) {
    self.name = name
    self.kind = kind
    self.realtime = realtime
    self.vcpu = vcpu
    self.phaseNs = phaseNs
    self.dontDesched = dontDesched
    self.deboostYield = deboostYield
  }

  /// The type name used in scenario files and reports.
  public var typeName: String {
    if let catalogType { return catalogType }
    switch kind {
    case .burner: return "burner"
    case .demand: return "demand"
    case .periodic: return "periodic"
    case .server: return "server"
    case .phases: return "phases"
    case .interrupts: return "interrupts"
    case .storm: return "storm"
    case .cryptoAudio: return "crypto-audio"
    case .spinlock: return "spinlock"
    case .script: return "script"
    case .netRR: return "net-rr"
    case .netStream: return "net-stream"
    case .audioPipeline: return "vchan-audio"
    }
  }
}
