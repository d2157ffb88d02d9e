public import SchedLabCore

/// `credit` (alias `credit1`): Xen's original credit scheduler (`xen/common/sched/credit.c`),
/// reimplemented from its rules, failures included.
///
/// Design. Every pCPU has its own runqueue, ordered by priority (BOOST > UNDER > OVER > IDLE) and
/// FIFO within a priority. Credits are handed out every accounting period (30 ms = `tslice_ms`) by
/// a master timer, in proportion to weight, to the *active* vCPUs only; running costs 10 credits per
/// ms. A vCPU with credit ≥ 0 is UNDER, below 0 OVER. A per-pCPU tick every 10 ms (tslice / 3)
/// does the per-vCPU accounting of whoever is running: it ends a BOOST, charges credit, and makes
/// an inactive vCPU active. A vCPU that piles up more than one timeslice of credit (300) becomes
/// inactive: it leaves the accounting and its credit is halved. A vCPU that wakes while UNDER is
/// BOOSTed and preempts. A pCPU whose best local candidate is OVER or idle steals from its peers'
/// runqueues. Slices are 30 ms; there is no credit-proportional slice.
///
/// This is the scheduler the 2009 seed describes: a VM using part of its share is "inactive" and
/// BOOSTed on every wake until a tick finds it running; then it is active with no credit, goes
/// OVER, and waits behind every UNDER vCPU until the accounting digs it out.
///
/// Mapping to the source:
/// - `CreditScheduler+Accounting.swift`: `burn_credits`, `csched_tick`, `csched_unit_acct`,
///   `csched_acct`, active/inactive (`__csched_unit_acct_start/stop`), cap parking.
/// - `CreditScheduler+Runq.swift`: `__runq_insert`/`runq_remove`, `csched_runq_sort`,
///   `__runq_tickle`, `csched_unit_wake/sleep/yield`, `_csched_cpu_pick`.
/// - `CreditScheduler+Schedule.swift`: `csched_schedule`, `csched_load_balance`,
///   `csched_runq_steal`.
///
/// Deviations from Xen (each deliberate):
/// 1. Scheduling granularity is one vCPU; soft affinity is not modelled (only the hard-affinity
///    balancing steps exist; Xen skips the soft steps too when none is set).
/// 2. Locks always succeed (the steal's try-lock never fails); there are no tasklets.
/// 3. `tickle_one_idle_cpu`'s round-robin cursor is per pCPU in Xen, indexed by the pCPU running
///    the wake; SchedLab's wakes run on no pCPU, so one cursor serves the host.
/// 4. `debit: tick` restores the pre-2010 whole-tick sampling ("the vCPU running at the tick pays
///    10 ms"; no charge at deschedule), to show the failure Xen's commit 78c9b2a64b fixed.
public final class CreditScheduler: SchedulerPolicy, PolicyStatistics, ControllablePolicy {
  // MARK: Constants (credit.c "Basic constants")
  static let creditsPerMs: Int64 = 10
  static let ticksPerTslice: Int64 = 3
  static let minTimer: Int64 = Nanos.us(100)
  static let priBoost: Int8 = 0
  static let priUnder: Int8 = -1
  static let priOver: Int8 = -2
  static let priIdle: Int8 = -64

  public let name: String
  var context: SchedContext!
  /// credit-bcs's configuration and boost reservations (`CreditBCS/`); nil for plain credit1.
  var bcsConfiguration: PolicyConfiguration?
  var reservation: BoostReservation?

  // MARK: Tunables
  let tsliceNs: Int64
  let tickPeriodNs: Int64
  let creditsPerTslice: Int64
  let ratelimitNs: Int64
  let migrationDelayNs: Int64
  let loadBalanceRatelimitNs: Int64
  let tickleOneIdle: Bool
  let smtPowerSavings: Bool
  /// true: charge exact run time (Xen since 2010); false: charge the vCPU running at each tick a
  /// whole tick.
  let accurateDebit: Bool

  // MARK: Per-unit state (struct csched_unit), indexed by VCPUID
  var credit: [Int64] = []
  var pri: [Int8] = []
  var residual: [Int64] = []
  var startTime: [Int64] = []
  var lastSchedTime: [Int64] = []
  var parked: [Bool] = []
  var yieldFlag: [Bool] = []
  var migratingFlag: [Bool] = []
  var pinned: [Bool] = []
  var active: [Bool] = []
  var onRunq: [Bool] = []
  var unitDomain: [Int] = []

  // MARK: Per-pCPU state (struct csched_pcpu)
  var runq: [[Int32]] = []
  var nrRunnable: [Int] = []
  var runqSortLast: [Int] = []
  var idleBias: [Int] = []
  var lastLoadBalance: [Int64] = []
  var ticker: [TimerID] = []

