import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario
import SchedLabTestSupport
import Testing

@testable import SchedLabPolicies

/// credit2-boost: the proposal's rules as this reading implements them (see the policy's header).
@Suite final class Credit2BoostTests {
  var engines: [Engine] = []

  /// The default `credit2-boost` with overrides.
  func boost(_ overrides: [String: ParameterValue] = [:]) -> Credit2Boost {
    Credit2Boost(
      parameters: try! ParameterSet(specs: Credit2Boost.boostDescriptor.parameters, overrides: overrides),
      name: "credit2-boost")
  }

  /// `credit2-boost-proposal` (the split reading) with overrides.
  func proposal(_ overrides: [String: ParameterValue] = [:]) -> Credit2Boost {
    Credit2Boost(
      parameters: try! ParameterSet(specs: Credit2Boost.proposalDescriptor.parameters, overrides: overrides),
      name: "credit2-boost-proposal")
  }

  @discardableResult
  func started(_ config: SimulationConfig, _ policy: any SchedulerPolicy) -> Engine {
    let engine = Engine(config: config, policy: policy)
    engine.start()
    engines.append(engine)
    return engine
  }

  func burners(_ n: Int, cores: Int = 1, extra: [DomainConfig] = []) -> SimulationConfig {
    Build.config(
      Build.host(1, cores), extra + (0..<n).map { DomainConfig(name: "b\($0)", workloads: [Build.burner()]) },
      seconds: 1)
  }

  /// Per-domain boost parameters (`domains[].parameters.credit2-boost`): a domain's own values, and
  /// the tunables (the file's or the defaults) for a domain that sets none; dom0 reads them back.
  @Test func domainParametersSetEachDomainsBoost() throws {
    let yaml = """
      name: domain-parameters
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit2-boost
      duration: 50ms
      parameters: {credit2-boost: {boost_ratio_pct: 20}}
      domains:
        - {name: dom0, dom0: true}
        - {name: audio, parameters: {credit2-boost: {boost_ratio_pct: 40, max_boost_credit_us: 1000}}}
        - {name: hog, workloads: [{type: burner}]}
      control:
        - {at: 0s, caller: dom0, op: get_boost, target: audio}
        - {at: 0s, caller: dom0, op: get_boost, target: hog}
      """
    let scenario = try ScenarioLoader.parse(yaml, path: "domain-parameters.yaml")
    let run = try Runner.simulate(scenario, policy: try scenario.makePolicy().1)
    let read = run.controls.map(\.values)
    #expect(read[0] == ["ratio_permille": 400, "interval_ns": 500_000, "max_credit_ns": 1_000_000])
    #expect(read[1] == ["ratio_permille": 200, "interval_ns": 500_000, "max_credit_ns": 2_500_000])
    // The first assignment is split with each domain's ratio: audio 40% of 10 ms capped at 1 ms,
    // hog 20% of 10 ms.
    let boost = try #require(try scenario.makePolicy().1 as? Credit2Boost)
    Engine(config: scenario.simulation, policy: boost).start()
    #expect(boost.boost.credit[1] == Nanos.ms(1))
    #expect(boost.boost.credit[2] == Nanos.ms(2))
  }

  @Test func creditIsSplitAtEveryAssignment() {
    let policy = proposal()
    started(burners(2), policy)
    let ms = Nanos.ms(1)
    // Initial assignment: 25% of 10 ms to the boost bucket, the rest normal.
    #expect(policy.boost.credit[0] == 2 * ms + ms / 2)
    #expect(policy.credit[0] == 7 * ms + ms / 2)
    // A reset refills the bucket (no carry-over) and clips normal credit at 7.5 + 0.5 ms.
    policy.credit[0] = 3 * ms
    policy.boost.credit[0] = 1 * ms
    policy.resetCredit(0, snext: 0, now: 0)
    #expect(policy.boost.credit[0] == 2 * ms + ms / 2)
    #expect(policy.credit[0] == 8 * ms)
    // The per-domain maximum bounds the bucket.
    policy.ext.maxBoostCredit[0] = ms
    policy.credit[0] = 0
    policy.resetCredit(0, snext: 0, now: 0)
    #expect(policy.boost.credit[0] == ms)
    #expect(policy.credit[0] == 9 * ms)
  }

