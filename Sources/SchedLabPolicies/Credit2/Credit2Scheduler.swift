import SchedLabCore

/// `credit2`: Xen's default scheduler (`xen/common/sched/credit2.c`), reimplemented from its rules.
///
/// Design (as Xen's own narrative puts it, paraphrased). Every vCPU (unit) has credit, in
/// nanoseconds of "max-weight CPU time". Running burns credit at a rate inversely proportional to
/// weight: the heaviest unit of a runqueue burns 1 credit per ns, one of half its weight 2 per ns.
/// Each runqueue keeps its runnable units sorted by credit and the pCPU runs the one with the most.
/// When the best runnable unit has no credit left, every unit of the runqueue gets CREDIT_INIT
/// (10 ms) more, clipped to 10.5 ms, so at most 500 us of surplus carries into the new epoch and
/// deficits carry over in full. There is no tick and no priority class: latency comes from a waking
/// unit holding more credit than the running ones, which it will, if it ran less than its share.
/// A slice lasts until the running unit's credit would fall to the next waiter's, within
/// [500 us, 10 ms], and ratelimit (1 ms) stops a freshly dispatched unit being preempted at once.
///
/// Mapping to the source (functions named after Xen's):
/// - `Credit2Scheduler+Credit.swift`: `t2c_update`, `c2t`, `burn_credits`, `reset_credit`,
///   `csched2_runtime`.
/// - `Credit2Scheduler+Schedule.swift`: `csched2_schedule`, `runq_candidate`.
/// - `Credit2Scheduler+Wake.swift`: `csched2_unit_wake`, `runq_tickle`, `tickle_score`,
///   `csched2_unit_sleep`, `csched2_unit_yield`, `csched2_context_saved`.
/// - `Credit2Scheduler+Runqueues.swift`: `cpu_add_to_runqueue`, `runq_insert`/`runq_remove`,
///   `runq_assign`/`runq_deassign`, `update_max_weight`, `csched2_res_pick`, `migrate`.
/// - `Credit2Scheduler+Load.swift`: `update_runq_load`, `update_svc_load`, `balance_load`.
/// - `Credit2Scheduler+Cap.swift`: budgets, parking, replenishment (`unit_grab_budget`,
///   `unit_return_budget`, `replenish_domain_budget`).
///
/// Deviations from Xen (each deliberate):
/// 1. Scheduling granularity is one vCPU (`sched-gran=cpu`); no core/socket co-scheduling.
/// 2. Soft affinity is not modelled: every soft-affinity step, bonus and preemption test is absent
///    (Xen skips them too when no soft affinity is set, the common case).
/// 3. Locks always succeed: the try-locks of `balance_load` and `res_pick` never fail, so their
///    fallback paths never run. There are no tasklets, so the idle unit runs only for lack of work.
/// 4. Credit is kept in 64-bit integers (Xen: `int`); with the floor at -10 ms and the clip at
///    10.5 ms the values are the same.
/// 5. Context save is instantaneous, so `scheduled` is set only between the decision and the
///    switch within one softirq; a wake during that window cannot happen.
/// 6. `inflight_credit` (default true) selects Xen ≥ 4.21's slice rule (commit `ae648e9f80`);
///    false gives the ≤ 4.20 behaviour where two busy units alternate in ~10 ms slices.
///
/// Cost at scale (kept, because it is Xen's). `valgrind --tool=callgrind schedlab bench --child
/// --case host-256x4096 --seconds 2` (256 pCPUs in 16-pCPU runqueues, 4,096 vCPUs; 21.2 G
/// instructions): `runq_insert` 13% (a sorted insert into the runqueue's list: O(runnable units),
/// and these runqueues hold ~250 units each), `balance_load` 6% (every runqueue's load against this
/// one's: O(runqueues)), `runq_tickle` and `tickle_score` 6% (every busy, untickled pCPU of the
/// runqueue scored on each wake-up that finds no idle one: O(pCPUs per runqueue); 11% on a mix with
/// more short wakers). Ours, and already trimmed: the engine's event heap 32%, uniqueness checks of
/// array writes 3%; reference counting across the policy/engine boundary is gone (it was 18%).
///
/// Extension: the class is final and generic over a ``Credit2Extension`` (boost is one, composed,
/// not a subclass); `Credit2` is credit2 itself.
final class Credit2Scheduler<Ext: Credit2Extension>: SchedulerPolicy, PolicyStatistics {
  /// The registry name it was made under.
  let name: String
  /// The extension: boost, or nothing (``PlainCredit2``).
  let ext: Ext
  /// Whether the extension may ever boost a unit. Read once: the policy's entry points are not
  /// specialised for their extension (the engine calls them through the protocol), so the ranking
  /// code tests this flag before asking the extension, and plain credit2 pays one branch.
  let mayBoost: Bool
  /// Boost state credit2 reads (the extension's; empty unless `mayBoost`).
  let boost: BoostTable
  var context: SchedContext!