  // MARK: Per-domain and global state (struct csched_dom, csched_private)
  var domainWeight: [Int64] = []
  var domainCap: [Int64] = []
  var domainActiveUnits: [[Int32]] = []
  /// Active domains, head first (Xen's `active_sdom` list).
  var activeDomains: [Int] = []
  var totalWeight: Int64 = 0
  var creditBalance: Int64 = 0
  var runqSortEpoch = 0
  var idlers = CPUMask()
  var balanceBias: [Int] = []
  var lastTickleCPU = 0
  var masterTimer = TimerID(-1)
  /// Credit1's timers: a tick per pCPU and the master accounting timer.
  enum TimerPurpose {
    case tick(pcpu: Int)
    case accounting
  }
  var timers = TimerTable<TimerPurpose>()

  // MARK: Metrics
  var stats = Counters<CreditCounter>()
  /// Time spent in BOOST, UNDER and OVER, per vCPU, since the last reset.
  var priTime: [[Int64]] = []
  var priSince: [Int64] = []
  var boosts: [Int64] = []
  var deactivations: [Int64] = []
  var activations: [Int64] = []

  public static let descriptor = PolicyDescriptor(
    name: "credit", aliases: ["credit1"],
    summary: "Xen's credit1: 30 ms accounting, 10 ms ticks, BOOST/UNDER/OVER, per-pCPU runqueues, stealing",
    weights: .perActiveVCPU, parameters: CreditScheduler.parameterSpecs,
    make: { CreditScheduler(parameters: $0.tunables) })

  public init(parameters: ParameterSet, name: String = "credit") {
    self.name = name
    let tsliceMs = parameters.integer("tslice_ms")
    tsliceNs = Nanos.ms(tsliceMs)
    let ticks = tsliceMs < Self.ticksPerTslice ? 1 : Self.ticksPerTslice
    tickPeriodNs = tsliceNs / ticks
    creditsPerTslice = Self.creditsPerMs * tsliceMs
    // Xen clamps a ratelimit longer than the timeslice to the timeslice.
    ratelimitNs = min(Nanos.us(parameters.integer("ratelimit_us")), tsliceNs)
    migrationDelayNs = Nanos.us(parameters.integer("vcpu_migration_delay_us"))
    loadBalanceRatelimitNs = Nanos.us(parameters.integer("load_balance_ratelimit_us"))
    tickleOneIdle = parameters.boolean("tickle_one_idle_cpu")
    smtPowerSavings = parameters.boolean("smt_power_savings")
    accurateDebit = parameters.choice("debit", as: CreditDebit.self) == .accurate
  }

  public convenience init() {
    self.init(parameters: try! ParameterSet(specs: CreditScheduler.parameterSpecs))
  }

  public func initialize(context: SchedContext) {
    self.context = context
    let n = context.vcpuCount
    let p = context.pcpuCount
    credit = Array(repeating: 0, count: n)
    pri = Array(repeating: Self.priUnder, count: n)
    residual = Array(repeating: 0, count: n)
    startTime = Array(repeating: 0, count: n)
    lastSchedTime = Array(repeating: 0, count: n)
    parked = Array(repeating: false, count: n)
    yieldFlag = Array(repeating: false, count: n)
    migratingFlag = Array(repeating: false, count: n)
    pinned = (0..<n).map { context.hardAffinity(of: VCPUID($0)).count == 1 }
    active = Array(repeating: false, count: n)
    onRunq = Array(repeating: false, count: n)
    unitDomain = (0..<n).map { context.domain(of: VCPUID($0)).index }
    runq = Array(repeating: [], count: p)
    for i in 0..<p { runq[i].reserveCapacity(n) }
    nrRunnable = Array(repeating: 0, count: p)
    runqSortLast = Array(repeating: 0, count: p)
    idleBias = Array(repeating: p - 1, count: p)
    lastLoadBalance = Array(repeating: 0, count: p)
    domainWeight = (0..<context.domainCount).map { Int64(context.weight(of: DomainID($0))) }
    domainCap = (0..<context.domainCount).map { Int64(context.capPercent(of: DomainID($0))) }
    domainActiveUnits = Array(repeating: [], count: context.domainCount)
    balanceBias = Array(repeating: 0, count: context.topology.sockets)
    for node in 0..<context.topology.sockets {
      balanceBias[node] = node * context.topology.coresPerSocket * context.topology.threadsPerCore
    }
    idlers = context.topology.allPCPUs
    // Every pCPU starts idle with its ticker armed one period out; the master accounts every tslice.
    ticker = (0..<p).map { timers.create(.tick(pcpu: $0), in: context) }
    for cpu in 0..<p { context.armTimer(ticker[cpu], at: tickPeriodNs) }
    masterTimer = timers.create(.accounting, in: context)
    context.armTimer(masterTimer, at: tsliceNs)
    priTime = Array(repeating: [0, 0, 0], count: n)
    priSince = Array(repeating: 0, count: n)
    boosts = Array(repeating: 0, count: n)
    deactivations = Array(repeating: 0, count: n)
    activations = Array(repeating: 0, count: n)
    initializeReservation()
  }

