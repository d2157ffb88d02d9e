import SchedLabCore
import SchedLabScenario
import SchedLabTestSupport
import Testing

@testable import SchedLabPolicies

/// credit1's rules (reference §3, xen/common/sched/credit.c), pinned by small hand-computed cases.
@Suite final class CreditTests {
  var engines: [Engine] = []

  func credit(_ overrides: [String: ParameterValue] = [:]) -> CreditScheduler {
    CreditScheduler(parameters: try! ParameterSet(specs: CreditScheduler.parameterSpecs, overrides: overrides))
  }

  @discardableResult
  func started(_ config: SimulationConfig, _ policy: CreditScheduler) -> Engine {
    let engine = Engine(config: config, policy: policy)
    engine.start()
    engines.append(engine)
    return engine
  }

  @Test(arguments: Array(UInt64(1)...20))
  func invariantsOnRandomScenarios(seed: UInt64) {
    let config = RandomScenario.make(seed: seed)
    let checker = InvariantChecker(graceNs: Nanos.ms(20))
    let r = Build.run(config, credit(), listener: checker)
    #expect(checker.violations.isEmpty, "seed \(seed): \(checker.violations.prefix(3))")
    checker.finish(at: config.durationNs)
    for p in 0..<r.host.pcpus { #expect(checker.busyNs[p] + r.host.pcpuIdleNs[p] == r.measuredNs) }
  }

  /// One vCPU alone on one pCPU, running 5 ms every 15 ms from time 0.
  func lonePhases(_ policy: CreditScheduler) -> Engine {
    let config = Build.config(
      Build.host(1, 1),
      [DomainConfig(name: "x", workloads: [Build.phases([.run(Nanos.ms(5)), .block(Nanos.ms(10))])])],
      seconds: 1)
    return started(config, policy)
  }

  /// The pCPU is busy 0-5, 15-20, 30-35... Accurate debiting charges the 5 ms run when the vCPU
  /// blocks at 5 ms (50 credits); whole-tick sampling charges nothing then. Its ticker stops while
  /// idle and restarts on a tick boundary, so the first tick to find it running is at 20 ms: tick
  /// sampling charges a whole tick (100), accurate debiting the second 5 ms (50 more). The tick makes
  /// it active either way.
  @Test(arguments: ["tick", "accurate"])
  func tickDebitsTheRunningVCPU(mode: String) {
    let policy = credit(["debit": .choice(mode)])
    let engine = lonePhases(policy)
    engine.run(until: Nanos.ms(6))
    #expect(policy.credit[0] == (mode == "tick" ? 0 : -50))
    #expect(!policy.active[0])
    engine.run(until: Nanos.ms(21))
    #expect(policy.credit[0] == -100)
    #expect(policy.active[0])
    #expect(policy.stats[.becameActive] == 1)
  }

  /// Accounting every 30 ms: the only active vCPU gets the whole 300 credits of one pCPU (its peak):
  /// -100 + 300 = 200, UNDER, so its wake at 30 ms is boosted.
  @Test func accountingEvery30msSharesCredit() {
    let policy = credit(["debit": .choice("tick")])
    let engine = lonePhases(policy)
    engine.run(until: Nanos.ms(29))
    #expect(policy.stats[.accountings] == 0)
    engine.run(until: Nanos.ms(31))
    #expect(policy.stats[.accountings] == 1)
    #expect(policy.credit[0] == -100 + 300)
    #expect(policy.pri[0] == CreditScheduler.priBoost)
    engine.run(until: Nanos.ms(95))
    #expect(policy.stats[.accountings] == 3)
  }

  /// Accurate debiting, timeline: -50 at 5 ms; woken UNDER at 15 ms: BOOST (1); the tick at 20 ms
  /// finds it running: BOOST ends (1), -50 = -100, active; +300 at 30 ms = 200, UNDER, and the wake
  /// at 30 ms boosts it (2); -50 at 35 ms = 150; woken at 45 ms still BOOST (no new boost); the tick
  /// at 50 ms ends BOOST (2), -50 = 100; +300 at 60 ms = 400 > 300: inactive, halved to 200.
  @Test func boostOnWakeFromUnderLostAtTickAndInactiveAboveOneTimeslice() {
    let policy = credit()
    let engine = lonePhases(policy)
    engine.run(until: Nanos.ms(16))
    #expect(policy.pri[0] == CreditScheduler.priBoost)
    engine.run(until: Nanos.ms(21))
    #expect(policy.pri[0] == CreditScheduler.priUnder)
    #expect(policy.stats[.boostsEndedByTick] == 1)
    engine.run(until: Nanos.ms(31))
    #expect(policy.stats[.boosts] == 2)
    #expect(policy.credit[0] == 200)
    engine.run(until: Nanos.ms(46))
    #expect(policy.credit[0] == 150)
    #expect(policy.stats[.boosts] == 2)
    engine.run(until: Nanos.ms(51))
    #expect(policy.pri[0] == CreditScheduler.priUnder)
    #expect(policy.stats[.boostsEndedByTick] == 2)
    #expect(policy.credit[0] == 100)
    engine.run(until: Nanos.ms(61))
    #expect(!policy.active[0])
    #expect(policy.credit[0] == 200)
    #expect(policy.stats[.becameInactive] == 1)
  }

  @Test func anOverVCPUIsNotBoostedOnWake() {
    let policy = credit()
    let config = Build.config(
      Build.host(1, 1), [DomainConfig(name: "x", workloads: [Build.phases([.run(Nanos.ms(1)), .block(Nanos.s(1))])])])
    started(config, policy)
    // The first wake follows insert's pick (a "migration"): not boosted either.
    #expect(policy.pri[0] == CreditScheduler.priUnder)
    policy.runqRemove(0)
    policy.pri[0] = CreditScheduler.priOver
    policy.wake(VCPUID(0), now: 0)
    #expect(policy.pri[0] == CreditScheduler.priOver)
    policy.runqRemove(0)
    policy.pri[0] = CreditScheduler.priUnder
    policy.wake(VCPUID(0), now: 0)
    #expect(policy.pri[0] == CreditScheduler.priBoost)
  }

  @Test func runqueueOrderIsBoostUnderOverFIFOAndYieldSkipsOne() {
    let policy = credit()
    let config = Build.config(Build.host(1, 1), (0..<5).map { DomainConfig(name: "d\($0)", workloads: []) })
    started(config, policy)
    // After start all five (idle guests) were woken UNDER, not boosted, queued in order.
    #expect(policy.runq[0] == [0, 1, 2, 3, 4])
    for v in 0..<5 { policy.runqRemove(v) }
    let pris: [Int8] = [
      CreditScheduler.priOver, CreditScheduler.priUnder, CreditScheduler.priBoost, CreditScheduler.priUnder,
      CreditScheduler.priOver,
    ]
    for v in 0..<5 {
      policy.pri[v] = pris[v]
      policy.runqInsert(v)
    }
    #expect(policy.runq[0] == [2, 1, 3, 0, 4])
    // A yielding UNDER vCPU goes behind one lower-priority vCPU.
    policy.runqRemove(1)
    policy.yieldFlag[1] = true
    policy.runqInsert(1)
    #expect(policy.runq[0] == [2, 3, 0, 1, 4])
  }

  @Test func sortMovesUnderAheadOfOverOncePerEpoch() {
    let policy = credit()
    started(Build.config(Build.host(1, 1), (0..<4).map { DomainConfig(name: "d\($0)", workloads: []) }), policy)
    policy.pri = [CreditScheduler.priOver, CreditScheduler.priUnder, CreditScheduler.priOver, CreditScheduler.priUnder]
    policy.runqSortEpoch += 1
    policy.runqSort(0)
    #expect(policy.runq[0] == [1, 3, 0, 2])
  }

  /// Two burners placed on pCPU 0; at 2 ms pCPU 1, idle and past its balancing ratelimit, steals
  /// the queued one.
  @Test func anIdlePCPUStealsQueuedWork() {
    let policy = credit()
    let config = Build.config(
      Build.host(1, 2),
      [DomainConfig(name: "a", workloads: [Build.burner()]), DomainConfig(name: "b", workloads: [Build.burner()])])
    let engine = started(config, policy)
    engine.run(until: Nanos.ms(2))
    #expect(policy.runq[0] == [1])
    #expect(policy.context.current(PCPUID(1)) == nil)
    let decision = policy.schedule(on: PCPUID(1), now: engine.now)
    #expect(decision.next == VCPUID(1))
    #expect(policy.context.processor(VCPUID(1)) == PCPUID(1))
    #expect(policy.stats[.steals] == 1)
    #expect(policy.nrRunnable == [1, 1])
  }

  @Test func weightsSplitBurnersAndCapsHold() {
    let config = Build.config(
      Build.host(1, 1),
      [
        DomainConfig(name: "heavy", weight: 512, workloads: [Build.burner()]),
        DomainConfig(name: "light", weight: 256, workloads: [Build.burner()]),
      ], seconds: 6, warmup: Nanos.s(1))
    let r = Build.run(config, credit())
    #expect(abs(r.share("heavy") - 2.0 / 3) < 0.02)
    let capped = Build.config(
      Build.host(1, 1), [DomainConfig(name: "c", capPercent: 40, workloads: [Build.burner()])], seconds: 6,
      warmup: Nanos.s(1))
    let rc = Build.run(capped, credit())
    #expect(abs(rc.share("c") - 0.4) < 0.03)
  }

  /// scenarios/credit1/tick-evader.yaml: a guest that runs 9 ms after every tick and sleeps over
  /// the next one. Whole-tick sampling never charges it (0.90 of the pCPU, ideal 0.50); accurate
  /// debiting holds it to its share.
  @Test(arguments: [("tick", 0.8, 1.0), ("accurate", 0.45, 0.55)])
  func tickEvader(mode: String, low: Double, high: Double) throws {
    var scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/credit1/tick-evader.yaml")
    scenario.parameters["credit"] = ["debit": .choice(mode)]
    scenario.simulation.durationNs = Nanos.s(6)
    let (_, policy) = try scenario.makePolicy()
    let r = Engine(config: scenario.simulation, policy: policy).run()
    #expect(r.share("evader") >= low && r.share("evader") <= high, "\(mode): \(r.share("evader"))")
  }
}

/// Fidelity fixes of the review against `credit.c`.
@Suite final class CreditFidelityTests {
  var engines: [Engine] = []

