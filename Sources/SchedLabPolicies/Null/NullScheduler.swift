public import SchedLabCore

/// `null`: Xen's null scheduler (`xen/common/sched/null.c`), for static set-ups with no more vCPUs than
/// pCPUs: each pCPU runs one assigned vCPU or nothing, with no time slice and no scheduling decision
/// beyond "is my vCPU runnable?".
///
/// Design, following `null.c`:
/// - **Assignment** happens on insert (and on migration): a vCPU takes its own pCPU if that is free
///   and in its hard affinity, else the first free pCPU of its affinity; if none is free it waits in
///   a FIFO wait queue. An assigned vCPU keeps its pCPU whether it runs or blocks: a blocked vCPU's
///   pCPU idles.
/// - **Wake**: an assigned vCPU raises its pCPU's softirq; a vCPU in the wait queue stays there.
/// - **Schedule**: run the assigned vCPU if it is runnable, else idle, with no slice timer. A pCPU
///   with nothing assigned first takes the first waiting vCPU its affinity allows.
/// - **Migration** (`pickResource`, `migrate`): a vCPU leaving its pCPU frees it, and the first
///   waiting vCPU that may run there is assigned to it and its softirq raised.
///
/// Consequences SchedLab makes visible: with more vCPUs than pCPUs the waiting ones never run
/// (nothing here removes a vCPU); weights and caps mean nothing (`adjust` accepts and ignores them,
/// as Xen's null has no `adjust` hook to refuse them); a vCPU runs with no scheduling latency but its
/// pCPU is wasted whenever it blocks. Soft affinity is not modelled (SchedLab has none).
public final class NullScheduler: SchedulerPolicy, PolicyStatistics {
  public static let descriptor = PolicyDescriptor(
    name: "null", summary: "Xen's null: one vCPU per pCPU, statically assigned; the rest wait", weights: .equal,
    parameters: [], make: { _ in NullScheduler() })

  public let name = "null"
  private var context: SchedContext!
  /// The vCPU assigned to each pCPU (-1: free).
  private var assigned: [Int] = []
  private var free = CPUMask()
  /// vCPUs with no pCPU, oldest first.
  private var waitq: [Int] = []
  private var assignments: Int64 = 0

  public init() {}

  public func initialize(context: SchedContext) {
    self.context = context
    assigned = Array(repeating: -1, count: context.pcpuCount)
    free = CPUMask.first(context.pcpuCount)
  }

  private func assign(_ v: Int, to p: PCPUID) {
    assigned[p.index] = v
    free.remove(p)
    context.setProcessor(VCPUID(v), p)
    assignments += 1
  }

  /// Assign free pCPU `p` to the first waiting vCPU that may run there; returns whether one did.
  private func takeWaiter(for p: PCPUID) -> Bool {
    guard let i = waitq.firstIndex(where: { context.hardAffinity(of: VCPUID($0)).contains(p) }) else { return false }
    assign(waitq.remove(at: i), to: p)
    return true
  }

  /// `null_unit_insert` with `pick_res`: the vCPU's own pCPU if free and allowed, else the first
  /// free pCPU it may use, else the wait queue.
  public func insert(_ vcpu: VCPUID, now: Int64) {
    let allowed = context.hardAffinity(of: vcpu)
    let own = context.processor(vcpu)
    if allowed.contains(own) && free.contains(own) {
      assign(vcpu.index, to: own)
    } else if let p = allowed.intersection(free).first {
      assign(vcpu.index, to: p)
    } else {
      waitq.append(vcpu.index)
    }
  }

  public func wake(_ vcpu: VCPUID, now: Int64) {
    let p = context.processor(vcpu)
    if context.isRunning(vcpu) || waitq.contains(vcpu.index) { return }
    if assigned[p.index] == vcpu.index { context.tickle(p) }
  }

  public func sleep(_ vcpu: VCPUID, now: Int64) {
    if context.isRunning(vcpu) { context.tickle(context.processor(vcpu)) }
  }

  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    if assigned[pcpu.index] < 0 { _ = takeWaiter(for: pcpu) }
    let v = assigned[pcpu.index]
    guard v >= 0, context.isRunnable(VCPUID(v)) else { return .idle }
    return ScheduleDecision(next: VCPUID(v), runtimeNs: -1)
  }

  /// `null_res_pick`: where the vCPU is assigned, or a free pCPU it may use, or any it may use.
  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    let allowed = context.hardAffinity(of: vcpu)
    let own = context.processor(vcpu)
    if allowed.contains(own) && (assigned[own.index] == vcpu.index || free.contains(own)) { return own }
    return allowed.intersection(free).first ?? allowed.first!
  }

  /// `null_unit_migrate`: free the old pCPU (handing it to the first waiting vCPU that may run
  /// there), then take the new one if it is free, or wait.
  public func migrate(_ vcpu: VCPUID, to pcpu: PCPUID, now: Int64) {
    let v = vcpu.index
    let old = context.processor(vcpu)
    if old == pcpu { return }
    if assigned[old.index] == v {
      assigned[old.index] = -1
      free.insert(old)
      if takeWaiter(for: old) { context.tickle(old) }
    }
    waitq.removeAll { $0 == v }
    if assigned[pcpu.index] < 0 && context.hardAffinity(of: vcpu).contains(pcpu) {
      assign(v, to: pcpu)
    } else {
      waitq.append(v)
    }
  }

  public func counters() -> [PolicyCounter] {
    [PolicyCounter("null_assignments", assignments), PolicyCounter("null_waiting", Int64(waitq.count))]
  }
  public func resetCounters() { assignments = 0 }

  public func dump(now: Int64) -> String {
    "null: assigned ["
      + assigned.enumerated().map { "p\($0.offset):" + ($0.element < 0 ? "-" : "v\($0.element)") }
      .joined(separator: " ") + "], waiting [" + waitq.map { "v\($0)" }.joined(separator: " ") + "]"
  }
}