  /// `csched_unit_insert`: pick a pCPU (which marks the unit as migrating, so its first wake is not
  /// boosted), and queue it if it is runnable.
  public func insert(_ vcpu: VCPUID, now: Int64) {
    context.setProcessor(vcpu, pickResource(vcpu, now: now))
    if !onRunq[vcpu.index] && context.isRunnable(vcpu) && !context.isRunning(vcpu) { runqInsert(vcpu.index) }
  }

  public func timerFired(_ timer: TimerID, now: Int64) {
    switch timers.purpose(of: timer) {
    case .accounting:
      accounting(now: now)
      grantReservations(now: now)
      context.armTimer(masterTimer, at: now + tsliceNs)
    case .tick(let cpu): tick(cpu: cpu, now: now)
    case nil: preconditionFailure("credit: \(timer) is not credit's")
    }
  }

  public func adjust(_ domain: DomainID, weight newWeight: Int?, capPercent: Int?, now: Int64) throws(PolicyError) {
    let d = domain.index
    if let w = newWeight {
      guard (1...65535).contains(w) else { throw PolicyError("weight \(w) is outside 1...65535") }
      let count = Int64(domainActiveUnits[d].count)
      totalWeight += (Int64(w) - domainWeight[d]) * count
      domainWeight[d] = Int64(w)
    }
    if let cap = capPercent {
      let units = context.vcpus(of: domain).count
      guard cap >= 0 && cap <= 100 * units else { throw PolicyError("cap \(cap)% exceeds 100 x \(units) vCPUs") }
      domainCap[d] = Int64(cap)
    }
  }

  /// Record a priority change, for the time-in-priority metrics.
  @inline(__always) func setPri(_ v: Int, _ value: Int8, now: Int64) {
    let old = pri[v]
    if old == value { return }
    if old >= Self.priOver { priTime[v][Int(-old)] += now - priSince[v] }
    priSince[v] = now
    pri[v] = value
  }

  public func counters() -> [PolicyCounter] { stats.reported }

  public func vcpuCounters(_ vcpu: VCPUID, now: Int64) -> [PolicyCounter] {
    let v = vcpu.index
    var time = priTime[v]
    if pri[v] >= Self.priOver { time[Int(-pri[v])] += now - priSince[v] }
    return [
      PolicyCounter("boost_ns", time[0]), PolicyCounter("under_ns", time[1]), PolicyCounter("over_ns", time[2]),
      PolicyCounter("boosts", boosts[v]), PolicyCounter("became_active", activations[v]),
      PolicyCounter("became_inactive", deactivations[v]),
    ] + (reservation?.stats[v].reported ?? [])
  }

  public func resetCounters() {
    stats = Counters()
    let now = context.now
    for v in priTime.indices {
      priTime[v] = [0, 0, 0]
      priSince[v] = now
      boosts[v] = 0
      deactivations[v] = 0
      activations[v] = 0
      reservation?.stats[v] = Counters()
    }
  }

  public func dump(now: Int64) -> String {
    var lines = [
      "credit: weight \(totalWeight), balance \(creditBalance), idlers \(idlers), active domains \(activeDomains)"
    ]
    for cpu in runq.indices {
      let cur = context.current(PCPUID(cpu)).map { "v\($0.rawValue)" } ?? "idle"
      let queue = runq[cpu].map { u in
        let v = Int(u)
        return "v\(v)(pri \(pri[v]), c \(credit[v])" + (reservation.map { ", boost \($0.credit[v])" } ?? "") + ")"
      }.joined(separator: " ")
      lines.append("  cpu\(cpu) run \(cur) nr_runnable \(nrRunnable[cpu]) runq: \(queue)")
    }
    return lines.joined(separator: "\n")
  }
}

/// credit's counters, in report order.
enum CreditCounter: Int, CounterKey {
  case accountings, boosts, boostsEndedByTick, becameActive, becameInactive, steals, tickMigrations
  case ratelimitContinues, capParks, tickles
}
