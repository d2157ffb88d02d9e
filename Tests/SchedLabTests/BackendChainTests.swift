import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario
import Testing

/// Chained backends (a domain's own `backend`) and the vchan audio pipeline of issue #17, against
/// schedules computed by hand on an idle ideal host, where nothing waits: every hop costs what its
/// handler costs and runs on its own domain's vCPU.
@Suite struct BackendChainTests {
  func load(_ domains: String, cores: Int = 4, scheduler: String = "credit2") throws -> Scenario {
    let text = """
      host: {cores: \(cores)}
      scheduler: \(scheduler)
      duration: 2200ms
      warmup: 200ms
      domains:
      \(domains)
      """
    return try ScenarioLoader.parse(text, path: packageRoot + "/scenarios/inline.yaml")
  }

  func run(_ scenario: Scenario) throws -> RunResult {
    let (_, policy) = try scenario.makePolicy()
    return Engine(config: scenario.simulation, policy: policy).run()
  }

  func domain(_ r: RunResult, _ name: String) -> DomainResult { r.domains.first { $0.name == name }! }

  /// An HVM guest's I/O through a stub domain whose device is behind a driver domain: out through
  /// both, back through the stub domain. 1 ms burn + 100 us (stub) + 50 us (driver) + 100 us (stub)
  /// = 1.25 ms an iteration; each domain's share is its part of that.
  @Test func ioCrossesEveryHopOutAndTheNearOnesBack() throws {
    let r = try run(
      try load(
        """
          - {name: x, workloads: [{type: hvm, backend: stub, burn: 1ms, io: 100us, phase: 0ms}]}
          - {name: stub, backend: drv, backend_hop: 50us}
          - {name: drv}
        """))
    let w = domain(r, "x").workloads[0]
    #expect(abs(w.throughputPerS - 1e6 / 1250) < 1)
    #expect(w.response.p50Ns == Nanos.us(1250))
    #expect(abs(domain(r, "x").share - 1000.0 / 1250) < 0.002)
    #expect(abs(domain(r, "stub").share - 200.0 / 1250) < 0.002)
    #expect(abs(domain(r, "drv").share - 50.0 / 1250) < 0.002)
  }

  /// Over 20 seeded random chains (1-4 backends, hop costs 10-200 us, burns 0.2-2 ms) on an idle
  /// host with a pCPU per vCPU: an I/O goes out through backends 1..k and back through k-1..1, so an
  /// iteration takes burn + 2 (c1 + ... + ck) - ck, backend i < k does 2 ci of it and backend k ck.
  @Test func randomChainsTakeTheirHopsTime() throws {
    var rng = Xoshiro256(seed: 17, key: 3)
    for _ in 0..<20 {
      let k = 1 + Int(rng.below(4))
      let burn = 200 + rng.below(1801)
      let costs = (0..<k).map { _ in 10 + rng.below(191) }
      var domains =
        "    - {name: x, workloads: [{type: hvm, backend: b1, burn: \(burn)us, io: \(costs[0])us, phase: 0ms}]}\n"
      for i in 1...k {
        let next = i < k ? ", backend: b\(i + 1), backend_hop: \(costs[i])us" : ""
        domains += "    - {name: b\(i)\(next)}\n"
      }
      let r = try run(try load(domains, cores: k + 1))
      let period = Double(burn + 2 * costs.reduce(0, +) - costs[k - 1])
      let w = domain(r, "x").workloads[0]
      #expect(w.response.p50Ns == Int64(period) * 1000, "\(costs) burn \(burn)")
      #expect(abs(domain(r, "x").share - Double(burn) / period) < 0.003, "\(costs) burn \(burn)")
      for i in 1...k {
        let work = Double(i < k ? 2 * costs[i - 1] : costs[i - 1])
        #expect(abs(domain(r, "b\(i)").share - work / period) < 0.003, "b\(i) of \(costs) burn \(burn)")
      }
    }
  }

  /// A stream batch comes from the farthest backend through the nearer one, and its acknowledgement
  /// goes back the same way: 30 (drv) + 20 (fw) + 200 (guest) + 20 (fw) + 30 (drv) = 300 us a batch.
  @Test func aStreamCrossesTheChainBothWays() throws {
    let r = try run(
      try load(
        """
          - {name: x, workloads: [{type: net-stream, backend: fw, hop: 20us, process: 200us}]}
          - {name: fw, backend: drv, backend_hop: 30us}
          - {name: drv}
        """))
    #expect(abs(domain(r, "x").workloads[0].throughputPerS - 1e6 / 300) < 3)
    #expect(abs(domain(r, "fw").share - 40.0 / 300) < 0.002)
    #expect(abs(domain(r, "drv").share - 60.0 / 300) < 0.002)
  }

