import SchedLabCore

/// `credit2-boost`: credit2 plus the "boost credit" proposal of the 2023–24 xen-devel thread
/// "Sketch of an idea for handling the 'mixed workload' problem" (George Dunlap, Demi Marie
/// Obenour). The proposal was never implemented upstream. Two readings are registered:
/// `credit2-boost` (the default choices below, which keep every VM to its fair share) and
/// `credit2-boost-proposal` (the proposal read literally: `boost_charge: split`,
/// `boosted_run_ratelimit: credit`). Every interpretation is numbered below.
///
/// Design. Each vCPU has a boost credit ratio (default 25%) and a default boost interval (500 us);
/// each domain has a maximum boost credit (default 2.5 ms, set by dom0). At every credit
/// assignment a vCPU gets a boost bucket of the ratio of it. Runqueues order boosted vCPUs first,
/// by boost credit, then the others by normal credit. A boosted vCPU burns boost credit (at the
/// same weighted rate). A vCPU becomes boosted when an interrupt is delivered to it (unless the
/// source is storming), or when credit2 is about to preempt it while its interrupts are masked or
/// its `dont_desched` flag is set. The boost ends when the interval ends, when its boost credit
/// runs out (even with `dont_desched` set: then a warning is logged and counted), when an
/// interrupt handler returns or interrupts are unmasked while `dont_desched` is clear, or when
/// the guest yields. With `boost: false` nothing is ever boosted and no credit is split: the
/// policy is credit2, decision for decision.
///
/// Shape. ``BoostCredit`` is a ``Credit2Extension``: credit2 stays final and calls it at the points
/// the proposal changes (ranking, credit assignment and burning, slices, "about to preempt",
/// dispatch, yield, its timers); `Credit2Boost` (`Credit2Scheduler<BoostCredit>`) adds the guest
/// notifications and control calls.
///
/// Interpretations (the thread leaves these open):
/// 1. `boost_charge: split` (the proposal): of an increment I, `min(ratio·I, max boost credit)`
///    refills the boost bucket, which does not carry over between epochs; the normal credit gets
///    the rest and is clipped at `CREDIT_INIT − boost share + CARRYOVER_MAX`: more boost credit
///    means less normal priority, as George put it. Boosted time burns only the bucket. The other
///    charges (`earmark`, `overtake`, interpretation 12) keep the assignment whole as normal
///    credit and burn it for boosted time too, so boost reorders and never adds CPU.
/// 2. With `split`, the reset condition (best runnable unit out of credit) reads normal credit plus
///    what is left of the boost bucket: an epoch lasts until units have spent their whole
///    assignment, so a unit that never boosts runs on its normal credit below zero instead of
///    losing the bucket. Unused boost credit is not carried into the next epoch. (Even so, a unit
///    whose bucket goes unused carries its below-zero normal credit into the next epoch as a
///    deficit, so VMs that boost end up with more CPU than VMs that do not.)
/// 3. A boosted waker preempts a non-boosted running vCPU at once, ratelimit notwithstanding
///    (`boost_overrides_ratelimit`); the ratelimit exists against wake storms, and boost is budgeted.
/// 4. A boosted vCPU's slice ends at its boost's end or when its boost credit would run out. A
///    vCPU boosted while it runs gets its boost timer at the earlier of the two as well, so running
///    out of boost credit is noticed when it happens, not at the interval's end.
/// 5. Storm rule: a source that delivered more than `storm_irqs` interrupts in the current or the
///    previous window of `storm_window_us` is storming; its interrupts do not boost.
/// 6. The guest sets `dont_desched` when a `dont_desched` job is released (inside the handler that
///    releases it, so the handler's return does not de-boost) and clears it when the job is done.
/// 7. Control calls: dom0 may set and read any domain's boost parameters and counters; a guest may
///    read only its own; anything else is refused with EPERM, changes nothing, and is counted.
/// 8. "About to preempt" is the point where `do_schedule` has chosen another unit over a runnable
///    current one that did not yield: only then is a masked or `dont_desched` vCPU boosted (and the
///    choice made again). A slice end where credit2 keeps the vCPU anyway boosts nothing.
/// 9. A run a boost began (the vCPU was boosted when dispatched) outlives its boost: handlers return
///    within microseconds, and credit2's ratelimit then protects the run for up to 1 ms whatever
///    the vCPU's credit. Read literally, the proposal lets every interrupt buy that millisecond
///    for free: a vCPU that takes a few hundred interrupts a second holds a pCPU far beyond its
///    share (George's schedbench sample: B workers 0.935, A workers 0.065 of a pCPU). Option
///    `boosted_run_ratelimit` decides: `credit` keeps that reading; `waive` ends the protection at
///    the de-boost, so credit decides at once; `bucket` (default) keeps the protection but pays for
///    it from the boost bucket, like boosted time, and ends it when the bucket is empty. With
///    `bucket` a boost costs what it really buys, the budget bounds the extra CPU, and a boosted
///    dispatch is not undone microseconds later (the measurements are in the README).
/// 10. The boost interval runs on wall-clock time from the boost, queued or running: a boosted
///     vCPU that waits a whole interval in the queue loses its boost.
/// 11. "Sufficient boost credit" to be boosted means any left (> 0): the first boost of an epoch
///     and the last one alike; running out is then what the exhaustion rule is for.
/// 12. What the bucket pays for (`boost_charge`): `split` as in 1; `earmark`: every boosted (or
///     protected, 9) ns burns normal credit and the bucket; `overtake` (default): every such ns
///     burns normal credit, and the bucket only while a unit waiting in the runqueue has more
///     normal credit, i.e. only for running ahead of credit2's own order. A light waker leads by
///     credit and keeps its bucket for the moments it needs it; a CPU-hungry VM behind in credit
///     spends it. `boost_budget_overruns` counts epochs whose charged time exceeded the bucket.
/// 13. Which pCPU a boosted waker preempts (Xen's `runq_tickle` has only credit to go by): among
///     busy pCPUs, the one whose unit has the least normal credit (it has run most), not the
///     waker's own first; and a unit that preemption would boost (masked or `dont_desched`, 8)
///     ranks by boost credit there, so a waker prefers a pCPU it can actually take. Both readings
///     use it.
final class BoostCredit: Credit2Extension {
  typealias Scheduler = Credit2Boost
  /// The scheduler it extends, set at initialisation (it owns this extension).
  unowned(unsafe) var s: Scheduler! = nil
  var context: SchedContext!

