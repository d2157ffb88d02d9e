import SchedLabCore

/// Writes a run as a Perfetto trace (protobuf, `protos/perfetto/trace/`), streamed to disk.
///
/// Mapping: a domain is a process, its vCPUs are threads, pCPUs are CPUs, and the idle vCPU is pid 0
/// (`swapper/N`), so ui.perfetto.dev draws CPU tracks. Dispatches are `sched_switch` ftrace events
/// (prev_state R for a preempted vCPU, S for a blocked one) and wake-ups `sched_waking` (target CPU:
/// the vCPU's processor), in per-CPU `ftrace_events` bundles. Wake causes, interrupts, tickles,
/// control calls and the policy's own events (credit resets, boosts, de-boosts) are instant events on
/// their own tracks; a policy's per-vCPU `credit` and `boost_credit` values are counter tracks.
/// Only events inside `window` (if given) are written.
public final class PerfettoWriter: TraceListener {
  // Field numbers (perfetto_trace.proto).
  enum Field {
    static let tracePacket = 1
    static let ftraceEvents = 1, processTree = 2, timestamp = 8, sequenceID = 10, trackEvent = 11
    static let sequenceFlags = 13, trackDescriptor = 60
    static let bundleCPU = 1, bundleEvent = 2
    static let eventTimestamp = 1, eventPID = 2, schedSwitch = 4, schedWaking = 20
  }
  static let sequence: Int64 = 1
  static let incrementalStateCleared: Int64 = 1

  private let file: TraceFile
  private let window: ClosedRange<Int64>?
  private let names: [String]
  private let tids: [Int64]
  private let idleNames: [String]
  /// Event names made once (the first 1,024 sources' too), so that an event builds no string.
  private let wakeNames: [String]
  private let irqNames: [String]
  private let tickleNames: [String]
  private let sourceNames: [String]
  private let causeNames: [String]
  private let out = ProtoWriter(capacity: 1 << 18)
  private let cpuEvents: [ProtoWriter]
  /// Counter tracks created so far, by vCPU and kind (credit, boost credit).
  private var counterTracks: Set<Int64> = []
  /// Trace-bus events written (inside the window).
  public private(set) var events: Int64 = 0

  enum Track: UInt64, CaseIterable {
    case wakeups = 1
    case interrupts, tickles, controls, policy
    var name: String {
      switch self {
      case .wakeups: "wake-ups"
      case .interrupts: "interrupts"
      case .tickles: "tickles"
      case .controls: "control calls"
      case .policy: "policy"
      }
    }
  }

  /// Start the trace at `path` for a run of `config`.
  public init(path: String, config: SimulationConfig, window: ClosedRange<Int64>? = nil) throws {
    file = try TraceFile(path: path)
    self.window = window
    let stride = Self.stride(config)
    var names: [String] = []
    var tids: [Int64] = []
    for (d, domain) in config.domains.enumerated() {
      for i in 0..<domain.vcpus {
        names.append("\(domain.name)/v\(i)")
        tids.append(Int64(d + 1) * stride + Int64(i) + 1)
      }
    }
    self.names = names
    self.tids = tids
    idleNames = (0..<config.topology.pcpuCount).map { "swapper/\($0)" }
    wakeNames = names.map { "wake \($0): " }
    irqNames = names.map { "irq → \($0): source " }
    tickleNames = (0..<config.topology.pcpuCount).map { "tickle cpu\($0)" }
    sourceNames = (0..<1024).map { "\($0)" }
    causeNames = (0..<1024).map { "interrupt \($0)" }
    cpuEvents = (0..<config.topology.pcpuCount).map { _ in ProtoWriter(capacity: 1 << 15) }
    writeHeader(config, stride: stride)
  }

  /// Process IDs: domain d is (d + 1) × stride, its vCPU i the thread stride × (d + 1) + i + 1.
  static func stride(_ config: SimulationConfig) -> Int64 {
    var stride: Int64 = 1000
    let widest = config.domains.map(\.vcpus).max() ?? 1
    while stride <= Int64(widest) + 1 { stride *= 10 }
    return stride
  }

  private func writeHeader(_ config: SimulationConfig, stride: Int64) {
    out.begin(Field.tracePacket)
    out.int(Field.sequenceID, Self.sequence)
    out.int(Field.sequenceFlags, Self.incrementalStateCleared)
    out.begin(Field.processTree)
    var v = 0
    for (d, domain) in config.domains.enumerated() {
      out.begin(1)  // processes
      out.int(1, Int64(d + 1) * stride)  // pid
      out.int(2, 0)  // ppid
      out.string(3, domain.name)  // cmdline
      out.end()
      for _ in 0..<domain.vcpus {
        out.begin(2)  // threads
        out.int(1, tids[v])  // tid
        out.string(2, names[v])  // name
        out.int(3, Int64(d + 1) * stride)  // tgid
        out.end()
        v += 1
      }
    }
    out.end()
    out.end()
    for track in Track.allCases { describeTrack(uuid: track.rawValue, name: track.name, counter: false) }
  }

  private func describeTrack(uuid: UInt64, name: String, counter: Bool) {
    out.begin(Field.tracePacket)
    out.int(Field.sequenceID, Self.sequence)
    out.begin(Field.trackDescriptor)
    out.uint(1, uuid)
    out.string(2, name)
    if counter {
      out.begin(8)
      out.end()
    }
    out.end()
    out.end()
  }

