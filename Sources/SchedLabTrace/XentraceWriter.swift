import SchedLabCore

/// Writes a run in Xen's binary trace format (`xen/include/public/trace.h`), as `xentrace` writes it:
/// per-CPU windows, each opened by a `TRC_TRACE_CPU_CHANGE` record (no TSC) giving the CPU and the
/// window's size in bytes, followed by that CPU's `t_rec` records (header: event in bits 0–27, number
/// of data words in 28–30, TSC included in 31; then the TSC, low word first; then the data words),
/// little-endian. Time is a TSC at `cpuHz` (xenalyze's default: 2.4 GHz).
///
/// Records written: runstate changes (`TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4`, data
/// `domain << 16 | vcpu`), switches, wakes, blocks, yields; credit2's own where the policy reports
/// them (tickle, runqueue position, credit burn, credit reset). Domain IDs are the scenario's domain
/// indices; the idle vCPU is domain 32767 (`DOMID_IDLE`), vCPU = the pCPU.
public final class XentraceWriter: TraceListener {
  enum Event {
    static let cpuChange: UInt32 = 0x0001_f003
    static let runstateChange: UInt32 = 0x0002_1001
    static let wake: UInt32 = 0x0002_8004
    static let yield: UInt32 = 0x0002_8005
    static let block: UInt32 = 0x0002_8006
    static let switchUnits: UInt32 = 0x0002_800a
    /// credit2 (`TRC_SCHED_CLASS_EVT(CSCHED2, n)`: 0x22000 | 1 << 9, plus n).
    static let credit2RunqPos: UInt32 = 0x0002_2202
    static let credit2CreditBurn: UInt32 = 0x0002_2203
    static let credit2Tickle: UInt32 = 0x0002_2206
    static let credit2CreditReset: UInt32 = 0x0002_2207
  }
  static let idleDomain: UInt32 = 32767
  /// Once a CPU's buffered records exceed this many bytes, every CPU's buffer is written as one window
  /// each, in CPU order, as xentrace drains all per-CPU buffers on each pass. (Writing only the full
  /// buffer let a busy CPU's windows run far ahead of a quiet one's, and xenalyze, meeting the quiet
  /// CPU's first window late, stopped with "p->current not NULL".)
  static let windowBytes = 1 << 15

  private let file: TraceFile
  private let window: ClosedRange<Int64>?
  private let cpuHz: UInt64
  private let domainOf: [UInt32]
  private let indexInDomain: [UInt32]
  private let buffers: [ByteBuffer]
  static let unknownCredit = Int64.min
  /// The last credit each vCPU reported: the start of a credit reset record, and what a burn record's
  /// delta is counted from (credit burned since the last record: ns for a unit of the runqueue's
  /// highest weight; Xen's delta is the time run).
  private var lastCredit: [Int64]
  private let output = ByteBuffer(capacity: 1 << 16)
  /// The last TSC written: records get strictly increasing TSCs, so that xenalyze, which merges the
  /// CPUs' streams by TSC, sees same-instant records (a vCPU leaving one pCPU and joining another) in
  /// the order they happened. The nudge is a cycle or two (under a nanosecond).
  private var lastTSC: UInt64 = 0
  public private(set) var records: Int64 = 0
  /// Whether the policy is of the credit2 family (its own records are credit2's), known at the
  /// first event.
  private var credit2Family: Bool?

  public init(path: String, config: SimulationConfig, cpuHz: UInt64 = 2_400_000_000, window: ClosedRange<Int64>? = nil)
    throws
  {
    file = try TraceFile(path: path)
    self.window = window
    self.cpuHz = cpuHz
    var domainOf: [UInt32] = []
    var index: [UInt32] = []
    for (d, domain) in config.domains.enumerated() {
      for i in 0..<domain.vcpus {
        domainOf.append(UInt32(d))
        index.append(UInt32(i))
      }
    }
    self.domainOf = domainOf
    indexInDomain = index
    lastCredit = Array(repeating: Self.unknownCredit, count: domainOf.count)
    buffers = (0..<config.topology.pcpuCount).map { _ in ByteBuffer(capacity: Self.windowBytes + 64) }
  }

  /// `domain << 16 | vcpu` of a vCPU, or of pCPU `cpu`'s idle vCPU.
  private func unit(_ v: VCPUID?, idleOn cpu: Int) -> UInt32 {
    guard let v else { return Self.idleDomain << 16 | UInt32(cpu) }
    return domainOf[v.index] << 16 | indexInDomain[v.index]
  }

  private func domain(_ v: VCPUID?) -> UInt32 { v.map { domainOf[$0.index] } ?? Self.idleDomain }
  private func vcpu(_ v: VCPUID?, idleOn cpu: Int) -> UInt32 { v.map { indexInDomain[$0.index] } ?? UInt32(cpu) }

