import SchedLabCore

/// An output format of `run` and `compare`. A new format is one file with its conformance, and one
/// line in ``ReportFormats/all``.
public protocol ReportFormat: Sendable {
  /// The `--format` value.
  var name: String { get }
  /// Runs: one scenario, or many (a directory, several files, several seeds).
  func run(_ reports: [RunReport], version: String) -> String
  /// One scenario under several schedulers, side by side.
  func compare(_ reports: [RunReport], version: String) -> String
}

/// The formats, in the order `--help` lists them.
public enum ReportFormats {
  public static let all: [any ReportFormat] = [TableFormat(), JSONFormat(), CSVFormat()]

  public static func named(_ name: String) -> (any ReportFormat)? { all.first { $0.name == name } }

  public static var names: [String] { all.map(\.name) }
}

/// The human tables: a run's table, a summary row per domain for many runs, compare's side by side.
struct TableFormat: ReportFormat {
  var name: String { "table" }
  func run(_ reports: [RunReport], version: String) -> String {
    reports.count == 1 ? TableReport.render(reports[0]) : TableReport.summary(reports)
  }
  func compare(_ reports: [RunReport], version: String) -> String { TableReport.compare(reports) }
}

/// The JSON result format, the same for runs and comparisons (an array of runs).
struct JSONFormat: ReportFormat {
  var name: String { "json" }
  func run(_ reports: [RunReport], version: String) -> String { JSONReport.render(reports, version: version) }
  func compare(_ reports: [RunReport], version: String) -> String { JSONReport.render(reports, version: version) }
}

/// CSV, one row per run and domain, the same for runs and comparisons.
struct CSVFormat: ReportFormat {
  var name: String { "csv" }
  func run(_ reports: [RunReport], version: String) -> String { CSVReport.render(reports) }
  func compare(_ reports: [RunReport], version: String) -> String { CSVReport.render(reports) }
}