  // MARK: Tunables
  let ratelimitNs: Int64
  let migrateResistNs: Int64
  let capPeriodNs: Int64
  let arrangement: RunqueueArrangement
  let maxCPUsPerRunqueue: Int
  let loadWindowShift: Int64
  let loadPrecisionShift: Int64
  let balanceUnder: Int64
  let balanceOver: Int64
  let smtPowerSavings: Bool
  let inflightCredit: Bool

  // MARK: Per-unit state (Xen's struct csched2_unit), indexed by VCPUID.
  var credit: [Int64] = []
  var residual: [Int64] = []
  var startTime: [Int64] = []
  var unitRunqueue: [Int] = []  // -1: not assigned
  var onRunq: [Bool] = []
  var scheduled: [Bool] = []
  var delayedRunqAdd: [Bool] = []
  var yieldFlag: [Bool] = []
  var pinned: [Bool] = []
  var tickledCPU: [Int] = []
  var migrateRequest: [Bool] = []
  var migrateTarget: [Int] = []
  var unitLoad: [Int64] = []
  var unitLoadLast: [Int64] = []
  var budget: [Int64] = []
  var budgetQuota: [Int64] = []
  /// The unit's weight (its domain's) and whether its domain is capped, kept flat for the hot path.
  var unitWeight: [Int64] = []
  var unitCapped: [Bool] = []
  // MARK: Per-pCPU state
  var cpuRunqueue: [Int] = []
  var inflight: [Int64] = []

  /// credit2's timers: one per domain, for its cap's budget replenishment.
  enum TimerPurpose { case replenish(domain: Int) }
  var timers = TimerTable<TimerPurpose>()

  // MARK: Runqueues and domains
  var runqueues: [Runqueue] = []
  /// Each runqueue's `max_weight` (at least 1), kept flat for the hot path.
  var rqMaxWeight: [Int64] = []
  var domains: [DomainState] = []

  // MARK: Counters (Xen's SCHED_STAT_CRANK names where there is one)
  var stats = Counters<Credit2Counter>()

  init(parameters: ParameterSet, name: String, extension ext: Ext) {
    self.name = name
    self.ext = ext
    mayBoost = Ext.boosts
    boost = ext.table ?? BoostTable()
    ratelimitNs = Nanos.us(parameters.integer("ratelimit_us"))
    migrateResistNs = Nanos.us(parameters.integer("migrate_resist_us"))
    capPeriodNs = Nanos.ms(parameters.integer("cap_period_ms"))
    arrangement = parameters.choice("runqueue", as: RunqueueArrangement.self)
    maxCPUsPerRunqueue = Int(parameters.integer("max_cpus_runqueue"))
    loadWindowShift = parameters.integer("load_window_shift")
    loadPrecisionShift = parameters.integer("load_precision_shift")
    balanceUnder = parameters.integer("balance_under")
    balanceOver = parameters.integer("balance_over")
    smtPowerSavings = parameters.boolean("smt_power_savings")
    inflightCredit = parameters.boolean("inflight_credit")
  }

