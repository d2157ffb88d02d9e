public import SchedLabCore

/// `rtds`: Xen's real-time deferrable-server scheduler (`xen/common/sched/rt.c`), global preemptive
/// EDF over (priority level, deadline).
///
/// Design, following `rt.c`:
/// - **Units are deferrable servers.** Each vCPU has a period, a budget and an extratime flag
///   (defaults 10 ms, 4 ms, on). Its deadline is the end of its current period; at the deadline its
///   budget is refilled and its priority level reset to 0 (`rt_update_deadline`). Budget burns only
///   while it runs and is kept while it blocks; what is left at the deadline is lost.
/// - **Burning** (`burn_budget`, at every scheduling decision): a unit that used up its budget
///   either, with extratime, drops one priority level (saturating: it must never wrap back to level
///   0) and gets a fresh budget, or, without, is *depleted* until its next deadline.
/// - **Three global queues**: the runqueue (units with budget or extratime, ordered by priority
///   level, then deadline, FIFO on ties), the depleted queue (unordered, newest first), and the
///   replenishment queue with one timer armed at its head's deadline. The replenishment queue is
///   ordered with the same comparison as the runqueue, level included, as in Xen (see the note).
/// - **Schedule** (`rt_schedule`): burn the current unit's budget; take the first runqueue unit
///   allowed on this pCPU; keep the current one instead if it is runnable, has budget and compares
///   strictly higher. The slice is the chosen unit's remaining budget; idle has no timer. A unit
///   switched out while runnable goes back to a queue when its context is saved.
/// - **Tickle** (`runq_tickle`): among the pCPUs of the unit's affinity not already tickled, its own
///   pCPU first, an idle one; else the one running the lowest-priority unit, if the new unit beats it.
/// - **Wake** (`rt_unit_wake`): past its deadline, a unit is replenished first; it joins the
///   replenishment queue and a queue, and tickles. A blocked unit leaves the replenishment queue
///   when its context is saved.
/// - **Replenishment** (`repl_timer_handler`): every unit whose deadline has come is replenished and
///   requeued; a replenished running unit that the runqueue's head now beats makes the head tickle;
///   a replenished unit that was depleted and is queued tickles.
///
/// Deviations (each deliberate): scheduling granularity is one vCPU; there are no cpupools (one pool,
/// the host); admission control (`RTDS_UTIL_CAP_PCT`, in recent `rt.c`, refusing units whose
/// budgets would sum over the pool's pCPUs) is not modelled — oversubscribed budgets are allowed, as
/// released Xen allows them; periods are capped at a day; `sched_adjust`'s weight and cap do not
/// exist in RTDS and are refused (Xen's RTDS `adjust` reads only period and budget).
///
/// Note (faithful, worth reporting upstream): the replenishment queue is ordered by the runqueue's
/// comparison, so a unit that blocks at a priority level above 0 and wakes before its deadline is
/// queued behind every level-0 unit whatever their deadlines, and its replenishment waits for
/// theirs (`RTDSTests.replenishmentWaitsBehindLevelZeroUnits`).
public final class RTDSScheduler: SchedulerPolicy, PolicyStatistics, ControllablePolicy {
  public static let descriptor = PolicyDescriptor(
    name: "rtds", summary: "Xen's RTDS: per-vCPU budget/period deferrable servers, global EDF, extratime",
    weights: .equal, parameters: RTDSScheduler.unitSpecs, controlOps: RTDSScheduler.controlOps,
    domainParameters: RTDSScheduler.unitSpecs, parameterRule: RTDSScheduler.checkSet,
    guarantees: { RTDSScheduler.guarantees($0, domain: $1, vcpus: $2) }, guaranteeSemantics: .additive,
    make: { RTDSScheduler(configuration: $0) })

  public let name = "rtds"
  var context: SchedContext!
  let configuration: PolicyConfiguration

  /// Which queue a unit is on (Xen's `q_elem`: at most one of the two).
  enum Queue { case none, run, depleted }