  /// A request reaches the farthest backend first: 30 (drv) + 20 (fw) in, the guest's service, 20 +
  /// 30 out; every domain handles each request twice.
  @Test func requestsCrossTheChainBothWays() throws {
    let r = try run(
      try load(
        """
          - {name: x, workloads: [{type: net-rr, backend: fw, rate: 500, arrival: periodic, hop: 20us, service: 60us}]}
          - {name: fw, backend: drv, backend_hop: 30us}
          - {name: drv}
        """))
    let w = domain(r, "x").workloads[0]
    #expect(abs(w.throughputPerS - 500) < 1)
    #expect(w.response.p50Ns >= Nanos.us(100))
    #expect(abs(domain(r, "fw").share - 500 * 40e-6) < 0.001)
    #expect(abs(domain(r, "drv").share - 500 * 60e-6) < 0.001)
  }

  /// A domain that serves requests may send its own to a backend (the case the loader used to
  /// refuse as a chain), and both streams are served.
  @Test func aBackendMayHaveRequestsOfItsOwn() throws {
    let r = try run(
      try load(
        """
          - {name: dom0, dom0: true}
          - {name: h, workloads: [{type: net-rr, backend: dom0, rate: 200}]}
          - {name: g, workloads: [{type: net-rr, backend: h, rate: 200}]}
        """))
    #expect(domain(r, "h").workloads[0].completed > 350)
    #expect(domain(r, "g").workloads[0].completed > 350)
  }

  /// Each quantum: 300 us in the player, 50 us of vchan and 500 us of mixing in the audio domain,
  /// 100 us in the USB domain: ready 950 us after its release, every time; each domain's share is
  /// its part of a 5 ms period. Without the USB hop 850 us; with no audio domain the player mixes
  /// itself: 800 us.
  @Test(arguments: [
    ("backend: audio", "backend: usb, backend_hop: 100us", Int64(950), [("x", 300.0), ("audio", 550), ("usb", 100)]),
    ("backend: audio", "", Int64(850), [("x", 300.0), ("audio", 550), ("usb", 0)]),
    ("", "", Int64(800), [("x", 800.0), ("audio", 0), ("usb", 0)]),
  ])
  func audioQuantaCrossThePipeline(player: String, audioDomain: String, latency: Int64, work: [(String, Double)])
    throws
  {
    let pipeline = "{type: vchan-audio, \(player.isEmpty ? "" : player + ", ")period: 5ms, phase: 0ms}"
    let r = try run(
      try load(
        """
          - {name: x, workloads: [\(pipeline)]}
          - {name: audio\(audioDomain.isEmpty ? "" : ", " + audioDomain)}
          - {name: usb}
        """))
    let w = domain(r, "x").workloads[0]
    // 400 periods in the measured 2 s (the release at the warm-up's end may fall either side).
    #expect((399...401).contains(w.released) && (399...401).contains(w.completed), "\(w.released) \(w.completed)")
    #expect(w.deadlineMisses == 0 && w.underruns == 0)
    #expect(w.response.p50Ns == Nanos.us(latency) && w.response.maxNs == Nanos.us(latency))
    #expect(w.latencyTolerance999Ns == Nanos.us(latency))
    for (name, us) in work { #expect(abs(domain(r, name).share - us / 5000) < 0.001, "\(name)") }
  }

  /// A stream whose vCPU never runs releases nothing and misses nothing, yet the device wanted a
  /// quantum every period: all of them are underruns (2 s at 5 ms, less the one that may be in
  /// flight). null gives the only pCPU to the first vCPU and the audio domain waits forever.
  @Test func aStarvedStreamCountsEveryQuantumItOwes() throws {
    let r = try run(
      try load(
        """
          - {name: hog, workloads: [{type: burner}]}
          - {name: x, workloads: [{type: vchan-audio, period: 5ms}]}
        """, cores: 1, scheduler: "null"))
    let w = domain(r, "x").workloads[0]
    #expect(w.completed == 0 && w.deadlineMisses == 0)
    #expect(w.underruns == 399)
    let rate = try #require(MetricTable.named("underruns_per_min")).measure(
      MetricInput(run: r), domain: 1, MetricQuery(workload: "vchan-audio"))
    #expect(abs(try #require(rate.value) - 399 / (2.0 / 60)) < 1e-6)
  }

  /// The oracle's demand run of a domain keeps the backends that serve it; a backend's demand is
  /// its own work plus what it does for the others: x burns 1 ms per 1.1 ms (0.909), the stub
  /// domain handles 100 us of it (0.0909). The demand run used to handle the hop on x's own vCPU
  /// (x: 1.0, stub: 0).
  @Test func aBackendsWorkForOthersIsItsDemand() throws {
    let scenario = try load(
      """
        - {name: x, workloads: [{type: hvm, backend: stub, burn: 1ms, io: 100us}]}
        - {name: stub}
      """)
    let demands = try Runner.measureDemands(scenario, scheduler: "credit2")
    #expect(abs(demands[0].total - 1.0 / 1.1) < 0.002)
    #expect(abs(demands[1].total - 0.1 / 1.1) < 0.002)
    let (alone, helpers) = scenario.alone(0)
    #expect(helpers == [1] && alone.simulation.domains.map(\.name) == ["x", "stub"])
    #expect(alone.simulation.domains[1].workloads.isEmpty)
  }
}
