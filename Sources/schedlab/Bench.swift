import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabPolicies

/// The engine's own benchmark: fixed cases, each run in a fresh process (so that its peak RSS is its
/// own), reported as the median of `--runs`.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the engine: events/s, ns per event, start-up time and peak memory on fixed host shapes.",
    discussion: """
      Cases: \(BenchCase.allCases.map(\.rawValue).joined(separator: ", ")).
      Each case runs in a child process; figures are medians over --runs. Wall-clock figures vary with
      the machine's load: compare them on a quiet machine, or count instructions with callgrind.

      Examples:
        schedlab bench
        schedlab bench --case host-256x4096 --runs 5 --format json
      """)

  @Option(name: .long, help: "Output format: table, json or csv.")
  var format: OutputFormat = .table

  @Option(name: .customLong("case"), help: "A case to run (repeatable; default: all).")
  var cases: [BenchCase] = []

  @Option(name: .long, help: "Runs of each case; the figures are medians.")
  var runs: Int = 1

  @Option(name: .long, help: "Simulated seconds of the host cases instead of 10 (e.g. 2 under callgrind).")
  var seconds: Int?

  @Flag(name: .long, help: .hidden)
  var child = false

  func run() throws {
    guard runs >= 1 else { throw CLIError(message: "--runs: must be at least 1") }
    if let seconds, seconds < 2 { throw CLIError(message: "--seconds: at least 2 (the warm-up is 1 s)") }
    let chosen = cases.isEmpty ? BenchCase.allCases : cases
    if child {
      // One measurement of one case, as a JSON line for the parent.
      for c in chosen { print(c.measure(seconds: seconds).jsonLine) }
      return
    }
    var rows: [BenchFigures] = []
    for c in chosen {
      var samples: [BenchFigures] = []
      for _ in 0..<runs { samples.append(try Self.measureInChild(c, seconds: seconds)) }
      rows.append(BenchFigures.median(samples))
    }
    print(BenchFigures.render(rows, format: format, runs: runs), terminator: "")
  }

  static func measureInChild(_ c: BenchCase, seconds: Int?) throws -> BenchFigures {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["bench", "--child", "--case", c.rawValue] + (seconds.map { ["--seconds", String($0)] } ?? [])
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let figures = BenchFigures(jsonLine: String(decoding: data, as: UTF8.self))
    else { throw CLIError(message: "bench: case \(c.rawValue) failed (status \(process.terminationStatus))") }
    return figures
  }
}

/// The fixed cases: the bare event loop, three host shapes with a mixed workload, and a long run of
/// two burners for memory over simulated time.
enum BenchCase: String, CaseIterable, ExpressibleByArgument {
  case eventLoop = "event-loop"
  case host4 = "host-4x32"
  case host32 = "host-32x256"
  case host32Realistic = "host-32x256-realistic"
  /// host-32x256 with a trace listener that counts events: the cost of listening.
  case host32Traced = "host-32x256-traced"
  case host256 = "host-256x4096"
  case burners100s = "burners-100s"
  case burners10000s = "burners-10000s"

  var config: SimulationConfig? {
    switch self {
    case .eventLoop: return nil
    case .host4:
      return EngineBenchmark.mixedHost(HostTopology(sockets: 1, coresPerSocket: 2, threadsPerCore: 2), domains: 8)
    case .host32, .host32Realistic, .host32Traced:
      var config = EngineBenchmark.mixedHost(
        HostTopology(sockets: 2, coresPerSocket: 8, threadsPerCore: 2), domains: 64)
      if self == .host32Realistic { config.hostModel = .realistic }
      return config
    case .host256:
      return EngineBenchmark.mixedHost(HostTopology(sockets: 4, coresPerSocket: 32, threadsPerCore: 2), domains: 1024)
    case .burners100s: return EngineBenchmark.twoBurners(seconds: 100)
    case .burners10000s: return EngineBenchmark.twoBurners(seconds: 10_000)
    }
  }

  func measure(seconds: Int?) -> BenchFigures {
    let clock = ContinuousClock()
    var figures = BenchFigures(name: rawValue)
    guard var config else {
      var processed = 0
      let time = clock.measure { processed = EngineBenchmark.holdModel(events: 20_000_000, pending: 1_000) }
      figures.events = Int64(processed)
      figures.wallS = time.seconds
      figures.peakRSSMB = peakRSSMB()
      return figures
    }
    if let seconds, self != .burners100s && self != .burners10000s { config.durationNs = Nanos.s(Int64(seconds)) }
    figures.pcpus = config.topology.pcpuCount
    figures.vcpus = config.totalVCPUs
    figures.simulatedS = Double(config.durationNs) / 1e9
    var engine: Engine?
    let startup = clock.measure {
      engine = Engine(config: config, policy: try! PolicyRegistry.lookup("credit2")!.instantiate())
      if self == .host32Traced { engine!.addListener(CountingListener()) }
      engine!.start()
    }
    let running = clock.measure {
      engine!.run(until: config.durationNs)
      _ = engine!.finish()
    }
    figures.startupS = startup.seconds
    figures.wallS = startup.seconds + running.seconds
    figures.events = engine!.processedEvents
    figures.peakRSSMB = peakRSSMB()
    let h = engine!.histogramBytes
    figures.histogramMB = [h.vcpus, h.domains, h.workloads].map { Double($0) / 1_048_576 }
    return figures
  }
}

/// A trace listener that only counts events: what listening itself costs.
final class CountingListener: TraceListener {
  var total = 0
  func record(_ event: TraceEvent, now: Int64, engine: Engine) { total += 1 }
}

/// This process's peak resident set, in MB.
func peakRSSMB() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024  // Linux reports KB
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
