import Foundation
import SchedLabCore
public import SchedLabEvaluation
public import SchedLabScenario

/// The tidy results table of a sweep: one row per run × domain × metric (host metrics with an empty
/// domain), the point's axis values as columns. Columns, in order: `point` (its number in the
/// sweep), `file` (the base scenario, as the spec names it), one column per axis (its path; empty
/// where the axis does not apply to the point), `seed`, `domain`, `metric` (the run CSV's column
/// names: share, ideal_share, share_minus_ideal, wake_p99_ns, ...; host: context_switches_per_s,
/// migrations_per_s, idle_fraction; a workload's figures as `<workload>.throughput_per_s`, and for
/// jobs and requests `<workload>.miss_ratio` and `<workload>.response_p99_ns`, for jobs also
/// `<workload>.underruns_per_min` (late or never finished, per minute) and `<workload>.latency_tolerance_ns` (p99.9
/// response: the deadline 99.9% of jobs met)), `value` (as the run
/// CSV writes it). A metric with no value for
/// a domain (a VM that never woke has no wake latency) has no row. The same rows as JSON Lines: one
/// object per row with the same keys, `value` a number.
public enum SweepTable {
  public static func header(_ spec: SweepSpec) -> [String] {
    ["point", "file"] + spec.axes.map(\.path.text) + ["seed", "domain", "metric", "value"]
  }

  /// A point's rows, as CSV cells (header order).
  public static func rows(_ spec: SweepSpec, _ point: SweepSpec.Point, _ evaluation: Evaluation) -> [[String]] {
    let report = RunReport(evaluation)
    let prefix = ["\(point.index)", relative(point.file, to: spec)] + point.values.map { $0 ?? "" } + ["\(point.seed)"]
    var rows: [[String]] = []
    for (d, domain) in evaluation.result.domains.enumerated() {
      for (i, entry) in MetricTable.reportColumns.enumerated() {
        guard let name = entry.column.csv, let value = report.values[d][i] else { continue }
        rows.append(prefix + [domain.name, name, entry.column.csvText(value)])
      }
    }
    for domain in evaluation.result.domains {
      for w in domain.workloads where w.category != .load {
        rows.append(prefix + [domain.name, w.name + ".throughput_per_s", Format.fixed(w.throughputPerS, 3)])
        if w.hasJobs {
          rows.append(prefix + [domain.name, w.name + ".miss_ratio", Format.fixed(w.missRatio, 6)])
          let perMinute = Double(w.underruns) / evaluation.result.measuredMinutes
          rows.append(prefix + [domain.name, w.name + ".underruns_per_min", Format.fixed(perMinute, 3)])
        }
        if w.hasJobs || w.category == .requests, w.completed > 0 {
          rows.append(prefix + [domain.name, w.name + ".response_p99_ns", "\(w.response.p99Ns)"])
        }
        if w.hasJobs, w.completed > 0 {
          rows.append(prefix + [domain.name, w.name + ".latency_tolerance_ns", "\(w.latencyTolerance999Ns)"])
        }
      }
    }
    let host = evaluation.result.host
    rows.append(prefix + ["", "context_switches_per_s", Format.fixed(host.contextSwitchesPerS, 3)])
    rows.append(prefix + ["", "migrations_per_s", Format.fixed(host.migrationsPerS, 3)])
    rows.append(prefix + ["", "idle_fraction", Format.fixed(host.idleFraction, 6)])
    return rows
  }

  /// A base file's path as the table writes it: relative to the spec's directory (`../scenarios/x.yaml`),
  /// so that the table does not depend on where the files sit on a machine.
  public static func relative(_ file: String, to spec: SweepSpec) -> String {
    let from = URL(fileURLWithPath: spec.path).deletingLastPathComponent().standardizedFileURL.pathComponents
    let to = URL(fileURLWithPath: file).standardizedFileURL.pathComponents
    var common = 0
    while common < min(from.count, to.count) && from[common] == to[common] { common += 1 }
    return (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
  }

  public static func csvLine(_ cells: [String]) -> String {
    cells.map(Format.csvField).joined(separator: ",") + "\n"
  }

  /// The JSON Lines form of rows (header order).
  public static func jsonLines(_ header: [String], _ rows: [[String]]) -> String {
    var out = ""
    for row in rows {
      var fields: [String] = []
      for (key, cell) in Swift.zip(header, row) {
        let numeric = key == "point" || key == "seed" || key == "value"
        fields.append(JSONWriter.quote(key) + ":" + (numeric && !cell.isEmpty ? cell : JSONWriter.quote(cell)))
      }
      out += "{" + fields.joined(separator: ",") + "}\n"
    }
    return out
  }
}