  @Test func earmarkKeepsTheWholeAssignmentAndChargesBoostedTimeTwice() {
    let policy = boost(["boost_charge": .choice("earmark")])
    started(burners(2), policy)
    #expect(policy.credit[0] == Nanos.ms(10))
    #expect(policy.boost.credit[0] == Nanos.us(2500))
    policy.boost.boosted[0] = true
    policy.ext.burnBoostCredit(policy, 0, time: Nanos.us(100), now: 0)
    #expect(policy.boost.credit[0] == Nanos.us(2400))
    #expect(policy.credit[0] == Nanos.us(9900))
  }

  @Test func boostedUnitsQueueFirstByBoostCredit() {
    let policy = boost()
    started(burners(4), policy)
    // After start all four are queued (FIFO at equal credit) on the single runqueue.
    #expect(policy.runqueues[0].runq == [0, 1, 2, 3])
    for v in [2, 3] {
      policy.runqRemove(v)
      policy.boost.boosted[v] = true
      policy.boost.credit[v] = Nanos.us(v == 2 ? 100 : 900)
      policy.runqInsert(v)
    }
    policy.runqRemove(0)
    policy.credit[0] = policy.credit[1] + Nanos.us(100)
    policy.runqInsert(0)
    #expect(policy.runqueues[0].runq == [3, 2, 0, 1])
  }

  /// An interrupt every 800 us wakes the sleeper: the burner has then run under 950 us, inside its
  /// ratelimit, so credit2 tickles nobody and the sleeper waits; boosted, it preempts at once.
  @Test(arguments: [("credit2-boost", true), ("credit2", false)])
  func interruptDeliveryBoostsAndPreempts(name: String, boosts: Bool) throws {
    let config = Build.config(
      Build.host(1, 1),
      [
        DomainConfig(name: "burn", workloads: [Build.burner()]),
        DomainConfig(
          name: "dev",
          workloads: [
            WorkloadSpec(
              name: "irq", kind: .interrupts(arrival: .periodic(period: Nanos.us(800)), handlerNs: Nanos.us(20)),
              phaseNs: Nanos.us(800))
          ]),
      ], seconds: 0.5, warmup: Nanos.ms(10))  // past the boot wake, which is no interrupt
    let policy = try PolicyRegistry.lookup(name)!.instantiate()
    let r = Build.run(config, policy)
    let dev = r.domain("dev")
    if boosts {
      #expect(dev.wakeLatency.maxNs == 0)
      #expect(dev.policyCounters.first { $0.name == "boosts_irq" }!.value > 100)
      // The handler returns with dont_desched clear: de-boost.
      #expect(dev.policyCounters.first { $0.name == "deboost_handler_return" }!.value > 100)
    } else {
      #expect(dev.wakeLatency.maxNs > 0)
    }
  }

  @Test func stormingSourcesDoNotBoost() {
    let config = Build.config(
      Build.host(1, 1),
      [
        DomainConfig(name: "burn", workloads: [Build.burner()]),
        DomainConfig(
          name: "cam",
          workloads: [
            WorkloadSpec(name: "usb", kind: .storm(arrival: .periodic(period: Nanos.us(50)), handlerNs: Nanos.us(5)))
          ]),
      ], seconds: 0.2)
    let policy = boost()
    let r = Build.run(config, policy)
    // 20,000/s is 200 per 10 ms window, over the threshold of 50: only the first window's 51
    // interrupts can boost; afterwards the source is storming.
    let boosts = r.domain("cam").policyCounters.first { $0.name == "boosts_irq" }!.value
    #expect(boosts <= 51)
    #expect(r.counters.first { $0.name == "storm_interrupts_ignored" }!.value > 3000)
    #expect(r.counters.first { $0.name == "storms_detected" }!.value == 1)
  }

