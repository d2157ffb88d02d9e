import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabReport
import SchedLabScenario

/// The package version, reported by `--version` and in every JSON result.
let schedlabVersion = "0.1.0"

struct CLIError: Error {
  var message: String
}

struct SchedLabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schedlab",
    abstract: "A workbench for hypervisor CPU schedulers: Xen's policies, simulated, measured against the ideal.",
    version: schedlabVersion,
    subcommands: [
      Run.self, Compare.self, Check.self, SearchCommand.self, SweepCommand.self, MergeCommand.self, ReportCommand.self,
      Validate.self,
      Ideal.self, List.self, Bench.self,
    ])
}

/// `--format` of `ideal` and `bench` (their own figures, not run reports).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json, csv
}

/// `--format` of `run` and `compare`: a name in the report format registry (``ReportFormats``).
struct ReportFormatName: ExpressibleByArgument {
  let format: any ReportFormat
  init?(argument: String) {
    guard let format = ReportFormats.named(argument) else { return nil }
    self.format = format
  }
  static var allValueStrings: [String] { ReportFormats.names }
  var defaultValueDescription: String { format.name }
  static let table = ReportFormatName(argument: "table")!
}

/// A number of events on the command line: an integer or scientific notation (`3e9`), at least 1.
struct EventCount: ExpressibleByArgument {
  var value: Int64
  init(_ value: Int64) { self.value = value }
  init?(argument: String) {
    guard let n = Double(argument), n >= 1, n < 9.2e18, n.rounded() == n else { return nil }
    value = Int64(n)
  }
  var defaultValueDescription: String { EventBudget.scientific(Double(value)) }
}

/// Options of every command that simulates (run, compare, ideal, check): the host model and the
/// event ceiling.
struct HostOptions: ParsableArguments {
  @Option(
    name: .customLong("host-model"),
    help: "Host model for every scenario instead of its own: ideal or realistic (the topology stays).")
  var hostModel: String?

  @Option(
    name: .customLong("max-events"),
    help:
      "Ceiling on the events the command may simulate, all its runs (every seed) together, estimated before running."
  )
  var maxEvents = EventCount(EventBudget.defaultMaxEvents)

  func apply(to scenario: inout Scenario) throws {
    scenario.simulation.maxEvents = maxEvents.value
    if let model = try HostModelOption.parse(hostModel) { scenario.simulation.hostModel = model }
  }
}

/// Options shared by the commands that run scenarios.
struct RunOptions: ParsableArguments {
  @Option(name: .long, help: "Random seed (overrides the file's).")
  var seed: UInt64?

  @Option(name: .long, help: "Simulated duration, e.g. 10s or 500ms (overrides the file's).")
  var duration: String?

  @OptionGroup var host: HostOptions

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Override one value of the file, PATH=VALUE (repeatable), e.g. domains[web].weight=512 or parameters.credit2-boost.boost_ratio_pct=10.",
      valueName: "path=value"))
  var overrides: [String] = []

  /// Load a scenario file with the `--set` overrides, then apply the other options.
  func load(_ path: String) throws -> Scenario {
    var parsed: [Override] = []
    for text in overrides {
      switch Override.parse(text, origin: "--set") {
      case .success(let o): parsed.append(o)
      case .failure(let error): throw CLIError(message: "--set: '\(text)': \(error.message)")
      }
    }
    return try apply(try ScenarioLoader.load(path: path, overrides: parsed))
  }

  func apply(_ scenario: Scenario) throws -> Scenario {
    var scenario = scenario
    try host.apply(to: &scenario)
    var ns: Int64?
    if let duration {
      guard let parsed = ScenarioValues.duration(duration), parsed > 0 else {
        throw CLIError(message: "--duration: '\(duration)' is not a positive duration (use e.g. 10s or 500ms)")
      }
      ns = parsed
    }
    return try Runner.override(scenario, seed: seed, durationNs: ns)
  }
}

/// Write `text` to a checked destination, or to stdout.
func emit(_ text: String, to output: OutputFile?) throws {
  guard let output else {
    FileHandle.standardOutput.write(Data(text.utf8))
    return
  }
  try output.write(text)
}

/// The scenario files named on the command line: files as given, directories' `.yaml`/`.yml`
/// files (any case) in name order. A directory with none is an error.
func scenarioFiles(_ paths: [String]) throws -> [String] {
  var files: [String] = []
  for path in paths {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
      throw ScenarioError(
        file: path, line: nil, key: "",
        message: isLink ? "a symbolic link that leads nowhere (or in a loop)" : "no such file or directory")
    }
    if isDirectory.boolValue {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      let yaml = names.filter { ["yaml", "yml"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
      guard !yaml.isEmpty else {
        throw ScenarioError(file: path, line: nil, key: "", message: "the directory has no .yaml or .yml scenario")
      }
      files += yaml.map { "\(path)/\($0)" }
    } else {
      files.append(path)
    }
  }
  return files
}

/// `--host-model NAME`: a preset host model that replaces each scenario's.
enum HostModelOption {
  static func parse(_ name: String?) throws -> HostModel? {
    guard let name else { return nil }
    guard let model = HostModel.named(name) else {
      throw CLIError(
        message:
          "--host-model: unknown host model '\(name)' (known: \(HostModel.presets.map(\.name).joined(separator: ", ")))"
      )
    }
    return model
  }
}