  // Tunables
  let boostEnabled: Bool
  let triggerIRQ: Bool
  let triggerMasked: Bool
  let triggerDontDesched: Bool
  /// Each domain's boost parameters as the scenario sets them (the tunables by default).
  let configuration: PolicyConfiguration
  let stormWindowNs: Int64
  let stormIRQs: Int
  /// How boosted time is paid for (interpretation 1 and 12).
  let charge: BoostCharge
  /// Whether the assignment stays whole and boosted time burns normal credit too (every charge
  /// but `split`).
  var keepsWholeAssignment: Bool { charge != .split }

  // Per-vCPU boost parameters and state
  /// Which units are boosted, their boost credit and run protection (credit2 reads the same table).
  let units = BoostTable()
  var table: BoostTable? { units }

  var ratioPermille: [Int64] = []
  var intervalNs: [Int64] = []
  var boostStart: [Int64] = []
  /// Interpretation 9: what a run a boost began keeps once de-boosted.
  let boostedRunRatelimit: BoostedRunRatelimit
  /// Whether the vCPU's current run began with the vCPU boosted.
  var boostBegunRun: [Bool] = []
  /// Boosted run time charged in the current credit epoch, and the epoch's boost bucket (credit,
  /// which at most equals ns: boosted time burns at least one credit per ns).
  var epochBoostRunNs: [Int64] = []
  var epochBoostBudget: [Int64] = []
  /// Each vCPU's boost timer (end of the interval, or of the boost credit while it runs).
  var boostTimers: [TimerID] = []
  enum BoostTimerPurpose { case boostEnd(vcpu: Int) }
  var boostTimerTable = TimerTable<BoostTimerPurpose>()
  // Per-domain
  var maxBoostCredit: [Int64] = []
  // Per-source storm detection
  var stormWindowStart: [Int64] = []
  var stormCount: [Int] = []
  var stormPrevious: [Int] = []
  var stormFlag: [Bool] = []

  var boostStats = Counters<BoostCounter>()
  /// Start of the measured interval: a boost spanning the warm-up's end counts from there.
  var boostMeasuredFrom: Int64 = 0
  var vcpuStats: [Counters<BoostVCPUCounter>] = []
  var refusedByCaller: [Int64] = []

  init(_ configuration: PolicyConfiguration) {
    self.configuration = configuration
    let parameters = configuration.tunables
    boostEnabled = parameters.boolean("boost")
    triggerIRQ = parameters.boolean("boost_on_irq")
    triggerMasked = parameters.boolean("boost_on_masked")
    triggerDontDesched = parameters.boolean("boost_on_dont_desched")
    stormWindowNs = Nanos.us(parameters.integer("storm_window_us"))
    stormIRQs = Int(parameters.integer("storm_irqs"))
    charge = parameters.choice("boost_charge", as: BoostCharge.self)
    boostedRunRatelimit = parameters.choice("boosted_run_ratelimit", as: BoostedRunRatelimit.self)
    // Interpretation 3.
    units.overridesRatelimit = boostEnabled && parameters.boolean("boost_overrides_ratelimit")
  }