  /// Interpretation 8: a masked or `dont_desched` vCPU is boosted when credit2 has chosen to
  /// preempt it, and only if that trigger is enabled.
  @Test func aboutToPreemptBoostsMaskedOrDontDeschedVCPUsOnlyIfEnabled() {
    for enabled in [true, false] {
      let policy = boost(enabled ? [:] : ["boost_on_dont_desched": .boolean(false)])
      let engine = started(burners(2), policy)
      engine.run(until: Nanos.us(100))
      let v = policy.context.current(PCPUID(0))!
      let other = 1 - v.index
      engine.setGuestHints(v, dontDesched: true)
      // The waiting burner now has far more credit: credit2 would preempt at the next decision.
      policy.credit[other] = policy.credit[v.index] + Nanos.ms(5)
      #expect(policy.ext.aboutToPreempt(policy, v.index, now: engine.now) == enabled)
      #expect(policy.boost.boosted[v.index] == enabled)
      #expect(policy.ext.vcpuStats[v.index][.boostsDontDesched] == (enabled ? 1 : 0))
    }
    let policy = boost()
    let engine = started(burners(2), policy)
    engine.run(until: Nanos.us(100))
    let v = policy.context.current(PCPUID(0))!
    engine.setGuestHints(v, interruptsMasked: true)
    #expect(policy.ext.aboutToPreempt(policy, v.index, now: engine.now))
    #expect(policy.ext.vcpuStats[v.index][.boostsMasked] == 1)
  }

  /// Interpretation 8, the fix: the hook used to fire at every slice end of a runnable vCPU, so a
  /// `dont_desched` vCPU alone on its pCPU, which nobody wants to preempt, was boosted every time.
  @Test func aVCPUNobodyPreemptsIsNeverBoosted() {
    let config = Build.config(
      Build.host(1, 1),
      [DomainConfig(name: "alone", workloads: [WorkloadSpec(name: "spin", kind: .burner, dontDesched: true)])],
      seconds: 1)
    let policy = boost()
    let r = Build.run(config, policy)
    #expect(r.domain("alone").policyCounters.first { $0.name == "boosts_dont_desched" }!.value == 0)
    #expect(policy.ext.vcpuStats[0][.boostsDontDesched] == 0)
  }

  /// The abuser of scenario (e) keeps `dont_desched` set forever. Each boost ends exactly once
  /// (de-boosting a running vCPU used to re-enter the de-boost when the charge emptied the bucket,
  /// counting it twice), and its boosted run time stays within the buckets it was given: one
  /// 2.5 ms bucket per credit reset of its runqueue (plus the first).
  @Test(arguments: ["credit2-boost", "credit2-boost-proposal"])
  func boostsEndOnceAndStayWithinTheirBuckets(reading: String) throws {
    var scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/boost/abuse.yaml")
    scenario.simulation.durationNs = Nanos.s(5)
    scenario.simulation.warmupNs = 0
    let policy = reading == "credit2-boost" ? boost() : proposal()
    let r = Engine(config: scenario.simulation, policy: policy).run()
    let c = r.domain("abuser").policyCounters
    func n(_ name: String) -> Int64 { c.first { $0.name == name }!.value }
    let boosts = n("boosts_irq") + n("boosts_masked") + n("boosts_dont_desched")
    let ends =
      n("deboost_interval") + n("boost_exhaustions") + n("deboost_handler_return") + n("deboost_unmask")
      + n("deboost_yield")
    #expect(boosts > 100)
    #expect(ends == boosts || ends == boosts - 1, "\(boosts) boosts, \(ends) ends")
    let resets = r.counters.first { $0.name == "credit_resets" }!.value
    #expect(n("boosted_ns") + n("protected_ns") <= (resets + 1) * Nanos.us(2500) + Nanos.us(10) * resets)
    #expect(n("boost_budget_overruns") == 0)
  }

