import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario
import SchedLabTestSupport
import Testing

@testable import SchedLabPolicies

/// `credit-bcs`: credit1 with Nishiguchi's boost reservation, checked against its numbered rules
/// (CreditBCS/BoostReservation.swift), schedules computed by hand, and the oracle's floor semantics.
@Suite struct CreditBCSTests {
  final class Switches: TraceListener {
    var runs: [(time: Int64, vcpu: Int)] = []
    func record(_ event: TraceEvent, now: Int64, engine: Engine) {
      if case .switched(_, _, let to?) = event { runs.append((now, to.index)) }
    }
  }

  func scenario(_ yaml: String) throws -> Scenario { try ScenarioLoader.parse(yaml, path: "bcs.yaml") }

  /// Rule 5: two reserved burners (50% each) on one pCPU, both BOOST from time 0 with 15 ms of boost
  /// credit: they alternate every 1 ms (the boost slice) — a run every millisecond, each vCPU in
  /// turn — until both have spent their 15 ms at 30 ms; then credit1 takes over (a 30 ms slice).
  @Test func reservedVMsInterleaveAtOneMillisecond() throws {
    let s = try scenario(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit-bcs
      duration: 60ms
      parameters: {credit-bcs: {reservation_pct: 50}}
      domains:
        - {name: a, workloads: [{type: burner}]}
        - {name: b, workloads: [{type: burner}]}
      """)
    let switches = Switches()
    _ = try Runner.simulate(s, policy: try s.makePolicy().1, listeners: [switches])
    let first = switches.runs.filter { $0.time < Nanos.ms(30) }
    #expect(first.count == 30, "\(first.map { ($0.time / 1000, $0.vcpu) })")
    for (i, run) in first.enumerated() {
      #expect(run.time == Nanos.ms(Int64(i)) && run.vcpu == i % 2, "run \(i): \(run)")
    }
  }

  /// Rules 2 and 4: a 30%-reserved burner among three others (equal weights) on one pCPU gets the
  /// larger of its reservation and its fair share (0.30 > 0.25), not their sum; over 3 s its reserved
  /// run time is exactly its grants, 9 ms per 30 ms accounting (900 ms), and it runs out of boost
  /// credit once per period.
  @Test func aReservationIsAFloorChargedExactly() throws {
    let s = try scenario(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit-bcs
      duration: 3s
      domains:
        - {name: reserved, workloads: [{type: burner}], parameters: {credit-bcs: {reservation_pct: 30}}}
        - {name: b1, workloads: [{type: burner}]}
        - {name: b2, workloads: [{type: burner}]}
        - {name: b3, workloads: [{type: burner}]}
      """)
    let e = try Runner.evaluate(s, scheduler: "credit-bcs")
    let reserved = e.result.domain("reserved")
    #expect(abs(reserved.share - 0.3) < 0.01, "\(e.result.domains.map(\.share))")
    #expect(abs(e.ideal![0] - 0.3) < 1e-9 && abs(e.ideal![1] - 0.7 / 3) < 1e-9, "\(e.ideal!)")
    let counters = Dictionary(uniqueKeysWithValues: reserved.policyCounters.map { ($0.name, $0.value) })
    // 100 grants of 9 ms (the first at time 0, then every 30 ms up to 2.97 s), all spent.
    #expect(counters["reserved_ns"] == Nanos.ms(900), "\(counters)")
    #expect(counters["reservation_exhaustions"] == 100, "\(counters)")
  }

  /// With no reservation, credit-bcs is credit1: same shares, same counters, on the 2009 example.
  @Test func withoutReservationItIsCredit1() throws {
    let s = try ScenarioLoader.load(path: "scenarios/seed-example.yaml")
    let a = try Runner.evaluate(s, scheduler: "credit")
    let b = try Runner.evaluate(s, scheduler: "credit-bcs")
    #expect(a.result.domains.map(\.share) == b.result.domains.map(\.share))
    #expect(a.result.counters == b.result.counters)
  }