  public func initialize(context: SchedContext) {
    self.context = context
    let n = context.vcpuCount
    credit = Array(repeating: Credit2Constants.creditInit, count: n)
    residual = Array(repeating: 0, count: n)
    startTime = Array(repeating: 0, count: n)
    unitRunqueue = Array(repeating: -1, count: n)
    onRunq = Array(repeating: false, count: n)
    scheduled = Array(repeating: false, count: n)
    delayedRunqAdd = Array(repeating: false, count: n)
    yieldFlag = Array(repeating: false, count: n)
    pinned = (0..<n).map { context.hardAffinity(of: VCPUID($0)).count == 1 }
    tickledCPU = Array(repeating: -1, count: n)
    migrateRequest = Array(repeating: false, count: n)
    migrateTarget = Array(repeating: -1, count: n)
    unitLoad = Array(repeating: (1 << loadPrecisionShift) / 2, count: n)
    unitLoadLast = Array(repeating: 0, count: n)
    budget = Array(repeating: Int64.max, count: n)
    budgetQuota = Array(repeating: 0, count: n)
    unitWeight = (0..<n).map { Int64(context.weight(of: context.domain(of: VCPUID($0)))) }
    unitCapped = Array(repeating: false, count: n)
    inflight = Array(repeating: 0, count: context.pcpuCount)
    buildRunqueues()
    domains = (0..<context.domainCount).map { d in
      DomainState(weight: Int64(context.weight(of: DomainID(d))), nrUnits: context.vcpus(of: DomainID(d)).count)
    }
    for d in domains.indices {
      domains[d].replenishTimer = timers.create(.replenish(domain: d), in: context)
      let cap = context.capPercent(of: DomainID(d))
      if cap > 0 { enableCap(DomainID(d), capPercent: cap, now: 0) }
    }
    ext.initialize(self, context: context)
  }

  /// `csched2_unit_insert`: pick a pCPU, then join that pCPU's runqueue.
  func insert(_ vcpu: VCPUID, now: Int64) {
    context.setProcessor(vcpu, pickResource(vcpu, now: now))
    assign(vcpu.index, to: cpuRunqueue[context.processor(vcpu).index], now: now)
  }

  @inline(__always) func weight(_ v: Int) -> Int64 { unitWeight[v] }
  @inline(__always) func hasCap(_ v: Int) -> Bool { unitCapped[v] }

  func timerFired(_ timer: TimerID, now: Int64) {
    switch timers.purpose(of: timer) {
    case .replenish(let d): replenishBudget(d, now: now)
    case nil: precondition(ext.timerFired(self, timer, now: now), "\(name): \(timer) is nobody's")
    }
  }

  func adjust(_ domain: DomainID, weight newWeight: Int?, capPercent: Int?, now: Int64) throws(PolicyError) {
    if let w = newWeight {
      guard (1...65535).contains(w) else { throw PolicyError("weight \(w) is outside 1...65535") }
      let old = domains[domain.index].weight
      domains[domain.index].weight = Int64(w)
      for v in context.vcpus(of: domain) { unitWeight[v] = Int64(w) }
      for v in context.vcpus(of: domain) where unitRunqueue[v] >= 0 {
        updateMaxWeight(unitRunqueue[v], newWeight: Int64(w), oldWeight: old)
      }
    }
    if let cap = capPercent {
      let units = context.vcpus(of: domain).count
      guard cap >= 0 && cap <= 100 * units else { throw PolicyError("cap \(cap)% exceeds 100 x \(units) vCPUs") }
      if cap > 0 {
        enableCap(domain, capPercent: cap, now: now)
      } else if domains[domain.index].capPercent > 0 {
        disableCap(domain, now: now)
      }
    }
  }

  func counters() -> [PolicyCounter] { stats.reported + ext.counters() }
  func vcpuCounters(_ vcpu: VCPUID, now: Int64) -> [PolicyCounter] { ext.vcpuCounters(self, vcpu.index, now: now) }
  func resetCounters() {
    stats = Counters()
    ext.resetCounters(now: context.now)
  }

  /// `csched2_unit_yield`: set the flag; `runq_candidate` reads it (after the extension's yield).
  func yield(_ vcpu: VCPUID, now: Int64) {
    ext.yield(self, vcpu.index, now: now)
    yieldFlag[vcpu.index] = true
  }

  /// credit2's rule for a reset's credit: add the increment, clip to CREDIT_INIT + CARRYOVER_MAX.
  func addCredit(_ v: Int, increment: Int64) {
    credit[v] = min(credit[v] + increment, Credit2Constants.creditInit + Credit2Constants.carryoverMax)
  }