  // MARK: Per-unit state (struct rt_unit), indexed by VCPUID
  var periodNs: [Int64] = []
  var budgetNs: [Int64] = []
  var extratime: [Bool] = []
  var curBudget: [Int64] = []
  var curDeadline: [Int64] = []
  var lastStart: [Int64] = []
  var level: [UInt32] = []
  /// `RTDS_scheduled`: running on, or being switched off, a pCPU.
  var scheduled: [Bool] = []
  /// `RTDS_delayed_runq_add`: requeue when its context is saved.
  var delayedRunqAdd: [Bool] = []
  /// `RTDS_depleted`: ran out of budget without extratime.
  var depleted: [Bool] = []
  var queue: [Queue] = []
  var onReplq: [Bool] = []

  // MARK: Global state (struct rt_private)
  /// Runnable units with budget or extratime, highest priority first.
  var runq: [Int] = []
  /// Units without budget, newest first.
  var depletedq: [Int] = []
  /// Units waiting for a replenishment, ordered like the runqueue.
  var replq: [Int] = []
  var tickled = CPUMask()
  var replTimer = TimerID(-1)

  // MARK: Metrics
  var stats = Counters<RTDSCounter>()
  var unitStats: [Counters<RTDSUnitCounter>] = []

  public init(configuration: PolicyConfiguration) { self.configuration = configuration }

  public func initialize(context: SchedContext) {
    self.context = context
    let n = context.vcpuCount
    periodNs = []
    budgetNs = []
    extratime = []
    for v in 0..<n {
      let set = configuration.domain(context.domain(of: VCPUID(v)).index)
      periodNs.append(Nanos.us(set.integer("period_us")))
      budgetNs.append(Nanos.us(set.integer("budget_us")))
      extratime.append(set.boolean("extratime"))
    }
    curBudget = Array(repeating: 0, count: n)
    curDeadline = Array(repeating: 0, count: n)
    lastStart = Array(repeating: 0, count: n)
    level = Array(repeating: 0, count: n)
    scheduled = Array(repeating: false, count: n)
    delayedRunqAdd = Array(repeating: false, count: n)
    depleted = Array(repeating: false, count: n)
    queue = Array(repeating: .none, count: n)
    onReplq = Array(repeating: false, count: n)
    runq.reserveCapacity(n)
    depletedq.reserveCapacity(n)
    replq.reserveCapacity(n)
    unitStats = Array(repeating: Counters(), count: n)
    replTimer = context.createTimer()
  }

  public func timerFired(_ timer: TimerID, now: Int64) {
    precondition(timer == replTimer, "rtds: \(timer) is not the replenishment timer")
    replenish(now: now)
  }

  /// Xen's RTDS has no weights or caps: `xl sched-rtds` sets periods and budgets.
  public func adjust(_ domain: DomainID, weight: Int?, capPercent: Int?, now: Int64) throws(PolicyError) {
    throw PolicyError("rtds has no weight or cap; set period and budget (rtds_set)")
  }

  // MARK: Statistics

  public func counters() -> [PolicyCounter] { stats.reported }

  public func vcpuCounters(_ vcpu: VCPUID, now: Int64) -> [PolicyCounter] { unitStats[vcpu.index].reported }

  public func resetCounters() {
    stats = Counters()
    for v in unitStats.indices { unitStats[v] = Counters() }
  }

  public func dump(now: Int64) -> String {
    func unit(_ v: Int) -> String {
      "v\(v)(b \(curBudget[v]), d \(curDeadline[v]), l \(level[v])\(extratime[v] ? ", x" : ""))"
    }
    return [
      "rtds: tickled \(tickled)",
      "  runq: " + runq.map(unit).joined(separator: " "),
      "  depletedq: " + depletedq.map(unit).joined(separator: " "),
      "  replq: " + replq.map(unit).joined(separator: " "),
    ].joined(separator: "\n")
  }
}

/// RTDS's host-wide counters, in report order: tickles of an idle pCPU, of a busy one, and wakes that
/// tickled nobody (Xen's `tickled_idle_cpu`, `tickled_busy_cpu`, `tickled_no_cpu`), and replenishments.
enum RTDSCounter: Int, CounterKey {
  case tickledIdleCpu, tickledBusyCpu, tickledNoCpu, replenishments
}

/// Per-unit counters: run time at level 0 (within budget) and above (extratime), budget
/// exhaustions with extratime (demotions) and without (depletions).
enum RTDSUnitCounter: Int, CounterKey {
  case budgetNs, extratimeNs, demotions, depletions
}
