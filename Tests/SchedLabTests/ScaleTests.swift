import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario
import SchedLabTestSupport
import Testing

/// Memory that follows the host's entities, never simulated time, and the event budget.
@Suite struct ScaleTests {
  /// 16 pCPUs, 24 burners and 8 demand workloads: every dispatch of a burner arms its activity end
  /// at the end of the run; cancelled, those events used to stay in the heap until then.
  static func busyHost(seconds: Double) -> SimulationConfig {
    var domains: [DomainConfig] = []
    for d in 0..<8 {
      domains.append(DomainConfig(name: "b\(d)", weight: 128 << (d % 3), vcpus: 3, workloads: [Build.burner()]))
      domains.append(
        DomainConfig(
          name: "d\(d)", workloads: [WorkloadSpec(name: "d", kind: .demand(fraction: 0.4, burstNs: Nanos.us(500)))]))
    }
    return Build.config(Build.host(1, 16), domains, seconds: seconds)
  }

  @Test func cancelledEventsDoNotAccumulateOverSimulatedTime() {
    let config = Self.busyHost(seconds: 20)
    let engine = Engine(config: config, policy: Build.credit2())
    engine.start()
    engine.run(until: Nanos.s(2))
    let early = engine.pendingEvents
    engine.run(until: Nanos.s(19))
    let late = engine.pendingEvents
    // Compaction keeps the queue within twice its live events (and at most 4,096 more).
    #expect(late <= early + 4_096, "\(early) events pending at 2 s, \(late) at 19 s")
    #expect(engine.processedEvents > 100_000)
  }

  /// The latency histograms hold what their values span, not their samples: 4x the simulated time
  /// adds little, and each owner costs a few KB. This host is saturated (24 burners on 16 pCPUs), so
  /// its domains' wake and preemption waits spread over five decades at 0.1% resolution: about
  /// 10 KB per histogram, the worst case; on the bench's 256-pCPU host a domain's two take 9 KB.
  @Test func histogramMemoryFollowsTheValueRangeNotTheSamples() {
    func bytes(_ seconds: Double) -> (vcpus: Int, domains: Int, workloads: Int) {
      let engine = Engine(config: Self.busyHost(seconds: seconds), policy: Build.credit2())
      _ = engine.run()
      return engine.histogramBytes
    }
    let short = bytes(5)
    let long = bytes(20)
    let shortTotal = short.vcpus + short.domains + short.workloads
    let longTotal = long.vcpus + long.domains + long.workloads
    #expect(Double(longTotal) <= 1.25 * Double(shortTotal), "\(shortTotal) bytes after 5 s, \(longTotal) after 20 s")
    // 32 vCPUs, 16 domains (two histograms each), 8 demand workloads (burners record no response).
    #expect(long.vcpus / 32 <= 4_096, "\(long.vcpus / 32) bytes per vCPU")
    #expect(long.domains / 32 <= 12_288, "\(long.domains / 32) bytes per domain histogram")
    #expect(long.workloads / 8 <= 8_192, "\(long.workloads / 8) bytes per workload")
  }

  @Test func aRunStopsAtItsEventCeiling() throws {
    var scenario = Scenario(
      name: "busy", path: "busy.yaml", simulation: Self.busyHost(seconds: 5), scheduler: "credit2")
    scenario.simulation.maxEvents = 10_000
    #expect(throws: ScenarioError.self) { try Runner.simulate(scenario, policy: try scenario.makePolicy(nil).1) }
    let engine = Engine(config: scenario.simulation, policy: try scenario.makePolicy(nil).1)
    _ = engine.run()
    #expect(engine.exceededMaxEvents && engine.processedEvents == 10_000)
  }

  @Test func theEstimateNamesTheRunawayWorkload() {
    var config = Self.busyHost(seconds: 2)
    config.domains.append(
      DomainConfig(
        name: "cam",
        workloads: [
          WorkloadSpec(name: "usb", kind: .storm(arrival: .periodic(period: 1), handlerNs: 1))
        ]))
    let estimate = config.eventEstimate
    // 2e9 arrivals in 2 s whatever the CPU, and 6 events of handling each, scaled by the host's
    // oversubscription (16 pCPUs asked for 28.2: 24 burners, 8 x 0.4 demand, the storm's one).
    let handling = 2e9 * 6 * 16 / 28.2
    #expect(estimate.largest == "domain cam, workload usb")
    #expect(abs(estimate.largestEvents - (2e9 + handling)) < 1e6, "\(estimate.largestEvents)")
    #expect(estimate.total > estimate.largestEvents)
  }

  @Test func scientificNotation() {
    #expect(EventBudget.scientific(999) == "999")
    #expect(EventBudget.scientific(2_000_000_000) == "2.0e9")
    #expect(EventBudget.scientific(9.96e9) == "1.0e10")
    #expect(EventBudget.scientific(1.234e15) == "1.2e15")
  }
}
