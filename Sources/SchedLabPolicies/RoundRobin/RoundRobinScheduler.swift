public import SchedLabCore

/// `rr`: a plain round-robin policy, the example of how to write a SchedLab policy.
///
/// Design. One global FIFO runqueue for the whole host. A waking vCPU goes to the tail and the
/// policy tickles an idle pCPU that its hard affinity allows and that no earlier tickle has claimed
/// (its own pCPU first), if any. When a pCPU schedules, a still-runnable current vCPU goes to the
/// tail, and the pCPU takes the first queued vCPU its hard affinity allows, for at most
/// `tslice_us`; if vCPUs are still waiting, it passes the word on to an idle, untickled pCPU (the
/// way Linux's `scx_simple` kicks an idle CPU), so no pCPU idles while work it may run waits.
/// Weights and caps are ignored.
///
/// How it maps to the ops table: `insert` does nothing (the engine's initial placement stands);
/// `wake` enqueues and tickles; `schedule` requeues and dequeues; `yield` needs nothing, since a
/// yielding vCPU goes to the tail anyway. Compare `tools/sched_ext/scx_simple.bpf.c`, which has the
/// same shape in Linux.
///
/// Limitations. Scanning the queue for an allowed vCPU is O(queue length); there is no ratelimit,
/// no migration resistance and no notion of credit, so it is fair only between always-runnable
/// vCPUs with no affinity.
public final class RoundRobinScheduler: SchedulerPolicy, PolicyStatistics {
  public static let descriptor = PolicyDescriptor(
    name: "rr", summary: "global FIFO round-robin with a fixed time slice (teaching example)", weights: .equal,
    parameters: [
      ParameterSpec(
        "tslice_us", .integer(100...1_000_000), default: .integer(10_000), "time slice of each turn, in us")
    ],
    make: { RoundRobinScheduler(sliceNs: Nanos.us($0.tunables.integer("tslice_us"))) })

  public let name = "rr"
  private let sliceNs: Int64
  private var context: SchedContext!
  /// The global runqueue: queued vCPU IDs, oldest first.
  private var queue: [VCPUID] = []
  private var queued: [Bool] = []
  /// pCPUs tickled whose softirq has not run yet: a second waker looks for another one.
  private var tickled = CPUMask()
  private var switches: Int64 = 0

  public init(sliceNs: Int64) { self.sliceNs = sliceNs }

  public func initialize(context: SchedContext) {
    self.context = context
    queued = Array(repeating: false, count: context.vcpuCount)
    queue.reserveCapacity(context.vcpuCount)
  }

  public func insert(_ vcpu: VCPUID, now: Int64) {}

  public func wake(_ vcpu: VCPUID, now: Int64) {
    if context.isRunning(vcpu) || queued[vcpu.index] { return }
    enqueue(vcpu)
    kickIdle(for: vcpu, except: nil)
  }

  /// Tickle an idle, untickled pCPU `vcpu` may run on (not `except`, the one deciding now): its
  /// own first, then the others in order. Returns whether it tickled one.
  @discardableResult
  private func kickIdle(for vcpu: VCPUID, except: PCPUID?) -> Bool {
    let allowed = context.hardAffinity(of: vcpu)
    let own = context.processor(vcpu)
    func free(_ p: PCPUID) -> Bool { p != except && context.current(p) == nil && !tickled.contains(p) }
    if allowed.contains(own) && free(own) {
      tickle(own)
      return true
    }
    var cursor = allowed.first
    while let p = cursor {
      if free(p) {
        tickle(p)
        return true
      }
      cursor = allowed.next(atOrAfter: p.index + 1)
    }
    return false
  }

  private func tickle(_ p: PCPUID) {
    tickled.insert(p)
    context.tickle(p)
  }

  public func sleep(_ vcpu: VCPUID, now: Int64) {
    if queued[vcpu.index] { remove(vcpu) }
    if context.isRunning(vcpu) { context.tickle(context.processor(vcpu)) }
  }

  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    tickled.remove(pcpu)
    let current = context.current(pcpu)
    if let current, context.isRunnable(current) { enqueue(current) }
    for (i, vcpu) in queue.enumerated() where context.hardAffinity(of: vcpu).contains(pcpu) {
      queue.remove(at: i)
      queued[vcpu.index] = false
      if vcpu != current { switches += 1 }
      // Work is still waiting: wake an idle pCPU for the first waiter that could use one.
      for waiting in queue where kickIdle(for: waiting, except: pcpu) { break }
      return ScheduleDecision(next: vcpu, runtimeNs: sliceNs)
    }
    return .idle
  }

  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    let allowed = context.hardAffinity(of: vcpu)
    return allowed.contains(context.processor(vcpu)) ? context.processor(vcpu) : allowed.first!
  }

  public func counters() -> [PolicyCounter] { [PolicyCounter("rr_switches", switches)] }
  public func resetCounters() { switches = 0 }

  public func dump(now: Int64) -> String {
    "rr: slice \(Nanos.format(sliceNs)), queue [" + queue.map(\.description).joined(separator: " ") + "]"
  }

  private func enqueue(_ vcpu: VCPUID) {
    queue.append(vcpu)
    queued[vcpu.index] = true
  }

  private func remove(_ vcpu: VCPUID) {
    if let i = queue.firstIndex(of: vcpu) { queue.remove(at: i) }
    queued[vcpu.index] = false
  }
}