  public func record(_ event: TraceEvent, now: Int64, engine: Engine) {
    if let window, !window.contains(now) { return }
    events += 1
    switch event {
    case .switched(let pcpu, let from, let to):
      let prevState: Int64 = from.map { engine.runstate(of: $0) == .blocked ? 1 : 0 } ?? 0
      let w = cpuEvents[pcpu.index]
      w.begin(Field.bundleEvent)
      w.uint(Field.eventTimestamp, UInt64(now))
      w.int(Field.eventPID, from.map { tids[$0.index] } ?? 0)
      w.begin(Field.schedSwitch)
      w.string(1, from.map { names[$0.index] } ?? idleNames[pcpu.index])
      w.int(2, from.map { tids[$0.index] } ?? 0)
      w.int(3, 120)
      w.int(4, prevState)
      w.string(5, to.map { names[$0.index] } ?? idleNames[pcpu.index])
      w.int(6, to.map { tids[$0.index] } ?? 0)
      w.int(7, 120)
      w.end()
      w.end()
      flushCPU(pcpu.index, ifOver: 1 << 14)
    case .woken(let vcpu, let cause):
      let cpu = engine.processor(of: vcpu).index
      let w = cpuEvents[cpu]
      w.begin(Field.bundleEvent)
      w.uint(Field.eventTimestamp, UInt64(now))
      w.int(Field.eventPID, engine.current(on: PCPUID(cpu)).map { tids[$0.index] } ?? 0)
      w.begin(Field.schedWaking)
      w.string(1, names[vcpu.index])
      w.int(2, tids[vcpu.index])
      w.int(3, 120)
      w.int(4, 1)
      w.int(5, Int64(cpu))
      w.end()
      w.end()
      flushCPU(cpu, ifOver: 1 << 14)
      let why: String
      switch cause {
      case .boot: why = "boot"
      case .interrupt(let source): why = source < causeNames.count ? causeNames[source] : "interrupt \(source)"
      case .guest: why = "guest"
      }
      instant(.wakeups, wakeNames[vcpu.index], why, at: now)
    case .interrupt(let vcpu, let source):
      instant(
        .interrupts, irqNames[vcpu.index], source < sourceNames.count ? sourceNames[source] : "\(source)", at: now)
    case .tickled(let pcpu, let ipi):
      instant(.tickles, tickleNames[pcpu.index], ipi ? " (IPI)" : "", at: now)
    case .control(let record):
      instant(.controls, record.call.op, " → \(record.outcome)", at: now)
    case .policy(let p):
      if let v = p.vcpu, p.name == "credit" || p.name == "boost_credit" {
        counter(vcpu: v.index, boost: p.name == "boost_credit", value: p.value, at: now)
      } else {
        let who = p.vcpu.map { " " + names[$0.index] } ?? ""
        instant(.policy, p.name, who + (p.detail.isEmpty ? "" : " (\(p.detail))"), at: now)
      }
    case .runstate, .scheduled, .blocked, .yielded, .migrated, .timer, .jobCompleted:
      break
    }
    if out.count > 1 << 18 { flushOut() }
  }

  /// An instant event named `name` + `suffix` on `track`.
  private func instant(_ track: Track, _ name: String, _ suffix: String, at now: Int64) {
    out.begin(Field.tracePacket)
    out.uint(Field.timestamp, UInt64(now))
    out.int(Field.sequenceID, Self.sequence)
    out.begin(Field.trackEvent)
    out.int(9, 3)  // TYPE_INSTANT
    out.uint(11, track.rawValue)
    out.string(23, name, suffix)
    out.end()
    out.end()
  }

  private func counter(vcpu v: Int, boost: Bool, value: Int64, at now: Int64) {
    let uuid = Int64(1000 + 2 * v + (boost ? 1 : 0))
    if counterTracks.insert(uuid).inserted {
      describeTrack(uuid: UInt64(uuid), name: "\(boost ? "boost credit" : "credit") \(names[v])", counter: true)
    }
    out.begin(Field.tracePacket)
    out.uint(Field.timestamp, UInt64(now))
    out.int(Field.sequenceID, Self.sequence)
    out.begin(Field.trackEvent)
    out.int(9, 4)  // TYPE_COUNTER
    out.uint(11, UInt64(uuid))
    out.int(30, value)
    out.end()
    out.end()
  }

  /// Write CPU `cpu`'s pending events as one `ftrace_events` bundle once they exceed `limit` bytes.
  private func flushCPU(_ cpu: Int, ifOver limit: Int) {
    guard cpuEvents[cpu].count > limit else { return }
    out.begin(Field.tracePacket)
    out.int(Field.sequenceID, Self.sequence)
    out.begin(Field.ftraceEvents)
    out.int(Field.bundleCPU, Int64(cpu))
    out.append(cpuEvents[cpu])
    out.end()
    out.end()
    cpuEvents[cpu].removeAll()
  }

  private func flushOut() { file.write(out.buffer) }

  /// Write what is pending and close the file; returns its size in bytes.
  public func finish() -> Int64 {
    for cpu in cpuEvents.indices { flushCPU(cpu, ifOver: 0) }
    flushOut()
    file.close()
    return file.written
  }
}
