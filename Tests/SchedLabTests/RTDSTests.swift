import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario
import SchedLabTestSupport
import Testing

@testable import SchedLabPolicies

/// Xen's RTDS: deferrable servers under global EDF, checked against schedules computed by hand and
/// the rules of `rt.c` (SimSo's global EDF is the independent check: `Tests/tools/simso_compare.py`).
@Suite struct RTDSTests {
  /// Every job's completion time, per domain, from the trace bus.
  final class Jobs: TraceListener {
    var completions: [Int: [Int64]] = [:]
    func record(_ event: TraceEvent, now: Int64, engine: Engine) {
      if case .jobCompleted(_, let domain, _, _, _) = event { completions[domain.index, default: []].append(now) }
    }
  }

  func run(_ yaml: String, listener: (any TraceListener)? = nil) throws -> RunResult {
    let scenario = try ScenarioLoader.parse(yaml, path: "rtds.yaml")
    return try Runner.simulate(scenario, policy: try scenario.makePolicy().1, listeners: listener.map { [$0] } ?? [])
  }

  /// Two burners without extratime on one pCPU, 4 ms every 10 ms and 6 ms every 15 ms: each gets
  /// exactly its budget (0.4 and 0.4), the pCPU idles the rest (0.2), and every period ends in a
  /// depletion (100 and 66.7 per second).
  @Test func serversWithoutExtratimeGetExactlyTheirBudgets() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 3s
      domains:
        - {name: a, workloads: [{type: burner}], parameters: {rtds: {period_us: 10000, budget_us: 4000, extratime: false}}}
        - {name: b, workloads: [{type: burner}], parameters: {rtds: {period_us: 15000, budget_us: 6000, extratime: false}}}
      """)
    #expect(abs(r.share("a") - 0.4) < 1e-9 && abs(r.share("b") - 0.4) < 1e-9, "\(r.domains.map(\.share))")
    #expect(abs(r.host.idleFraction - 0.2) < 1e-9)
    let depletions = r.domains.map { $0.policyCounters.first { $0.name == "depletions" }?.value }
    #expect(depletions == [300, 200])
  }

  /// The same with extratime: nothing idles; each gets at least its budget.
  @Test func extratimeLeavesNoPCPUIdle() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 3s
      domains:
        - {name: a, workloads: [{type: burner}], parameters: {rtds: {period_us: 10000, budget_us: 4000}}}
        - {name: b, workloads: [{type: burner}], parameters: {rtds: {period_us: 15000, budget_us: 6000}}}
      """)
    #expect(r.host.idleFraction < 1e-9)
    #expect(r.share("a") >= 0.4 - 1e-9 && r.share("b") >= 0.4 - 1e-9, "\(r.domains.map(\.share))")
  }

  /// A deferrable server keeps its budget while its vCPU blocks and loses what is left at its
  /// deadline. Budget 3 ms every 10 ms, jobs of 1.5 ms every 4 ms, alone, by hand: job 0 runs 0–1.5
  /// (1.5 ms left), job 1 4–5.5 (budget gone), job 2, released at 8, waits for the replenishment at
  /// 10 and runs 10–11.5, job 3 12–13.5 (gone again), job 4 (16) waits for 20: 20–21.5, job 5 (20,
  /// queued behind it) 21.5–23 (gone), job 6 (24) waits for 30.
  @Test func aDeferrableServerKeepsItsBudgetWhileBlocked() throws {
    let jobs = Jobs()
    _ = try run(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 40ms
      domains:
        - name: rt
          workloads: [{type: periodic, period: 4ms, service: 1500us, phase: 0ms}]
          parameters: {rtds: {period_us: 10000, budget_us: 3000, extratime: false}}
      """, listener: jobs)
    let us = Nanos.us(1)
    #expect(
      jobs.completions[0]?.prefix(7).map { $0 / us } == [1500, 5500, 11_500, 13_500, 21_500, 23_000, 31_500])
  }

  /// Global EDF on two pCPUs, by hand: three burners with budgets 2, 3 and 4 ms every 5, 7 and 11 ms,
  /// no extratime (U = 1.19). At 0 the two earliest deadlines run (5 and 7); the third waits until
  /// the first is depleted at 2 ms; every unit gets exactly its budget every period, since U ≤ 2 and
  /// no unit exceeds one pCPU.
  @Test func globalEDFServesEveryBudgetOnTwoPCPUs() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 2, threads: 1}
      scheduler: rtds
      duration: 3850ms
      domains:
        - {name: a, workloads: [{type: burner}], parameters: {rtds: {period_us: 5000, budget_us: 2000, extratime: false}}}
        - {name: b, workloads: [{type: burner}], parameters: {rtds: {period_us: 7000, budget_us: 3000, extratime: false}}}
        - {name: c, workloads: [{type: burner}], parameters: {rtds: {period_us: 11000, budget_us: 4000, extratime: false}}}
      """)
    // 3850 ms is a multiple of 5, 7 and 11 ms.
    #expect(abs(r.share("a") - 0.4) < 1e-9)
    #expect(abs(r.share("b") - 3.0 / 7) < 1e-9)
    #expect(abs(r.share("c") - 4.0 / 11) < 1e-9)
  }

  /// `priority_level` saturates: a unit demoted past the largest level stays there, the lowest
  /// priority, and never wraps back to level 0 (Xen's `RTDS_MAX_PRIORITY_LEVEL` fix).
  @Test func priorityLevelNeverWraps() {
    #expect(RTDSScheduler.demoted(0) == 1)
    #expect(RTDSScheduler.demoted(.max) == .max)
    let policy = RTDSScheduler(configuration: try! RTDSScheduler.descriptor.configure())
    policy.level = [.max, 0]
    policy.curDeadline = [Nanos.ms(1), Nanos.ms(100)]
    #expect(policy.compare(1, 0) > 0, "level 0 beats a saturated level whatever the deadlines")
    #expect(policy.compare(0, 1) < 0)
  }

  /// Turning extratime on for a depleted unit (`xl sched-rtds -v 0 -e 1`) does what running out of
  /// budget with extratime would have done: one level down, a fresh budget, off the depleted queue —
  /// no unit without budget reaches the runqueue (the `runq_pick` assertion, kept as a precondition,
  /// would stop the run). As in Xen nothing tickles a pCPU for it: alone on its host, the unit waits
  /// beside an idle pCPU, and even its replenishments do not tickle (its depleted flag was cleared), so
  /// it runs again only when something else makes the pCPU schedule: here, a second unit's job at 30 ms.
  @Test func extratimeOnForADepletedUnitIsSafe() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 60ms
      domains:
        - {name: dom0, dom0: true}
        - {name: a, workloads: [{type: burner}], parameters: {rtds: {period_us: 10000, budget_us: 2000, extratime: false}}}
        - name: b
          workloads: [{type: periodic, period: 30ms, service: 1ms, phase: 30ms}]
          parameters: {rtds: {period_us: 10000, budget_us: 2000, extratime: false}}
      control:
        - {at: 4ms, caller: dom0, op: rtds_get_vcpu, target: a, vcpu: 0}
        - {at: 5ms, caller: dom0, op: rtds_set_vcpu, target: a, vcpu: 0, extratime: 1}
        - {at: 6ms, caller: dom0, op: rtds_get_vcpu, target: a, vcpu: 0}
        - {at: 25ms, caller: dom0, op: rtds_get_vcpu, target: a, vcpu: 0}
        - {at: 40ms, caller: dom0, op: rtds_get_vcpu, target: a, vcpu: 0}
      """)
    let before = r.controls[0].values
    #expect(before["depleted"] == 1 && before["cur_budget_ns"] == 0)
    #expect(r.controls[1].outcome == .ok([]))
    let after = r.controls[2].values
    #expect(after["depleted"] == 0 && after["priority_level"] == 1 && after["cur_budget_ns"] == Nanos.ms(2))
    // Never dispatched after 2 ms until b's job at 30 ms made the pCPU schedule: its budget of the
    // period starting at 20 ms is whole at 25 ms; at 40 ms it has run (with extratime, so at level ≥ 0).
    let waiting = r.controls[3].values
    #expect(waiting["cur_budget_ns"] == Nanos.ms(2) && waiting["priority_level"] == 0)
    #expect(r.domain("a").runningNs > Nanos.ms(2) + Nanos.ms(5))
  }

  /// `xl sched-rtds -d D -p P -b B` checks the pair as a whole (`rt_validate_params`): a budget over
  /// the period or under 10 µs, or a period under 10 µs, is refused with EINVAL and changes nothing;
  /// a valid pair applies to every vCPU of the domain; a guest may not set, only read its own.
  @Test func domainWideSettingsAreValidated() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 2, threads: 1}
      scheduler: rtds
      duration: 10ms
      domains:
        - {name: dom0, dom0: true}
        - {name: g, vcpus: 2, workloads: [{type: burner}]}
      control:
        - {at: 1ms, caller: dom0, op: rtds_set, target: g, period: 10ms, budget: 12ms}
        - {at: 1ms, caller: dom0, op: rtds_set, target: g, period: 10ms, budget: 5us}
        - {at: 1ms, caller: dom0, op: rtds_set, target: g, period: 5us, budget: 5us}
        - {at: 1ms, caller: g, op: rtds_set, target: g, period: 20ms, budget: 5ms}
        - {at: 2ms, caller: g, op: rtds_get_vcpu, target: g, vcpu: 1}
        - {at: 3ms, caller: dom0, op: rtds_set, target: g, period: 20ms, budget: 5ms}
        - {at: 4ms, caller: dom0, op: rtds_get_vcpu, target: g, vcpu: 1}
      """)
    for i in 0..<3 {
      guard case .invalid = r.controls[i].outcome else {
        Issue.record("call \(i) accepted: \(r.controls[i].outcome)")
        continue
      }
    }
    if case .permissionDenied = r.controls[3].outcome {} else { Issue.record("a guest set its own RTDS parameters") }
    #expect(r.controls[4].values["period_ns"] == Nanos.ms(10) && r.controls[4].values["budget_ns"] == Nanos.ms(4))
    #expect(r.controls[6].values["period_ns"] == Nanos.ms(20) && r.controls[6].values["budget_ns"] == Nanos.ms(5))
  }

  /// A scenario's parameters go through the same rule when the file is loaded (so `validate` refuses
  /// what `run` would): one line naming the file's line and the parameter; a period set host-wide
  /// under the default 4 ms budget is refused at the host-wide setting.
  @Test func aBudgetOverThePeriodIsRefusedAtLoad() throws {
    func refusal(_ yaml: String) -> String {
      do {
        _ = try ScenarioLoader.parse(yaml, path: "bad.yaml")
        return "accepted"
      } catch {
        return "\(error)"
      }
    }
    let domain = refusal(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 10ms
      domains:
        - name: g
          workloads: [{type: burner}]
          parameters: {rtds: {period_us: 1000, budget_us: 2000}}
      """)
    #expect(domain == "bad.yaml:7: domains[0].parameters.rtds.budget_us: budget 2000us is more than the period 1000us")
    let host = refusal(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: credit2
      duration: 10ms
      parameters:
        rtds: {period_us: 2000}
      domains:
        - {name: g, workloads: [{type: burner}]}
      """)
    #expect(host == "bad.yaml:5: parameters.rtds.budget_us: budget 4000us is more than the period 2000us")
  }

  /// Faithful to `rt.c`, and worth reporting: the replenishment queue is ordered by the runqueue's
  /// comparison, priority level first. Unit a (1 ms every 10 ms, extratime) uses its budget and one
  /// more (level 1), is preempted by b (2 ms every 30 ms, no extratime) at 1 ms, finishes its 1.5 ms
  /// step at 3.5 ms and blocks at level 1; it wakes at 5 ms, before its deadline (10 ms), and is queued
  /// for replenishment behind b (level 0, deadline 30 ms). So at 10 ms nothing replenishes it: at
  /// 15 ms, running all along since 5 ms, it still has the deadline of 10 ms (ordered by deadline
  /// alone it would be 20 ms, level 0).
  @Test func replenishmentWaitsBehindLevelZeroUnits() throws {
    let r = try run(
      """
      host: {sockets: 1, cores: 1, threads: 1}
      scheduler: rtds
      duration: 20ms
      domains:
        - {name: dom0, dom0: true}
        - name: a
          workloads: [{type: phases, steps: ['run 1500us', 'block 1500us', 'run 50ms'], phase: 0ms}]
          parameters: {rtds: {period_us: 10000, budget_us: 1000}}
        - {name: b, workloads: [{type: burner}], parameters: {rtds: {period_us: 30000, budget_us: 2000, extratime: false}}}
      control:
        - {at: 15ms, caller: dom0, op: rtds_get_vcpu, target: a, vcpu: 0}
      """)
    let a = r.controls[0].values
    #expect(a["cur_deadline_ns"] == Nanos.ms(10), "\(a)")
    #expect((a["priority_level"] ?? 0) >= 1, "\(a)")
  }

  /// Over 20 seeded random scenarios (hosts, affinities, caps, workload mixes): time is conserved per
  /// pCPU to the nanosecond and no vCPU runs on two pCPUs at once.
  @Test func randomScenariosKeepTheEngineInvariants() throws {
    for seed in UInt64(1)...20 {
      let config = RandomScenario.make(seed: seed)
      // RTDS leaves pCPUs idle beside depleted units by design: only the other invariants are checked.
      let checker = InvariantChecker(graceNs: .max / 2)
      let policy = try RTDSScheduler.descriptor.instantiate()
      let r = Build.run(config, policy, listener: checker)
      #expect(checker.violations.isEmpty, "seed \(seed): \(checker.violations.prefix(3))")
      checker.finish(at: config.durationNs)
      for p in 0..<r.host.pcpus {
        #expect(checker.busyNs[p] + r.host.pcpuIdleNs[p] == r.measuredNs, "seed \(seed) pCPU\(p)")
      }
    }
  }
}