  /// Rule 1 and the control interface: dom0 sets a reservation during the run (`bcs_set`), the
  /// domain reads its own (`bcs_get`) but may not set it; the reservation acts from the next grant
  /// (a reservation over 100% is refused at load, at its line, like every fraction argument).
  @Test func dom0SetsReservationsDuringARun() throws {
    let s = try scenario(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit-bcs
      duration: 2s
      domains:
        - {name: dom0, dom0: true}
        - {name: v, weight: 64, workloads: [{type: burner}]}
        - {name: b, workloads: [{type: burner}]}
      control:
        - {at: 1s, caller: v, op: bcs_set, target: v, reservation: 60%}
        - {at: 1s, caller: dom0, op: bcs_set, target: v, reservation: 60%}
        - {at: 1500ms, caller: v, op: bcs_get, target: v}
      """)
    let r = try Runner.simulate(s, policy: try s.makePolicy().1)
    if case .permissionDenied = r.controls[0].outcome {} else { Issue.record("a guest set its own reservation") }
    #expect(r.controls[1].outcome == .ok([]))
    #expect(r.controls[2].values["reservation_permille"] == 600)
    // Weight 64 against 256: 0.2 for the first second, then 0.6 reserved.
    #expect(abs(r.share("v") - 0.4) < 0.02, "\(r.domains.map(\.share))")
  }

  /// Over 20 seeded random scenarios with a 20% reservation for every domain: time conserved per
  /// pCPU, no vCPU on two pCPUs, nothing runnable left waiting beside an idle pCPU beyond credit1's own
  /// 20 ms grace, and no boosted run beyond its boost credit. (The last failed before a vCPU running
  /// when its grant came had its pCPU reschedule: it ran a whole credit1 slice at BOOST, up to 30 ms
  /// on a 3 ms grant, and took CPU from the others — found by `schedlab search --scheduler
  /// credit-bcs --param reservation_pct=20 --reference credit`.)
  @Test(arguments: Array(UInt64(1)...20))
  func invariantsOnRandomScenarios(seed: UInt64) throws {
    let config = RandomScenario.make(seed: seed)
    let checker = InvariantChecker(graceNs: Nanos.ms(20))
    let policy = try CreditScheduler.bcsDescriptor.instantiate(["reservation_pct": .integer(20)])
    let r = Build.run(config, policy, listener: checker)
    #expect(checker.violations.isEmpty, "seed \(seed): \(checker.violations.prefix(3))")
    checker.finish(at: config.durationNs)
    for p in 0..<r.host.pcpus { #expect(checker.busyNs[p] + r.host.pcpuIdleNs[p] == r.measuredNs) }
    for domain in r.domains {
      let overrun = domain.policyCounters.first { $0.name == "reservation_overrun_ns" }?.value
      #expect(overrun == 0, "seed \(seed) \(domain.name): \(overrun ?? -1) ns boosted beyond its credit")
    }
  }

  /// Rule 7: two reserved vCPUs of one domain alone on one pCPU split it evenly. Before the rule
  /// one got 0.90 and the other 0.10: its reserved runs came right after each grant, between credit1's
  /// ticks, so no tick saw it running, it never joined the accounting, and it stayed OVER on the
  /// charge for its reserved time (found by search, as a wrong demand measured for a 2-vCPU domain).
  @Test func aReservedVCPUJoinsTheAccounting() throws {
    let s = try scenario(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit-bcs
      parameters: {credit-bcs: {reservation_pct: 20}}
      duration: 3s
      warmup: 100ms
      domains:
        - {name: vm, vcpus: 2, workloads: [{type: burner}]}
      """)
    let r = try Runner.simulate(s, policy: try s.makePolicy().1)
    let shares = r.domains[0].vcpus.map(\.share)
    #expect(shares.allSatisfy { abs($0 - 0.5) < 0.02 }, "\(shares)")
  }

  /// The search's counterexample, shrunk: three burner VMs (one with two vCPUs) on three pCPUs, each
  /// domain reserved 20%: every reservation is below the fair share, so the shares are credit1's
  /// (1.5 / 0.75 / 0.75 within 0.05; before the fix 1.66 / 0.62 / 0.72).
  @Test func reservationsBelowTheFairShareLeaveCredit1sShares() throws {
    let s = try scenario(
      """
      host: {sockets: 1, cores: 3, threads: 1}
      scheduler: credit-bcs
      parameters: {credit-bcs: {reservation_pct: 20}}
      duration: 3s
      warmup: 100ms
      domains:
        - {name: vm0, vcpus: 2, workloads: [{type: burner}]}
        - {name: vm1, workloads: [{type: burner}]}
        - {name: vm3, workloads: [{type: burner}]}
      """)
    let e = try Runner.evaluate(s, scheduler: "credit-bcs")
    for (d, domain) in e.result.domains.enumerated() {
      #expect(abs(domain.share - e.ideal![d]) < 0.05, "\(domain.name): \(domain.share) for \(e.ideal![d])")
    }
  }
}
