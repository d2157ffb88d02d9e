/// The discrete-event engine: SchedLab's equivalent of Xen's `xen/common/sched/core.c`.
///
/// It owns virtual time, the event queue, pCPUs (current vCPU, scheduling timer, softirq), vCPUs
/// (runstate, processor, affinity) and the host's metrics: mechanism only. The scheduling decisions
/// belong to a ``SchedulerPolicy``; the software inside the vCPUs to the ``GuestWorld``, which
/// drives the host through a ``HostPort`` as the policy does through a ``SchedContext``.
///
/// Determinism: a run is a pure function of its ``SimulationConfig`` (seed included) and the
/// policy. Events are ordered by (time, insertion sequence); every random draw comes from a stream
/// derived from (seed, entity); no dictionary order or wall clock reaches the results.
///
/// Hot path: events are value types in a heap, per-entity state lives in arrays indexed by dense
/// IDs, timers are cancelled lazily by generation, and nothing is allocated per event.
public final class Engine {
  public let config: SimulationConfig
  public let topology: HostTopology
  public let policy: any SchedulerPolicy
  /// The policy's capabilities, looked up once.
  @usableFromInline let statistics: (any PolicyStatistics)?
  @usableFromInline let guestAware: (any GuestAwarePolicy)?
  let controllable: (any ControllablePolicy)?

  @usableFromInline var queue = EventQueue()
  /// The current virtual time.
  public internal(set) var now: Int64 = 0

  // pCPUs
  @usableFromInline var current: [Int32]
  @usableFromInline var softirqPending: [Bool]
  /// When the pending softirq of each pCPU runs, and its generation (a local raise overtakes a
  /// remote tickle still in flight).
  @usableFromInline var softirqAt: [Int64]
  @usableFromInline var softirqGen: [UInt32]
  /// The pCPU whose softirq is running now (-1: none): tickling it needs no IPI.
  @usableFromInline var executingPCPU = -1
  /// The host's costs, and whether SMT contention is modelled (siblings exist and run slower).
  public let hostModel: HostModel
  @usableFromInline let smtContention: Bool
  /// Each pCPU's SMT siblings, itself excluded.
  @usableFromInline var siblingsOf: [CPUMask] = []
  @usableFromInline var sTimerGen: [UInt32]
  @usableFromInline var idleSince: [Int64]
  /// Work conservation (`idle_wait`), when the scenario asks for it.
  var idleWait: IdleWaitMonitor?

  // vCPUs
  @usableFromInline var vDomain: [Int32]
  @usableFromInline var vIndexInDomain: [Int32]
  @usableFromInline var runnable: [Bool]
  @usableFromInline var running: [Bool]
  @usableFromInline var processor: [Int32]
  /// The pCPU each vCPU last ran on (-1: never), for counting migrations.
  @usableFromInline var lastRanOn: [Int32]
  @usableFromInline var migrating: [Bool]
  /// Parked by the policy (Xen's `_VPF_parked`, credit2 caps): not runnable to the policy.
  @usableFromInline var parked: [Bool]
  @usableFromInline var affinity: [CPUMask]
  @usableFromInline var runstate: [Runstate]
  @usableFromInline var runstateSince: [Int64]
  /// Time the vCPU became runnable after blocking, or -1.
  @usableFromInline var wakeStamp: [Int64]
  /// Time the vCPU lost its pCPU while runnable, or -1.
  @usableFromInline var preemptStamp: [Int64]

  // domains
  @usableFromInline var domainWeight: [Int]
  @usableFromInline var domainCap: [Int]
  @usableFromInline var domainFirstVCPU: [Int]

  /// The guests running inside the vCPUs.
  @usableFromInline let world: GuestWorld

  // policy timers
  @usableFromInline var policyTimerGen: [UInt32] = []

  @usableFromInline var metrics: MetricsRecorder
  @usableFromInline var listeners: [any TraceListener] = []
  @usableFromInline var controlActions: [(Int64, (Engine) -> Void)] = []
  /// The policy's dumps taken during the run (``dumpPolicy(at:)``).
  public internal(set) var dumps: [PolicyDump] = []
  /// Control calls made during the run, with their outcomes.
  public internal(set) var controlRecords: [ControlRecord] = []
  /// Warnings logged by the policy or the engine (bounded).
  public private(set) var log: [String] = []
  private var started = false
  /// The queue is compacted when it holds more events than this (twice the live ones after the
  /// last compaction, at least ``minimumCompaction``).
  var compactAt = Engine.minimumCompaction
  static let minimumCompaction = 4_096
  /// Events processed so far, warm-up included.
  public private(set) var processedEvents: Int64 = 0
  /// The run stopped early because it reached `config.maxEvents`; its result is not a measurement.
  public private(set) var exceededMaxEvents = false
  /// FNV-1a over every processed event's time, kind and target, warm-up included: two runs that
  /// processed the same events in the same order have the same hash.
  var traceHash: UInt64 = 0xcbf2_9ce4_8422_2325

