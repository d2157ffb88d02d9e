public import SchedLabCore

/// `sfq`: start-time fair queueing across the pCPUs, with short quanta. Not a Xen scheduler: a
/// reference for what weighted fairness can reach on the workload as it arrives. The oracle's ideal
/// is max-min fairness over each domain's *average* demand, computed as if every domain could be
/// served whenever it liked; a scheduler reaches it only where that holds. A vCPU that sleeps often
/// cannot bank the time it slept (no fair scheduler lets it, or a sleeper could save up and hog), so
/// a short sleeper next to a burner gets less than its ideal under any of them. Searching another
/// policy with `--reference sfq` keeps only the failures this scheduler does not share, or shares
/// by less than half: the policy's own, not the oracle's.
///
/// Design. Each vCPU has a virtual time that advances by its run time × 256 / its weight (the
/// domain's weight, per vCPU, as credit and credit2 count it), and keeps it while it stays
/// runnable, so a low-weight vCPU that ran alone on a spare pCPU yields later (long-run weighted
/// fairness, as the oracle counts it). A vCPU that wakes starts no earlier than the least virtual
/// time among the runnable vCPUs (a sleeper banks nothing: SFQ's start tag). One global queue: a
/// pCPU that schedules runs the queued vCPU with the least virtual time its hard affinity allows,
/// for one quantum (`quantum_us`, default 100 µs), and requeues the one it stops. A waker goes to
/// an idle pCPU it may use, or else preempts the running vCPU furthest ahead in virtual time if it
/// is behind it by more than a quantum's worth.
///
/// Limitations. Caps, yields and guest hints are ignored; the queue is scanned (O(vCPUs) per
/// decision and wake), which suits the small hosts a search draws. On the realistic host model a
/// 100 µs quantum and a global queue pay a context switch and often a migration per quantum: it is a
/// reference for the ideal host, not a scheduler to deploy, and it does not pass the suite's
/// Xen-specific expectations (policy counters, context-switch budgets).
public final class FairQueueScheduler: SchedulerPolicy, PolicyStatistics {
  public static let descriptor = PolicyDescriptor(
    name: "sfq",
    summary: "start-time fair queueing with 100 us quanta: weighted fairness as it can be reached (a reference)",
    weights: .perVCPU,
    parameters: [
      ParameterSpec("quantum_us", .integer(10...10_000), default: .integer(100), "time slice of each turn, in us")
    ],
    make: { FairQueueScheduler(quantumNs: Nanos.us($0.tunables.integer("quantum_us"))) })

  public let name = "sfq"
  private let quantumNs: Int64
  private var context: SchedContext!
  /// Virtual time of each vCPU, up to its last charge (ns at weight 256).
  private var vtime: [Double] = []
  /// When a running vCPU's current run began (its charge runs from here).
  private var runStart: [Int64] = []
  private var weight: [Double] = []
  private var queued: [Bool] = []
  /// pCPUs tickled whose softirq has not run yet.
  private var tickled = CPUMask()
  private var preemptions: Int64 = 0

  public init(quantumNs: Int64) { self.quantumNs = quantumNs }

  public func initialize(context: SchedContext) {
    self.context = context
    let n = context.vcpuCount
    vtime = Array(repeating: 0, count: n)
    runStart = Array(repeating: 0, count: n)
    queued = Array(repeating: false, count: n)
    weight = (0..<n).map { Double(context.weight(of: context.domain(of: VCPUID($0)))) }
  }

  public func insert(_ vcpu: VCPUID, now: Int64) {}

  /// A vCPU's virtual time now, its current run included.
  private func virtualTime(_ v: Int, now: Int64) -> Double {
    vtime[v] + (context.isRunning(VCPUID(v)) ? Double(now - runStart[v]) * 256 / weight[v] : 0)
  }

  /// The least virtual time among the runnable vCPUs other than `except` (nil: none runnable).
  private func floor(now: Int64, except: Int) -> Double? {
    var least: Double?
    for v in vtime.indices where v != except && (queued[v] || context.isRunning(VCPUID(v))) {
      let t = virtualTime(v, now: now)
      if least.map({ t < $0 }) ?? true { least = t }
    }
    return least
  }

  public func wake(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.isRunning(vcpu) || queued[v] { return }
    if let least = floor(now: now, except: v) { vtime[v] = max(vtime[v], least) }
    queued[v] = true
    let allowed = context.hardAffinity(of: vcpu)
    // An idle pCPU it may use, its own first.
    let own = context.processor(vcpu)
    func free(_ p: PCPUID) -> Bool { context.current(p) == nil && !tickled.contains(p) }
    if allowed.contains(own) && free(own) { return tickle(own) }
    var cursor = allowed.first
    while let p = cursor {
      if free(p) { return tickle(p) }
      cursor = allowed.next(atOrAfter: p.index + 1)
    }
    // Else the running vCPU furthest ahead, if the waker is behind it by more than a quantum.
    var target: PCPUID?
    var ahead = vtime[v] + Double(quantumNs) * 256 / weight[v]
    cursor = allowed.first
    while let p = cursor {
      if let current = context.current(p), !tickled.contains(p) {
        let t = virtualTime(current.index, now: now)
        if t > ahead {
          ahead = t
          target = p
        }
      }
      cursor = allowed.next(atOrAfter: p.index + 1)
    }
    if let target {
      preemptions += 1
      tickle(target)
    }
  }

  private func tickle(_ p: PCPUID) {
    tickled.insert(p)
    context.tickle(p)
  }

  public func sleep(_ vcpu: VCPUID, now: Int64) {
    queued[vcpu.index] = false
    if context.isRunning(vcpu) { context.tickle(context.processor(vcpu)) }
  }

  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    tickled.remove(pcpu)
    if let current = context.current(pcpu) {
      let c = current.index
      vtime[c] += Double(now - runStart[c]) * 256 / weight[c]
      runStart[c] = now
      if context.isRunnable(current) { queued[c] = true }
    }
    var best = -1
    for v in queued.indices where queued[v] && context.isRunnable(VCPUID(v)) {
      guard context.hardAffinity(of: VCPUID(v)).contains(pcpu) else { continue }
      // Not one that another pCPU is running (it is requeued only by its own pCPU).
      if context.isRunning(VCPUID(v)) && context.processor(VCPUID(v)) != pcpu { continue }
      if best < 0 || vtime[v] < vtime[best] { best = v }
    }
    guard best >= 0 else { return .idle }
    queued[best] = false
    runStart[best] = now
    return ScheduleDecision(next: VCPUID(best), runtimeNs: quantumNs)
  }

  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    let allowed = context.hardAffinity(of: vcpu)
    return allowed.contains(context.processor(vcpu)) ? context.processor(vcpu) : allowed.first!
  }

  public func adjust(_ d: DomainID, weight newWeight: Int?, capPercent: Int?, now: Int64) throws(PolicyError) {
    guard let newWeight else { return }
    for v in context.vcpus(of: d) { weight[v] = Double(newWeight) }
  }

  public func counters() -> [PolicyCounter] { [PolicyCounter("sfq_wake_preemptions", preemptions)] }
  public func resetCounters() { preemptions = 0 }

  public func dump(now: Int64) -> String {
    "sfq: quantum \(Nanos.format(quantumNs)), virtual times ["
      + vtime.indices.map { "v\($0) \(Format.fixed(virtualTime($0, now: now) / 1e6, 3))ms" }.joined(separator: " ")
      + "]"
  }
}