  /// Charge boost credit at the same weight-scaled rate as normal credit (the extension decides
  /// when); returns whether the bucket is now empty.
  func burnBucket(_ v: Int, time: Int64, bucket: inout Int64) -> Bool {
    let w = weight(v)
    let value = time * rqMaxWeight[unitRunqueue[v]] + residual[v]
    residual[v] = value % w
    bucket -= value / w
    return bucket <= 0
  }

  // MARK: Ranking reads, through the extension (constants for credit2 itself)
  @inline(__always) func boosted(_ v: Int) -> Bool { mayBoost && boost.boosted[v] }
  @inline(__always) func boostCredit(_ v: Int) -> Int64 { mayBoost ? boost.credit[v] : 0 }
  @inline(__always) func protectedUntil(_ v: Int) -> Int64 { mayBoost ? boost.protectedUntil[v] : 0 }
  /// Read and clear unit `v`'s waiver of its current run's ratelimit protection.
  @inline(__always) func takeRatelimitWaiver(_ v: Int) -> Bool {
    guard mayBoost && boost.ratelimitWaived[v] else { return false }
    boost.ratelimitWaived[v] = false
    return true
  }
  /// The credit the reset condition reads.
  @inline(__always) func epochCredit(_ v: Int) -> Int64 { mayBoost ? ext.resetCredit(self, of: v) : credit[v] }
}

/// Xen's credit2.
typealias Credit2 = Credit2Scheduler<PlainCredit2>

extension Credit2Scheduler where Ext == PlainCredit2 {
  static var descriptor: PolicyDescriptor {
    PolicyDescriptor(
      name: "credit2",
      summary: "Xen's credit2: credit in weighted ns, reset epochs, credit-difference slices, per-socket runqueues",
      weights: .perVCPU, parameters: Credit2Tunables.specs, make: { Credit2(parameters: $0.tunables) })
  }

  convenience init(parameters: ParameterSet) {
    self.init(parameters: parameters, name: "credit2", extension: PlainCredit2())
  }

  convenience init() {
    self.init(parameters: try! ParameterSet(specs: Credit2Tunables.specs))
  }
}

/// A credit2 runqueue (Xen's `struct csched2_runqueue_data`).
struct Runqueue {
  var id: Int
  /// Runnable, not running units, sorted by credit, highest first (ties FIFO).
  var runq: [Int32] = []
  /// Every unit assigned to this runqueue, runnable or not (Xen's `svc` list).
  var units: [Int32] = []
  var load: Int64 = 0
  var avgload: Int64 = 0
  var bAvgload: Int64 = 0
  var loadLast: Int64 = 0
  var active = CPUMask()
  var idle = CPUMask()
  var tickled = CPUMask()
  var smtIdle = CPUMask()
  var pickBias: PCPUID
  var nrCPUs: Int { active.count }
}

/// Per-domain state (Xen's `struct csched2_dom`).
struct DomainState {
  var weight: Int64
  var nrUnits: Int
  var capPercent = 0
  var totalBudget: Int64 = 0
  var budget: Int64 = 0
  var nextReplenish: Int64 = 0
  var replenishTimer = TimerID(-1)
  var parkedUnits: [Int32] = []
}

/// credit2's counters, in report order.
enum Credit2Counter: Int, CounterKey {
  case creditResets, tickles, balanceRuns, balanceMigrations, ratelimitContinues, capParks, migrateCompensations
}

/// credit2.c's "Basic constants", in ns (outside the generic class, so that they stay constants in
/// its unspecialised code).
enum Credit2Constants {
  static let creditInit: Int64 = 10_000_000
  static let creditMin: Int64 = -creditInit
  static let idleCredit: Int64 = creditMin - 1
  static let creditReset: Int64 = 0
  static let minTimer: Int64 = 500_000
  static let carryoverMax: Int64 = minTimer
  static let maxTimer: Int64 = creditInit
  static let migrateCompensation: Int64 = 50_000
  static let ratelimitTickleTolerance: Int64 = 50_000
}