  /// Xen clears YIELD when the unit is dequeued (`__runq_remove`), not right after requeueing it,
  /// and `csched_runq_steal` skips a unit that yielded. Three burners on 2 pCPUs: the current unit
  /// of pCPU 0 yields; after pCPU 0's schedule it waits in the queue still flagged, and a steal by
  /// pCPU 1 passes it over.
  @Test func aYielderKeepsItsFlagWhileQueuedAndIsNotStolen() {
    let config = Build.config(
      Build.host(1, 2), (0..<3).map { DomainConfig(name: "b\($0)", workloads: [Build.burner()]) }, seconds: 1)
    let policy = CreditScheduler(parameters: try! ParameterSet(specs: CreditScheduler.parameterSpecs))
    let engine = Engine(config: config, policy: policy)
    engines.append(engine)
    engine.start()
    engine.run(until: Nanos.ms(5))
    let p0 = PCPUID(0)
    let v = engine.current(on: p0)!
    policy.yield(v, now: engine.now)
    _ = policy.schedule(on: p0, now: engine.now)
    #expect(policy.onRunq[v.index] && policy.yieldFlag[v.index], "the yielder waits with its flag set")
    #expect(policy.steal(from: 0, to: 1, pri: CreditScheduler.priIdle, now: engine.now) != v.index)
    // Dequeued, it loses the flag.
    policy.runqRemove(v.index)
    #expect(!policy.yieldFlag[v.index])
  }
}

/// The engine calls the policy's `migrate` before it moves the vCPU (Xen's `sched_unit_move_locked`
/// lets the scheduler's `migrate` see the old resource), as the op's documentation says.
@Suite final class MigrateOrderTests {
  /// A one-vCPU policy that asks for a migration to pCPU 1 and records what `migrate` sees.
  final class Probe: SchedulerPolicy {
    let name = "probe"
    var context: SchedContext!
    var seenProcessor: PCPUID?
    var seenTarget: PCPUID?
    func initialize(context: SchedContext) { self.context = context }
    func insert(_ vcpu: VCPUID, now: Int64) {}
    func wake(_ vcpu: VCPUID, now: Int64) { context.tickle(context.processor(vcpu)) }
    func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
      let v = VCPUID(0)
      guard context.isRunnable(v), context.processor(v) == pcpu else { return .idle }
      if now >= Nanos.ms(1) && pcpu == PCPUID(0) {
        context.requestMigration(v)
        return .idle
      }
      return ScheduleDecision(next: v, runtimeNs: Nanos.ms(1))
    }
    func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID { PCPUID(1) }
    func migrate(_ vcpu: VCPUID, to pcpu: PCPUID, now: Int64) {
      seenProcessor = context.processor(vcpu)
      seenTarget = pcpu
    }
  }

  @Test func migrateSeesTheOldProcessor() {
    let config = Build.config(Build.host(1, 2), [DomainConfig(name: "x", workloads: [Build.burner()])], seconds: 0.01)
    let probe = Probe()
    let engine = Engine(config: config, policy: probe)
    let r = engine.run()
    #expect(probe.seenProcessor == PCPUID(0) && probe.seenTarget == PCPUID(1))
    #expect(engine.processor(of: VCPUID(0)) == PCPUID(1))
    #expect(r.share("x") > 0.9)
  }
}