  /// Build the host, its domains and guests, and hand them to `policy`.
  public init(config: SimulationConfig, policy: any SchedulerPolicy) {
    self.config = config
    self.topology = config.topology
    self.policy = policy
    statistics = policy as? any PolicyStatistics
    guestAware = policy as? any GuestAwarePolicy
    controllable = policy as? any ControllablePolicy
    let pcpus = config.topology.pcpuCount
    let vcpus = config.totalVCPUs
    current = Array(repeating: -1, count: pcpus)
    idleWait = config.trackIdleWait ? IdleWaitMonitor(vcpus: vcpus, pcpus: pcpus) : nil
    softirqPending = Array(repeating: false, count: pcpus)
    softirqAt = Array(repeating: 0, count: pcpus)
    softirqGen = Array(repeating: 0, count: pcpus)
    hostModel = config.hostModel
    smtContention = config.topology.threadsPerCore > 1 && config.hostModel.smtSpeedPermille < 1000
    siblingsOf = (0..<pcpus).map { p in
      var mask = config.topology.siblings(of: PCPUID(p))
      mask.remove(PCPUID(p))
      return mask
    }
    sTimerGen = Array(repeating: 0, count: pcpus)
    idleSince = Array(repeating: 0, count: pcpus)
    vDomain = []
    vIndexInDomain = []
    affinity = []
    domainWeight = config.domains.map(\.weight)
    domainCap = config.domains.map(\.capPercent)
    domainFirstVCPU = []
    for (d, domain) in config.domains.enumerated() {
      domainFirstVCPU.append(vDomain.count)
      let mask = domain.hardAffinity ?? config.topology.allPCPUs
      for i in 0..<domain.vcpus {
        vDomain.append(Int32(d))
        vIndexInDomain.append(Int32(i))
        affinity.append(mask)
      }
    }
    runnable = Array(repeating: false, count: vcpus)
    running = Array(repeating: false, count: vcpus)
    processor = Array(repeating: 0, count: vcpus)
    lastRanOn = Array(repeating: -1, count: vcpus)
    migrating = Array(repeating: false, count: vcpus)
    parked = Array(repeating: false, count: vcpus)
    runstate = Array(repeating: .blocked, count: vcpus)
    runstateSince = Array(repeating: 0, count: vcpus)
    wakeStamp = Array(repeating: -1, count: vcpus)
    preemptStamp = Array(repeating: -1, count: vcpus)
    metrics = MetricsRecorder(vcpus: vcpus, domains: config.domains.count, pcpus: pcpus)
    if config.tieShuffle { queue.tieShuffle = Xoshiro256(seed: config.seed, key: StreamKey.make(-7)) }
    world = GuestWorld(config: config, domainFirstVCPU: domainFirstVCPU)
    world.host = HostPort(self)
  }

  /// Schedule `action` at virtual time `time` (control calls from scenario files, tests).
  public func at(_ time: Int64, _ action: @escaping (Engine) -> Void) {
    controlActions.append((time, action))
    queue.push(time: time, kind: .control, target: Int32(controlActions.count - 1))
  }

  /// Take the policy's dump (Xen's debug-key `r`) at virtual time `time`, after the events already
  /// queued for that instant.
  public func dumpPolicy(at time: Int64) {
    at(time) { engine in
      engine.dumps.append(
        PolicyDump(
          timeNs: engine.now, text: engine.statistics?.dump(now: engine.now) ?? "\(engine.policy.name): no dump"))
    }
  }

  /// Record a warning line (kept up to 1000 lines).
  public func warn(_ message: String) {
    if log.count < 1000 { log.append("[\(Nanos.format(now))] \(message)") }
  }

  // MARK: - Running

  /// Run the simulation to `config.durationNs` and return the measured result.
  public func run() -> RunResult {
    start()
    run(until: config.durationNs)
    return finish()
  }

  /// Set up time 0: initial processors, policy init and insert, first wakes, metric events.
  public func start() {
    precondition(!started, "an engine runs once")
    started = true
    placeInitialProcessors()
    policy.initialize(context: SchedContext(self))
    for v in 0..<vDomain.count { policy.insert(VCPUID(v), now: 0) }
    if config.warmupNs > 0 {
      queue.push(time: config.warmupNs, kind: .warmupEnd, target: 0)
    } else {
      metrics.reset(at: 0)
      idleWait?.reset(at: 0)
    }
    queue.push(time: config.warmupNs + config.windowNs, kind: .window, target: 0)
    world.start()
    // Every vCPU boots runnable (an unpause); a guest with nothing to do blocks at its first dispatch.
    // The boot is not a wake-up from blocking: it records no wake latency.
    for v in 0..<vDomain.count {
      wake(v, cause: .boot)
      wakeStamp[v] = -1
    }
  }

