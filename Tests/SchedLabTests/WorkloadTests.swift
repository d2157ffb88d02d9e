import SchedLabCore
import SchedLabPolicies
import SchedLabTestSupport
import Testing

/// Each workload alone on an idle host does exactly what its parameters say.
@Suite struct WorkloadTests {
  func alone(_ w: WorkloadSpec, seconds: Double = 2) -> RunResult {
    let config = Build.config(
      Build.host(1, 1), [DomainConfig(name: "x", workloads: [w])], seconds: seconds, warmup: Nanos.ms(100))
    return Build.run(config, Build.credit2())
  }

  @Test func burnerUsesAWholePCPU() {
    #expect(alone(Build.burner()).share("x") == 1)
  }

  @Test(arguments: [DemandArrival.periodic, .jittered])
  func demandUsesItsFraction(arrival: DemandArrival) {
    let r = alone(WorkloadSpec(name: "d", kind: .demand(fraction: 0.3, burstNs: Nanos.ms(1), arrival: arrival)))
    #expect(abs(r.share("x") - 0.3) < 0.002)
    // Alone, every burst starts the moment it is released.
    #expect(r.domain("x").wakeLatency.maxNs == 0)
  }

  @Test func periodicReleasesCompletesAndMeetsDeadlines() {
    let r = alone(
      WorkloadSpec(
        name: "audio", kind: .periodic(periodNs: Nanos.ms(10), serviceNs: Nanos.ms(2), deadlineNs: Nanos.ms(10)),
        phaseNs: 0))
    let p = r.domain("x").workloads[0]
    // Measured from 100 ms to 2 s inclusive: releases at 100, 110, ..., 2000 ms = 191 jobs; the one
    // released at the last instant is not done, the others are served in exactly 2 ms.
    #expect(p.released == 191)
    #expect(p.completed == 190)
    #expect(p.deadlineMisses == 0)
    #expect(p.response.maxNs == Nanos.ms(2))
    #expect(abs(r.share("x") - 0.2) < 0.001)
  }

  @Test func serverServesItsRateWithItsServiceTime() {
    let r = alone(
      WorkloadSpec(
        name: "web",
        kind: .server(
          arrival: .periodic(period: Nanos.ms(1)), service: .constant(Nanos.us(200)), irqCostNs: Nanos.us(10)),
        phaseNs: 0))
    let s = r.domain("x").workloads[0]
    #expect(abs(s.throughputPerS - 1000) < 1)
    // Response = handler (10 us) + service (200 us), nothing queued.
    #expect(s.response.maxNs == Nanos.us(210))
    #expect(abs(r.share("x") - 0.21) < 0.001)
  }

  @Test func phasesRunAndBlockInTurn() {
    let r = alone(Build.phases([.run(Nanos.ms(3)), .block(Nanos.ms(1))]))
    #expect(abs(r.share("x") - 0.75) < 0.002)
  }

  @Test func interruptsCostTheirHandlerTime() {
    let r = alone(
      WorkloadSpec(
        name: "dev", kind: .interrupts(arrival: .periodic(period: Nanos.us(100)), handlerNs: Nanos.us(5)), phaseNs: 0))
    #expect(abs(r.share("x") - 0.05) < 0.001)
    // Every 100 us from 100 ms to 2 s inclusive.
    #expect(r.domain("x").workloads[0].interrupts == 19_001)
  }

  @Test func realtimeTaskRunsBeforeANormalBurner() {
    // One vCPU: a burner and a real-time periodic job in the same guest. The job never waits.
    let config = Build.config(
      Build.host(1, 1),
      [
        DomainConfig(
          name: "x",
          workloads: [
            Build.burner(),
            WorkloadSpec(
              name: "rt", kind: .periodic(periodNs: Nanos.ms(5), serviceNs: Nanos.ms(1), deadlineNs: Nanos.ms(5)),
              realtime: true, phaseNs: 0),
          ])
      ], seconds: 1)
    let r = Build.run(config, Build.credit2())
    #expect(r.domain("x").workloads[1].response.maxNs == Nanos.ms(1))
  }

  @Test func roundRobinSharesBurnersEqually() {
    let config = Build.config(
      Build.host(1, 1),
      (0..<3).map { DomainConfig(name: "d\($0)", weight: 100 * ($0 + 1), workloads: [Build.burner()]) },
      seconds: 3)
    let r = Build.run(config, RoundRobinScheduler(sliceNs: Nanos.ms(10)))
    for d in r.domains { #expect(abs(d.share - 1.0 / 3) < 0.01) }
  }
}
