/// Measurements of the engine itself, for `schedlab bench` and the benchmark package (`Benchmarks/`):
/// the bare event loop and the fixed host shapes both measure.
public enum EngineBenchmark {
  /// The bare event loop in the classic "hold" model: `pending` events in the queue; each step pops
  /// the earliest and schedules a successor a pseudo-random gap later. Returns the number of events
  /// processed (the caller times it).
  public static func holdModel(events: Int, pending: Int, seed: UInt64 = 1) -> Int {
    var queue = EventQueue()
    var rng = Xoshiro256(seed: seed)
    for i in 0..<pending {
      queue.push(time: rng.below(1_000_000), kind: .source, target: Int32(i))
    }
    var processed = 0
    var checksum: Int64 = 0
    while processed < events, let event = queue.pop() {
      processed += 1
      checksum &+= event.time
      queue.push(time: event.time + 1 + rng.below(1_000_000), kind: event.kind, target: event.target)
    }
    precondition(checksum != 42)  // keep the loop observable
    return processed
  }

  /// `count` domains of 4 vCPUs cycling through burners, demand, audio among a burner, a request
  /// server, a sched-sim phase pattern and a device with demand; weights 128/256/512; 10 s with a
  /// 1 s warm-up.
  public static func mixedHost(_ topology: HostTopology, domains count: Int) -> SimulationConfig {
    var domains: [DomainConfig] = []
    for d in 0..<count {
      let workloads: [WorkloadSpec]
      switch d % 6 {
      case 0: workloads = [WorkloadSpec(name: "burn", kind: .burner)]
      case 1: workloads = [WorkloadSpec(name: "demand", kind: .demand(fraction: 0.3, burstNs: Nanos.ms(1)))]
      case 2:
        workloads = [
          WorkloadSpec(
            name: "audio", kind: .periodic(periodNs: Nanos.ms(10), serviceNs: Nanos.us(500), deadlineNs: Nanos.ms(10)),
            realtime: true),
          WorkloadSpec(name: "burn", kind: .burner),
        ]
      case 3:
        workloads = [
          WorkloadSpec(
            name: "web",
            kind: .server(
              arrival: .poisson(meanGap: Nanos.us(2000)), service: .exponential(mean: Nanos.us(300)),
              irqCostNs: Nanos.us(5)))
        ]
      case 4: workloads = [WorkloadSpec(name: "net", kind: .phases([.run(Nanos.us(200)), .block(Nanos.us(800))]))]
      default:
        workloads = [
          WorkloadSpec(
            name: "dev", kind: .interrupts(arrival: .poisson(meanGap: Nanos.us(500)), handlerNs: Nanos.us(20))),
          WorkloadSpec(name: "demand", kind: .demand(fraction: 0.5, burstNs: Nanos.ms(2))),
        ]
      }
      domains.append(DomainConfig(name: "vm\(d)", weight: [128, 256, 512][d % 3], vcpus: 4, workloads: workloads))
    }
    return SimulationConfig(
      topology: topology, domains: domains, durationNs: Nanos.s(10), warmupNs: Nanos.s(1), seed: 1)
  }

  /// Two burners sharing one pCPU for `seconds`: memory over simulated time.
  public static func twoBurners(seconds: Int64) -> SimulationConfig {
    let burner = [WorkloadSpec(name: "burn", kind: .burner)]
    return SimulationConfig(
      topology: HostTopology(sockets: 1, coresPerSocket: 1, threadsPerCore: 1),
      domains: [DomainConfig(name: "a", workloads: burner), DomainConfig(name: "b", workloads: burner)],
      durationNs: Nanos.s(seconds), seed: 1)
  }
}