  /// Process events up to and including `limit`, then set the clock to `limit`.
  public func run(until limit: Int64) {
    while let t = queue.peekTime, t <= limit {
      guard processedEvents < config.maxEvents else {
        exceededMaxEvents = true
        return
      }
      let event = queue.pop()!
      // A cancelled event (stale generation) is dropped unseen: it is not an event of the run.
      guard isLive(event) else { continue }
      now = event.time
      processedEvents &+= 1
      metrics.events += 1
      traceHash = (traceHash ^ UInt64(bitPattern: event.time)) &* 0x100_0000_01b3
      traceHash =
        (traceHash ^ (UInt64(event.kind.rawValue) << 32 | UInt64(UInt32(bitPattern: event.target)))) &* 0x100_0000_01b3
      dispatch(event)
      if queue.count > compactAt { compactQueue() }
    }
    now = max(now, limit)
  }

  /// Whether an event is still wanted: timers and activities are cancelled by bumping their
  /// generation, so an event whose token is behind can never fire.
  @inline(__always) func isLive(_ event: Event) -> Bool {
    let target = Int(event.target)
    switch event.kind {
    case .softirq: return event.token == softirqGen[target]
    case .sTimer: return event.token == sTimerGen[target]
    case .guestProgress: return event.token == world.guests[target].progressGen
    case .source: return event.token == world.sources[target].gen
    case .policyTimer: return event.token == policyTimerGen[target]
    case .window, .warmupEnd, .control: return true
    }
  }

  /// Remove cancelled events once they outnumber the live ones, so that the queue, and memory,
  /// stay proportional to the host's entities whatever the simulated time (a burner's activity
  /// end, re-armed at every dispatch, would otherwise pile up until the end of the run).
  func compactQueue() {
    queue.compact { isLive($0) }
    compactAt = max(Engine.minimumCompaction, 2 * queue.count)
  }

  @inline(__always) func dispatch(_ event: Event) {
    let target = Int(event.target)
    switch event.kind {
    case .softirq:
      softirqPending[target] = false
      executingPCPU = target
      doSchedule(target)
      executingPCPU = -1
    case .sTimer:
      emit(.timer(.slice(pcpu: PCPUID(target))))
      raiseSoftirq(target)
    case .guestProgress:
      world.progressEvent(target)
    case .source:
      world.sourceFired(target)
    case .policyTimer:
      policyTimerGen[target] &+= 1
      emit(.timer(.policy(TimerID(target))))
      policy.timerFired(TimerID(target), now: now)
    case .window:
      closeWindow()
      queue.push(time: now + config.windowNs, kind: .window, target: 0)
    case .warmupEnd:
      flushAccounting()
      metrics.reset(at: now)
      idleWait?.reset(at: now)
      world.resetMetrics()
      statistics?.resetCounters()
    case .control:
      controlActions[target].1(self)
    }
  }

  /// Xen's initial placement: vCPU 0 of a domain on the first pCPU of its affinity, vCPU n on the
  /// next allowed pCPU after vCPU n−1's.
  func placeInitialProcessors() {
    for d in config.domains.indices {
      let first = domainFirstVCPU[d]
      var previous: PCPUID?
      for v in first..<(first + config.domains[d].vcpus) {
        let mask = affinity[v]
        let cpu = previous.flatMap { mask.cycle(after: $0) } ?? mask.first!
        processor[v] = cpu.rawValue
        previous = cpu
      }
    }
  }

  /// Account every vCPU's current runstate and every idle pCPU up to now.
  func flushAccounting() {
    for v in runstate.indices {
      metrics.runstateNs[v][Int(runstate[v].rawValue)] += now - runstateSince[v]
      runstateSince[v] = now
    }
    for p in current.indices where current[p] < 0 {
      metrics.idleNs[p] += now - idleSince[p]
      idleSince[p] = now
    }
  }

  /// Running time of every vCPU since the last flush, including the current stretch.
  @inline(__always) func runningNs(_ v: Int) -> Int64 {
    metrics.runstateNs[v][0] + (runstate[v] == .running ? now - runstateSince[v] : 0)
  }

  func closeWindow() {
    guard now > metrics.measureStart else { return }
    let window = Double(config.windowNs)
    var domainRun = Array(repeating: Int64(0), count: config.domains.count)
    for v in runstate.indices {
      let total = runningNs(v)
      let delta = total - metrics.windowBaseNs[v]
      metrics.windowBaseNs[v] = total
      metrics.vcpuWindows[v].add(Double(delta) / window)
      domainRun[Int(vDomain[v])] += delta
    }
    for d in domainRun.indices { metrics.domainWindows[d].add(Double(domainRun[d]) / window) }
    world.closeWindow(seconds: window / 1e9)
  }

  /// End the run: flush the accounting and assemble the result.
  public func finish() -> RunResult {
    flushAccounting()
    idleWait?.finish(now: now)
    return makeResult()
  }
}
