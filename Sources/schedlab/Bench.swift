import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabPolicies

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the engine: the bare event loop and credit2 on a 32-pCPU, 256-vCPU mixed host.")

  @Option(name: .long, help: "Output format: table or json.")
  var format: OutputFormat = .table

  @Option(name: .long, help: "Simulated seconds of the credit2 scenario.")
  var seconds: Int = 10

  @Option(name: .long, help: "Events of the bare event loop measurement (0 skips it).")
  var holdEvents: Int = 20_000_000

  func run() throws {
    let clock = ContinuousClock()
    // Bare event loop: hold model with 1,000 pending events.
    var processed = 0
    let holdTime = clock.measure { processed = EngineBenchmark.holdModel(events: holdEvents, pending: 1_000) }
    let engineRate = processed > 0 ? Double(processed) / holdTime.seconds : 0

    func measure(_ model: HostModel) -> (events: Int64, seconds: Double) {
      var config = Bench.mixedHost(seconds: Int64(seconds))
      config.hostModel = model
      let engine = Engine(config: config, policy: Credit2Scheduler())
      var result: RunResult?
      let runTime = clock.measure { result = engine.run() }
      return (result!.host.events, runTime.seconds)
    }
    let (events, wall) = measure(.ideal)
    let credit2Rate = Double(events) / wall
    // The same host with the realistic model: its events differ (IPIs, stalls), so compare the
    // simulated time per wall second as well as events per second.
    let (realEvents, realWall) = measure(.realistic)
    let realRate = Double(realEvents) / realWall
    switch format {
    case .csv:
      print("figure,value")
      print("engine_events_per_s,\(Int(engineRate))")
      print("engine_events,\(processed)")
      print("credit2_events_per_s,\(Int(credit2Rate))")
      print("credit2_events,\(events)")
      print("credit2_wall_s,\(String(format: "%.3f", wall))")
      print("credit2_realistic_events_per_s,\(Int(realRate))")
      print("credit2_realistic_events,\(realEvents)")
      print("credit2_realistic_wall_s,\(String(format: "%.3f", realWall))")
    case .json:
      print(
        """
        {
          "engine_events_per_s": \(Int(engineRate)),
          "engine_events": \(processed),
          "credit2_events_per_s": \(Int(credit2Rate)),
          "credit2_events": \(events),
          "credit2_scenario": "32 pCPUs (2x8x2), 256 vCPUs in 64 domains, mixed workloads, \(seconds) s simulated",
          "credit2_wall_s": \(String(format: "%.3f", wall)),
          "credit2_realistic_events_per_s": \(Int(realRate)),
          "credit2_realistic_events": \(realEvents),
          "credit2_realistic_wall_s": \(String(format: "%.3f", realWall))
        }
        """)
    case .table:
      print("engine (hold model, 1000 pending): \(Int(engineRate)) events/s over \(processed) events")
      print(
        "credit2 (32 pCPUs, 256 vCPUs, mixed, \(seconds) s simulated): \(Int(credit2Rate)) events/s, "
          + "\(events) events in \(String(format: "%.2f", wall)) s")
      print(
        "credit2, same host, realistic host model: \(Int(realRate)) events/s, "
          + "\(realEvents) events in \(String(format: "%.2f", realWall)) s")
    }
  }

  /// 2 sockets x 8 cores x 2 threads; 64 domains of 4 vCPUs cycling through burners, demand, audio,
  /// a request server, a sched-sim phase pattern and a device.
  static func mixedHost(seconds: Int64) -> SimulationConfig {
    var domains: [DomainConfig] = []
    for d in 0..<64 {
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
      topology: HostTopology(sockets: 2, coresPerSocket: 8, threadsPerCore: 2), domains: domains,
      durationNs: Nanos.s(seconds), warmupNs: Nanos.s(1), seed: 1)
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