  func initialize(_ scheduler: Scheduler, context: SchedContext) {
    s = scheduler
    self.context = context
    let n = context.vcpuCount
    units.size(units: n)
    let domains = (0..<context.domainCount).map { BoostDomainParameters(configuration.domain($0)) }
    let domainOf = (0..<n).map { context.domain(of: VCPUID($0)).index }
    ratioPermille = domainOf.map { domains[$0].ratioPermille }
    intervalNs = domainOf.map { domains[$0].intervalNs }
    boostStart = Array(repeating: 0, count: n)
    epochBoostRunNs = Array(repeating: 0, count: n)
    epochBoostBudget = Array(repeating: 0, count: n)
    boostBegunRun = Array(repeating: false, count: n)
    maxBoostCredit = domains.map(\.maxBoostCreditNs)
    vcpuStats = Array(repeating: Counters(), count: n)
    refusedByCaller = Array(repeating: 0, count: context.domainCount)
    boostTimers = (0..<n).map { boostTimerTable.create(.boostEnd(vcpu: $0), in: context) }
    // The first assignment is split like every later one.
    if boostEnabled {
      for v in 0..<n {
        scheduler.credit[v] = 0
        assignCredit(scheduler, v, increment: Credit2Constants.creditInit, now: 0)
      }
    }
  }

  static var boosts: Bool { true }

  /// Interpretation 1: split each assignment between the boost bucket and normal credit.
  func assignCredit(_ s: Scheduler, _ v: Int, increment: Int64, now: Int64) {
    guard boostEnabled else {
      s.addCredit(v, increment: increment)
      return
    }
    let d = context.domain(of: VCPUID(v)).index
    let share = min(increment * ratioPermille[v] / 1000, maxBoostCredit[d])
    closeBoostEpoch(v)
    epochBoostBudget[v] = share
    units.credit[v] = share
    context.trace(PolicyTraceEvent("boost_credit", vcpu: VCPUID(v), value: share))
    if keepsWholeAssignment {
      s.addCredit(v, increment: increment)
    } else {
      s.credit[v] = min(
        s.credit[v] + increment - share, Credit2Constants.creditInit - share + Credit2Constants.carryoverMax)
    }
  }

  /// Boosted (or protected) run time: `split` burns the bucket only; `earmark` burns normal credit
  /// and the bucket; `overtake` burns normal credit, and the bucket only while a waiting unit of
  /// the runqueue has more normal credit (interpretation 12).
  func burnBoostCredit(_ s: Scheduler, _ v: Int, time: Int64, now: Int64) {
    let ahead = charge == .overtake && leadsByCredit(v)
    if keepsWholeAssignment {
      let saved = s.residual[v]
      s.timeToCredit(v, time: time)
      s.residual[v] = saved
    }
    if ahead {
      vcpuStats[v][.unchargedBoostNs] += time
      return
    }
    epochBoostRunNs[v] += time
    if !units.boosted[v] { vcpuStats[v][.protectedNs] += time }
    let empty = s.burnBucket(v, time: time, bucket: &units.credit[v])
    context.trace(PolicyTraceEvent("boost_credit", vcpu: VCPUID(v), value: units.credit[v]))
    if empty { boostCreditExhausted(v, now: now) }
  }

  /// Whether `v` has at least the normal credit of every unit waiting in its runqueue: credit2
  /// would run it ahead of them without any boost. The queue holds boosted units first (by boost
  /// credit), then the others by normal credit, so the walk stops at the first unboosted one.
  func leadsByCredit(_ v: Int) -> Bool {
    let own = s.credit[v]
    for u in s.runqueues[s.unitRunqueue[v]].runq {
      let w = Int(u)
      if s.credit[w] > own { return false }
      if !units.boosted[w] { return true }
    }
    return true
  }

  /// Property 7 of the reference: boosted run time per credit epoch stays within the bucket.
  /// Counts the epochs that overran it (a boost runs until its next accounting, so an overrun of
  /// more than a few microseconds means a slice or exhaustion bug).
  func closeBoostEpoch(_ v: Int) {
    if epochBoostRunNs[v] > epochBoostBudget[v] + Self.boostOverrunSlackNs { vcpuStats[v][.boostBudgetOverruns] += 1 }
    epochBoostRunNs[v] = 0
  }

  /// Accounting granularity allowed past the bucket before an epoch counts as overrun.
  static let boostOverrunSlackNs = Nanos.us(10)

  /// Interpretation 2: an epoch ends when the best unit has spent its whole assignment, boost
  /// bucket included, so that a unit that never boosts is not short of the credit set aside.
  func resetCredit(_ s: Scheduler, of v: Int) -> Int64 {
    boostEnabled && !keepsWholeAssignment ? s.credit[v] + max(0, units.credit[v]) : s.credit[v]
  }