  /// A record with TSC on `cpu`: the event, then up to four data words (`count` of them).
  private func emit(
    _ event: UInt32, on cpu: Int, at now: Int64, _ d0: UInt32 = 0, _ d1: UInt32 = 0, _ d2: UInt32 = 0,
    _ d3: UInt32 = 0, count: Int
  ) {
    let exact = UInt64((UInt128(UInt64(now)) * UInt128(cpuHz)) / 1_000_000_000)
    let tsc = records == 0 ? exact : max(exact, lastTSC + 1)
    lastTSC = tsc
    let b = buffers[cpu]
    b.word(event | UInt32(count) << 28 | 1 << 31)
    b.word(UInt32(truncatingIfNeeded: tsc))
    b.word(UInt32(truncatingIfNeeded: tsc >> 32))
    if count > 0 { b.word(d0) }
    if count > 1 { b.word(d1) }
    if count > 2 { b.word(d2) }
    if count > 3 { b.word(d3) }
    records += 1
    if b.count > Self.windowBytes { flushAll() }
  }

  private func flushAll() {
    for cpu in buffers.indices { flush(cpu) }
  }

  /// Write CPU `cpu`'s buffered records as one window.
  private func flush(_ cpu: Int) {
    let b = buffers[cpu]
    guard b.count > 0 else { return }
    output.word(Event.cpuChange | 2 << 28)
    output.word(UInt32(cpu))
    output.word(UInt32(b.count))
    output.append(b)
    b.removeAll()
    file.write(output)
  }

  public func record(_ event: TraceEvent, now: Int64, engine: Engine) {
    if let window, !window.contains(now) { return }
    let credit2 = credit2Family ?? engine.policy.name.hasPrefix("credit2")
    credit2Family = credit2
    switch event {
    case .runstate(let v, let from, let to):
      let cpu = engine.processor(of: v).index
      let code = Event.runstateChange | UInt32(from.rawValue & 3) << 8 | UInt32(to.rawValue & 3) << 4
      emit(code, on: cpu, at: now, unit(v, idleOn: cpu), count: 1)
    case .switched(let pcpu, let from, let to):
      let cpu = pcpu.index
      emit(
        Event.switchUnits, on: cpu, at: now, domain(from), vcpu(from, idleOn: cpu), domain(to), vcpu(to, idleOn: cpu),
        count: 4)
    case .woken(let v, _):
      let cpu = engine.processor(of: v).index
      emit(Event.wake, on: cpu, at: now, domain(v), vcpu(v, idleOn: cpu), count: 2)
    case .blocked(let v):
      let cpu = engine.processor(of: v).index
      emit(Event.block, on: cpu, at: now, domain(v), vcpu(v, idleOn: cpu), count: 2)
    case .yielded(let v):
      let cpu = engine.processor(of: v).index
      emit(Event.yield, on: cpu, at: now, domain(v), vcpu(v, idleOn: cpu), count: 2)
    case .tickled(let pcpu, _):
      guard credit2 else { return }
      emit(Event.credit2Tickle, on: pcpu.index, at: now, UInt32(pcpu.index), count: 1)
    case .policy(let p):
      guard credit2, let v = p.vcpu else { return }
      let cpu = engine.processor(of: v).index
      let value = UInt32(bitPattern: Int32(clamping: p.value))
      switch (p.name, p.detail) {
      case ("credit", "reset"):
        let previous = lastCredit[v.index] == Self.unknownCredit ? p.value : lastCredit[v.index]
        let start = UInt32(bitPattern: Int32(clamping: previous))
        emit(Event.credit2CreditReset, on: cpu, at: now, unit(v, idleOn: cpu), start, value, count: 3)
        lastCredit[v.index] = p.value
      case ("credit", _):
        let previous = lastCredit[v.index] == Self.unknownCredit ? p.value : lastCredit[v.index]
        let delta = UInt32(bitPattern: Int32(clamping: previous - p.value))
        emit(
          Event.credit2CreditBurn, on: cpu, at: now, unit(v, idleOn: cpu), value, UInt32(bitPattern: -1), delta,
          count: 4)
        lastCredit[v.index] = p.value
      case ("runq_pos", _):
        emit(Event.credit2RunqPos, on: cpu, at: now, unit(v, idleOn: cpu), value, count: 2)
      default:
        break
      }
    case .scheduled, .interrupt, .migrated, .timer, .control, .jobCompleted:
      break
    }
  }

  /// Write every CPU's pending window and close the file; returns its size in bytes.
  public func finish() -> Int64 {
    flushAll()
    file.close()
    return file.written
  }
}
