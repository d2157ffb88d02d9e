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

  @Test func stormCostsItsHandlers() {
    let r = alone(
      WorkloadSpec(
        name: "usb", kind: .storm(arrival: .periodic(period: Nanos.us(50)), handlerNs: Nanos.us(15)), phaseNs: 0))
    #expect(abs(r.share("x") - 0.3) < 0.001)
    #expect(r.domain("x").workloads[0].interrupts == 38_001)
  }

  @Test func cryptoAudioBurnsAndMeetsItsAudioDeadlines() {
    let r = alone(
      WorkloadSpec(
        name: "av", kind: .cryptoAudio(periodNs: Nanos.ms(10), serviceNs: Nanos.us(500), deadlineNs: Nanos.ms(10)),
        phaseNs: 0, dontDesched: true, deboostYield: true))
    #expect(r.share("x") == 1)
    let audio = r.domain("x").workloads[0]
    #expect(audio.completed == 190 && audio.deadlineMisses == 0)
    // The real-time audio job preempts the crypto task inside the guest: served in exactly 500 us.
    #expect(audio.response.maxNs == Nanos.us(500))
  }

  /// Two threads on two vCPUs with two pCPUs to themselves: the lock is never held by a descheduled
  /// vCPU, and each waits at most one critical section.
  @Test func spinlockAloneHasNoHolderPreemption() {
    let config = Build.config(
      Build.host(1, 2),
      [
        DomainConfig(
          name: "x", vcpus: 2,
          workloads: [
            WorkloadSpec(
              name: "lock", kind: .spinlock(outsideNs: Nanos.us(200), insideNs: Nanos.us(20), irqsOff: false))
          ])
      ],
      seconds: 1, warmup: Nanos.ms(100))
    let r = Build.run(config, Build.credit2())
    let lock = r.domain("x").workloads[0]
    #expect(lock.holderPreemptions == 0)
    #expect(lock.response.maxNs <= Nanos.us(20))
    // Each thread completes a 220 us cycle at least every 240 us.
    #expect(Double(lock.completed) > 2 * 0.9 / 240e-6)
    #expect(abs(r.share("x") - 2) < 1e-9)
  }

  /// Squeezed onto one pCPU, lock holders get preempted and the other vCPU spins: with
  /// dont_desched and credit2-boost, the holder is boosted past the preemption point instead.
  @Test func dontDeschedCutsLockHolderPreemption() throws {
    func run(_ policy: String, dontDesched: Bool) throws -> WorkloadResult {
      let config = Build.config(
        Build.host(1, 1),
        [
          DomainConfig(
            name: "x", vcpus: 2,
            workloads: [
              WorkloadSpec(
                name: "lock", kind: .spinlock(outsideNs: Nanos.us(300), insideNs: Nanos.us(50), irqsOff: false),
                dontDesched: dontDesched)
            ]),
          DomainConfig(name: "burn", workloads: [Build.burner()]),
        ], seconds: 2, warmup: Nanos.ms(100))
      return Build.run(config, try PolicyRegistry.lookup(policy)!.instantiate()).domain("x").workloads[0]
    }
    let plain = try run("credit2", dontDesched: true)
    let boosted = try run("credit2-boost", dontDesched: true)
    #expect(plain.holderPreemptions > 50)
    #expect(Double(boosted.holderPreemptions) <= 0.1 * Double(plain.holderPreemptions))
  }
}