  /// Interpretation 4.
  func boostSlice(_ s: Scheduler, _ v: Int, now: Int64) -> Int64 {
    max(Nanos.us(1), min(s.creditToTime(v, amount: units.credit[v]), boostStart[v] + intervalNs[v] - now))
  }

  func boostCreditExhausted(_ v: Int, now: Int64) {
    guard units.boosted[v] else {
      // The protected rest of a run a boost began has used up the bucket: credit decides now.
      vcpuStats[v][.protectionExhaustions] += 1
      endProtection(v)
      return
    }
    let d = context.domain(of: VCPUID(v)).index
    boostStats[.boostExhaustions] += 1
    vcpuStats[v][.boostExhaustions] += 1
    if context.dontDesched(VCPUID(v)) {
      boostStats[.boostExhaustionsDontDesched] += 1
      vcpuStats[v][.boostExhaustionsDontDesched] += 1
      context.warn(
        "credit2-boost: \(context.domainName(DomainID(d)))/v\(context.indexInDomain(VCPUID(v))) ran out of boost credit with dont_desched set"
      )
    }
    deboost(v, reason: .exhausted, now: now)
  }

  /// A vCPU's boost timer: its interval ended, or (running) its boost credit may have run out.
  func timerFired(_ s: Scheduler, _ timer: TimerID, now: Int64) -> Bool {
    guard case .boostEnd(let v) = boostTimerTable.purpose(of: timer) else { return false }
    guard units.boosted[v] else { return true }
    if context.isRunning(VCPUID(v)) {
      s.burnCredits(v, now: now)  // de-boosts it if the bucket is empty
      guard units.boosted[v] else { return true }
    }
    if now >= boostStart[v] + intervalNs[v] {
      deboost(v, reason: .interval, now: now)
    } else {
      armBoostTimer(v, now: now)
    }
    return true
  }

  /// The enabled trigger by which preempting `v` would boost it: interrupts masked, else
  /// `dont_desched` set; nil if neither applies.
  func preemptionTrigger(_ v: Int) -> BoostTrigger? {
    let unit = VCPUID(v)
    if triggerMasked && context.interruptsMasked(unit) { return .masked }
    if triggerDontDesched && context.dontDesched(unit) { return .dontDesched }
    return nil
  }

  func wouldBoostIfPreempted(_ v: Int) -> Bool {
    boostEnabled && units.credit[v] > 0 && preemptionTrigger(v) != nil
  }

  /// Interpretation 8: boost a masked or `dont_desched` vCPU credit2 has chosen to preempt.
  func aboutToPreempt(_ s: Scheduler, _ v: Int, now: Int64) -> Bool {
    guard !units.boosted[v], let trigger = preemptionTrigger(v) else { return false }
    boost(v, trigger: trigger, now: now)
    return units.boosted[v]
  }

  /// Interpretation 9: note whether a run begins boosted; with `bucket`, its ratelimit-protected
  /// stretch is paid from the bucket even after the boost ends.
  func dispatched(_ s: Scheduler, _ v: Int, now: Int64) {
    boostBegunRun[v] = units.boosted[v]
    units.protectedUntil[v] = 0
    guard units.boosted[v] else { return }
    vcpuStats[v][.boostDispatches] += 1
    if boostedRunRatelimit == .bucket && s.ratelimitNs > 0 { units.protectedUntil[v] = now + s.ratelimitNs }
  }

  /// A yield gives up the boost (credit2's yield follows).
  func yield(_ s: Scheduler, _ v: Int, now: Int64) {
    deboost(v, reason: .yield, now: now)
  }

  func counters() -> [PolicyCounter] { boostStats.reported }

  func resetCounters(now: Int64) {
    // Refused calls and storms found during the warm-up stay counted (they are configuration facts).
    let refused = boostStats[.refusedControlCalls]
    let storms = boostStats[.stormsDetected]
    boostStats = Counters()
    boostStats[.refusedControlCalls] = refused
    boostStats[.stormsDetected] = storms
    for v in vcpuStats.indices {
      vcpuStats[v] = Counters()
    }
    boostMeasuredFrom = now
  }

  func vcpuCounters(_ s: Scheduler, _ v: Int, now: Int64) -> [PolicyCounter] {
    var stats = vcpuStats[v]
    if units.boosted[v] { stats[.boostedNs] += now - max(boostStart[v], boostMeasuredFrom) }
    let vcpu = VCPUID(v)
    let refused = context.indexInDomain(vcpu) == 0 ? refusedByCaller[context.domain(of: vcpu).index] : 0
    return stats.reported + [PolicyCounter("refused_control_calls", refused)]
  }
}
