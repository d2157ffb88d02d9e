import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabScenario
import SchedLabTrace

/// `run`'s timeline options: a Perfetto trace, a xentrace file, a window, the TSC rate.
struct TraceOptions: ParsableArguments {
  @Option(name: .customLong("trace"), help: "Write a Perfetto trace (open it in ui.perfetto.dev) to this file.")
  var perfetto: String?

  @Option(name: .customLong("xentrace"), help: "Write a xentrace binary trace (for xenalyze) to this file.")
  var xentrace: String?

  @Option(
    name: .customLong("jobs-log"),
    help: "Write every periodic job (release, completion, deadline, missed) to this CSV file.")
  var jobsLog: String?

  @Option(
    name: .customLong("trace-window"),
    help: "Trace only this simulated interval, e.g. 2s..3s (default: the whole run).")
  var window: String?

  @Option(name: .customLong("cpu-hz"), help: "TSC rate of the xentrace file, in Hz (xenalyze's default).")
  var cpuHz: UInt64 = 2_400_000_000

  var wanted: Bool { perfetto != nil || xentrace != nil || jobsLog != nil }

  /// The window as an interval of simulated ns.
  func interval(for scenario: Scenario) throws -> ClosedRange<Int64>? {
    guard let window else { return nil }
    let parts = window.components(separatedBy: "..")
    guard parts.count == 2, let from = ScenarioValues.duration(parts[0]), let to = ScenarioValues.duration(parts[1]),
      from >= 0, from < to
    else {
      throw CLIError(message: "--trace-window: '\(window)' is not an interval such as 2s..3s")
    }
    guard from < scenario.simulation.durationNs else {
      throw CLIError(message: "--trace-window: \(window) starts after the run ends")
    }
    return from...to
  }
}

/// The trace writers of one run: started before it, finished (and moved into place) after it. A
/// failed run leaves no trace file and the destinations as they were.
final class TraceSession {
  /// Each writer with the file it will replace.
  private var writers: [(writer: any TimelineWriter, file: OutputFile)] = []

  init(_ options: TraceOptions, scenario: Scenario, inputs: [String], force: Bool) throws {
    let window = try options.interval(for: scenario)
    let paths = [options.perfetto, options.xentrace, options.jobsLog]
    let given = paths.compactMap { $0 }
    if Set(given).count < given.count {
      throw CLIError(message: "--trace, --xentrace and --jobs-log must name different files")
    }
    let files = try paths.map { path in
      try path.map { try OutputFile($0, inputs: inputs, force: force) }
    }
    do {
      if let file = files[0] {
        writers.append((try PerfettoWriter(path: file.temporary, config: scenario.simulation, window: window), file))
      }
      if let file = files[1] {
        let writer = try XentraceWriter(
          path: file.temporary, config: scenario.simulation, cpuHz: options.cpuHz, window: window)
        writers.append((writer, file))
      }
      if let file = files[2] {
        writers.append((try JobLogWriter(path: file.temporary, config: scenario.simulation, window: window), file))
      }
    } catch {
      discard()
      throw CLIError(message: "\(error)")
    }
  }

  var listeners: [any TraceListener] { writers.map(\.writer) }

  /// Close the files, move them into place, and say how big they are.
  func finish() throws {
    for (writer, file) in writers {
      let bytes = writer.finish()
      try file.commit()
      let (count, unit) = writer.itemsWritten
      report(file.path, bytes: bytes, events: count, unit: unit)
    }
  }

  func discard() {
    for (writer, file) in writers {
      _ = writer.finish()
      file.discard()
    }
  }

  private func report(_ path: String, bytes: Int64, events: Int64, unit: String) {
    let perMillion = events > 0 ? Double(bytes) / Double(events) : 0
    FileHandle.standardError.write(
      Data("trace \(path): \(bytes) bytes, \(events) \(unit) (\(Format.fixed(perMillion, 1)) MB per million)\n".utf8))
  }
}
