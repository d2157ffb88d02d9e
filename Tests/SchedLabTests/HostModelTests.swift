import SchedLabCore
import SchedLabScenario
import SchedLabTestSupport
import Testing

@testable import SchedLabPolicies

/// The host model: each cost hand-computed on a one-vCPU host where nothing else can interfere.
@Suite struct HostModelTests {
  /// Dispatches the only vCPU on pCPU 0, 1, 0, 1, ... (one pCPU per wake-up), so every wake-up is a
  /// migration and every tickle an IPI to another pCPU.
  final class Alternator: SchedulerPolicy {
    let name = "alternator"
    var context: SchedContext!
    var nextCPU = 0
    func initialize(context: SchedContext) { self.context = context }
    func insert(_ vcpu: VCPUID, now: Int64) {}
    func wake(_ vcpu: VCPUID, now: Int64) { context.tickle(PCPUID(nextCPU)) }
    func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
      let v = VCPUID(0)
      if context.current(pcpu) == v {
        if context.isRunnable(v) { return ScheduleDecision(next: v, runtimeNs: -1) }
        nextCPU = (nextCPU + 1) % context.pcpuCount
        return .idle
      }
      if context.isRunnable(v) && !context.isRunning(v) && pcpu.index == nextCPU {
        return ScheduleDecision(next: v, runtimeNs: -1)
      }
      return .idle
    }
    func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID { context.processor(vcpu) }
  }

  /// A 500 us job every 10 ms on the only vCPU; its median response time.
  func jobResponse(_ host: HostTopology, _ model: HostModel) -> Int64 {
    let job = WorkloadSpec(
      name: "job", kind: .periodic(periodNs: Nanos.ms(10), serviceNs: Nanos.us(500), deadlineNs: Nanos.ms(10)),
      phaseNs: 0)
    var config = Build.config(host, [DomainConfig(name: "x", workloads: [job])], seconds: 1)
    config.hostModel = model
    let r = Build.run(config, Alternator())
    return r.domain("x").workloads[0].response.p50Ns
  }

  /// Each wake-up is an IPI to the other pCPU (2 us), a context switch (3 us) and a migration: a
  /// cache refill of 100 us across sockets, 50 us within one, none between SMT siblings.
  @Test(arguments: [
    (Build.host(2, 1, 1), Nanos.us(100)), (Build.host(1, 2, 1), Nanos.us(50)), (Build.host(1, 1, 2), Int64(0)),
  ])
  func wakeUpCostsAddUp(host: HostTopology, migration: Int64) {
    let ideal = jobResponse(host, .ideal)
    let realistic = jobResponse(host, .realistic)
    #expect(realistic - ideal == Nanos.us(2) + Nanos.us(3) + migration, "\(host): \(ideal) -> \(realistic)")
  }

  /// SMT contention: a vCPU running 1 ms of work then sleeping 1 ms, alone on thread 0 of a core.
  /// With the sibling thread busy (a pinned burner) at 65% speed, the work takes 1/0.65 ms, so it
  /// holds the pCPU 1.538 / 2.538 = 0.606 of the time; with the sibling idle, 0.5.
  @Test(arguments: [true, false])
  func aBusySiblingSlowsTheGuest(siblingBusy: Bool) {
    let work = Build.phases([.run(Nanos.ms(1)), .block(Nanos.ms(1))], name: "work")
    var domains = [DomainConfig(name: "w", hardAffinity: CPUMask([PCPUID(0)]), workloads: [work])]
    if siblingBusy {
      domains.append(DomainConfig(name: "sibling", hardAffinity: CPUMask([PCPUID(1)]), workloads: [Build.burner()]))
    }
    var config = Build.config(Build.host(1, 1, 2), domains, seconds: 4, warmup: Nanos.ms(100))
    config.hostModel = HostModel(name: "custom", smtSpeedPermille: 650)
    let r = Build.run(config, Build.credit2())
    let expected = siblingBusy ? (1 / 0.65) / (1 / 0.65 + 1) : 0.5
    #expect(abs(r.share("w") - expected) < 0.002, "share \(r.share("w")), expected \(expected)")
  }

  /// Scenario files: presets, models and overrides; every report says which model ran.
  @Test func scenarioHostModels() throws {
    func load(_ host: String) throws -> SimulationConfig {
      try ScenarioLoader.parse(
        "host: \(host)\nscheduler: credit2\nduration: 1s\ndomains: [{name: a, workloads: [{type: burner}]}]",
        path: "inline.yaml"
      ).simulation
    }
    #expect(try load("{cores: 2}").hostModel == .ideal)
    let server = try load("{preset: server-2s8c2t}")
    #expect(server.topology == Build.host(2, 8, 2) && server.hostModel == .realistic)
    let custom = try load("{cores: 4, model: realistic, wake_ipi: 5us, smt_speed: 60%}").hostModel
    #expect(custom.name == "custom" && custom.wakeIPINs == Nanos.us(5) && custom.smtSpeedPermille == 600)
    #expect(custom.contextSwitchNs == HostModel.realistic.contextSwitchNs)
    #expect(throws: ScenarioError.self) { try load("{cores: 2, model: fast}") }
    #expect(throws: ScenarioError.self) { try load("{preset: mainframe}") }
    #expect(throws: ScenarioError.self) { try load("{cores: 2, smt_speed: 150%}") }
  }
}

/// Memory follows the entities, not simulated time: a burner's endless work leaves no far-future
/// event in the heap at each dispatch (before, two burners on one pCPU took 31 MB at 100 s
/// simulated and 61 MB at 1,000 s; the heap held one stale event per dispatch).
@Suite struct PendingEventTests {
  @Test func pendingEventsDoNotGrowWithSimulatedTime() {
    func pending(after seconds: Double) -> Int {
      let config = Build.config(
        Build.host(1, 1),
        [DomainConfig(name: "a", workloads: [Build.burner()]), DomainConfig(name: "b", workloads: [Build.burner()])],
        seconds: seconds)
      let engine = Engine(config: config, policy: Build.credit2())
      _ = engine.run()
      return engine.pendingEvents
    }
    let short = pending(after: 1)
    let long = pending(after: 30)
    #expect(long <= short + 4, "\(short) events pending after 1 s, \(long) after 30 s")
  }
}
