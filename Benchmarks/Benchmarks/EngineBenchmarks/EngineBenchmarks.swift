import Benchmark
import SchedLabCore
import SchedLabPolicies

// The shapes of `schedlab bench`, kept as a regression baseline: instructions and allocations are
// the stable figures (wall time varies with the machine's load); peak memory catches footprint
// regressions. Each run is a whole simulation.
let benchmarks: @Sendable () -> Void = {
  // `baseline check` fails on: allocations +10% (and +200: the framework's own vary by a few dozen),
  // peak memory +10%, CPU time +25% at the median (this machine's load moves it by ~10%).
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal, .peakMemoryResident],
    warmupIterations: 0,
    scalingFactor: .one,
    maxDuration: .seconds(60),
    maxIterations: 3,
    thresholds: [
      .mallocCountTotal: .init(relative: [.p50: 10], absolute: [.p50: 200]),
      .peakMemoryResident: .init(relative: [.p50: 10]),
      .cpuTotal: .init(relative: [.p50: 25]),
      .wallClock: .init(relative: [.p50: 25]),
    ]
  )

  Benchmark("event-loop (hold model, 1,000 pending, 1M events)") { benchmark in
    blackHole(EngineBenchmark.holdModel(events: 1_000_000, pending: 1_000))
  }

  func simulate(_ config: SimulationConfig) -> Int64 {
    let engine = Engine(config: config, policy: Credit2Scheduler())
    _ = engine.run()
    return engine.processedEvents
  }

  Benchmark("credit2 host-4x32, 10 s") { _ in
    blackHole(
      simulate(EngineBenchmark.mixedHost(HostTopology(sockets: 1, coresPerSocket: 2, threadsPerCore: 2), domains: 8)))
  }
  Benchmark("credit2 host-32x256, 10 s") { _ in
    blackHole(
      simulate(EngineBenchmark.mixedHost(HostTopology(sockets: 2, coresPerSocket: 8, threadsPerCore: 2), domains: 64)))
  }
  Benchmark("credit2 host-256x4096, 2 s", configuration: .init(maxIterations: 1)) { _ in
    var config = EngineBenchmark.mixedHost(
      HostTopology(sockets: 4, coresPerSocket: 32, threadsPerCore: 2), domains: 1024)
    config.durationNs = Nanos.s(2)
    blackHole(simulate(config))
  }
  Benchmark("credit2 two burners, 1,000 s") { _ in
    blackHole(simulate(EngineBenchmark.twoBurners(seconds: 1_000)))
  }
}