  /// De-boosting a running vCPU charges it first; if that charge empties the bucket, the boost has
  /// ended there (an exhaustion) and must not be ended a second time.
  @Test func aDeboostWhoseChargeEmptiesTheBucketEndsTheBoostOnce() {
    let policy = boost(["boost_charge": .choice("earmark")])
    let engine = started(burners(2), policy)
    engine.run(until: Nanos.us(100))
    let v = policy.context.current(PCPUID(0))!.index
    policy.ext.boost(v, trigger: .interrupt, now: engine.now)
    policy.boost.credit[v] = Nanos.us(10)
    let start = engine.now
    policy.ext.deboost(v, reason: .interval, now: start + Nanos.us(20))
    let stats = policy.ext.vcpuStats[v]
    #expect(!policy.boost.boosted[v])
    #expect(
      stats[.boostExhaustions] + stats[.deboostInterval] == 1,
      "\(stats[.boostExhaustions]) + \(stats[.deboostInterval])")
    #expect(stats[.boostedNs] == Nanos.us(20))
  }

  /// A vCPU boosted while it runs gets its boost timer at the earlier of its interval's end and the
  /// moment its bucket would run out, so exhaustion is seen when it happens.
  @Test func boostingARunningVCPUArmsItsExhaustion() {
    let policy = boost()
    let engine = started(burners(2), policy)
    engine.run(until: Nanos.us(100))
    let v = policy.context.current(PCPUID(0))!.index
    policy.boost.credit[v] = Nanos.us(10)
    policy.ext.boost(v, trigger: .interrupt, now: engine.now)
    #expect(policy.boost.boosted[v])
    engine.run(until: engine.now + Nanos.us(50))
    #expect(!policy.boost.boosted[v])
    #expect(policy.ext.vcpuStats[v][.boostExhaustions] == 1)
    #expect(policy.ext.vcpuStats[v][.boostedNs] <= Nanos.us(11))
  }

  @Test func deboostRules() {
    let policy = boost()
    let engine = started(burners(2), policy)
    engine.run(until: Nanos.ms(1))
    let v = policy.context.current(PCPUID(0))!
    // Handler return de-boosts only with dont_desched clear.
    policy.ext.boost(v.index, trigger: .interrupt, now: engine.now)
    engine.setGuestHints(v, dontDesched: true)
    policy.guestNotification(.handlerReturned, vcpu: v, now: engine.now)
    #expect(policy.boost.boosted[v.index])
    policy.guestNotification(.interruptsUnmasked, vcpu: v, now: engine.now)
    #expect(policy.boost.boosted[v.index])
    engine.setGuestHints(v, dontDesched: false)
    policy.guestNotification(.interruptsUnmasked, vcpu: v, now: engine.now)
    #expect(!policy.boost.boosted[v.index])
    #expect(policy.ext.vcpuStats[v.index][.deboostUnmask] == 1)
    // A yield de-boosts.
    policy.ext.boost(v.index, trigger: .interrupt, now: engine.now)
    policy.yield(v, now: engine.now)
    #expect(!policy.boost.boosted[v.index])
    #expect(policy.ext.vcpuStats[v.index][.deboostYield] == 1)
    // The interval ends a boost (its timer).
    policy.ext.boost(v.index, trigger: .interrupt, now: engine.now)
    engine.run(until: engine.now + Nanos.us(501))
    #expect(!policy.boost.boosted[v.index])
    #expect(policy.ext.vcpuStats[v.index][.deboostInterval] == 1)
  }

  @Test func exhaustionWithDontDeschedWarnsAndCounts() {
    // Earmark charging: every boosted ns is paid from the bucket (overtake would not charge a
    // vCPU that leads its runqueue by credit anyway).
    let policy = boost(["boost_charge": .choice("earmark")])
    let engine = started(burners(2), policy)
    engine.run(until: Nanos.ms(1))
    let v = policy.context.current(PCPUID(0))!
    engine.setGuestHints(v, dontDesched: true)
    policy.ext.boost(v.index, trigger: .dontDesched, now: engine.now)
    policy.boost.credit[v.index] = Nanos.us(10)
    policy.burnCredits(v.index, now: engine.now + Nanos.us(20))
    #expect(!policy.boost.boosted[v.index])
    #expect(policy.ext.boostStats[.boostExhaustionsDontDesched] == 1)
    #expect(policy.ext.vcpuStats[v.index][.boostExhaustionsDontDesched] == 1)
    #expect(engine.log.last?.contains("ran out of boost credit with dont_desched set") == true)
    // No credit, no boost.
    policy.ext.boost(v.index, trigger: .dontDesched, now: engine.now)
    #expect(!policy.boost.boosted[v.index])
    #expect(policy.ext.vcpuStats[v.index][.boostsDeniedNoCredit] == 1)
  }

  @Test func controlCallPrivileges() {
    let policy = boost()
    let config = burners(1, extra: [DomainConfig(name: "dom0", isControl: true), DomainConfig(name: "guest")])
    started(config, policy)
    let dom0 = DomainID(0)
    let guest = DomainID(1)
    let other = DomainID(2)
    func call(_ caller: DomainID, _ op: String, _ target: DomainID, _ args: [ControlArgument] = []) -> ControlOutcome {
      policy.control(ControlCall(time: 0, caller: caller, op: op, target: target, arguments: args), now: 0)
    }
    // dom0 may set any domain's parameters and read any counters.
    #expect(
      call(
        dom0, "set_boost", guest, [ControlArgument("ratio_permille", 500), ControlArgument("max_credit_ns", 1_000_000)]
      ).isOK)
    #expect(policy.ext.ratioPermille[1] == 500 && policy.ext.maxBoostCredit[1] == 1_000_000)
    #expect(call(dom0, "get_counters", other).isOK)
    // A guest may read its own counters and parameters only.
    #expect(call(guest, "get_counters", guest).isOK)
    #expect(call(guest, "get_boost", guest).isOK)
    let refusals: [ControlOutcome] = [
      call(guest, "get_counters", other), call(guest, "set_boost", guest, [ControlArgument("ratio_permille", 1000)]),
      call(guest, "set_boost", other, [ControlArgument("ratio_permille", 1000)]),
      call(guest, "set_weight", guest, [ControlArgument("weight", 9999)]),
    ]
    for outcome in refusals {
      guard case .permissionDenied = outcome else {
        Issue.record("expected EPERM, got \(outcome)")
        continue
      }
    }
    // Refused calls changed nothing and were counted, per caller and in total.
    #expect(policy.ext.ratioPermille[1] == 500)
    #expect(policy.domains[1].weight == 256)
    #expect(policy.ext.boostStats[.refusedControlCalls] == 4)
    #expect(policy.ext.refusedByCaller[1] == 4)
    // Bad arguments are EINVAL, and also change nothing.
    if case .invalid = call(dom0, "set_boost", guest, [ControlArgument("ratio_permille", 2000)]) {
    } else {
      Issue.record("expected EINVAL")
    }
    #expect(policy.ext.ratioPermille[1] == 500)
  }

  /// With boost off, credit2-boost is credit2, decision for decision.
  @Test(arguments: Array(UInt64(1)...8))
  func boostOffIsCredit2(seed: UInt64) {
    func fingerprint(_ policy: any SchedulerPolicy) -> [Int64] {
      let r = Build.run(RandomScenario.make(seed: seed), policy)
      return r.domains.flatMap { d in d.vcpus.flatMap(\.runstateNs) + [d.wakeLatency.p99Ns, d.wakeLatency.maxNs] }
        + [r.host.events]
    }
    #expect(fingerprint(boost(["boost": .boolean(false)])) == fingerprint(Build.credit2()))
  }

  /// Interpretation 9: a saturated interrupt-driven server VM (fair share 0.44) takes ~0.95 of a pCPU
  /// when a run a boost began keeps its ratelimit for free (the proposal as written); paid from the
  /// bucket (the default) or waived, it is held to its share.
  @Test(arguments: [("credit", false), ("waive", true), ("bucket", true)])
  func boostedRunsKeepASaturatedServerFair(mode: String, fair isFair: Bool) throws {
    var scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/suite/p08-server-saturated.yaml")
    scenario.simulation.durationNs = Nanos.s(4)
    let policy = try Credit2Boost.boostDescriptor.instantiate(["boosted_run_ratelimit": .choice(mode)])
    let r = Engine(config: scenario.simulation, policy: policy).run()
    let share = r.share("web")
    let fair = 2.0 / 18.0 * 4
    if isFair {
      #expect(share <= fair + 0.02, "\(mode): web \(share)")
    } else {
      #expect(share > fair + 0.2, "\(mode): web \(share)")
    }
  }
}
