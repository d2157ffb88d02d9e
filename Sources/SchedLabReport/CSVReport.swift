import Foundation
import SchedLabCore

/// CSV: one row per domain (RFC 4180 quoting), for pandas or R. The metric columns are the metric
/// table's, in its order; a value that does not exist (no wake-up, no request workload, no oracle)
/// is an empty field.
public enum CSVReport {
  static let identity = ["scenario", "scheduler", "seed", "domain", "weight", "cap", "vcpus"]

  public static var header: [String] {
    identity + MetricTable.reportColumns.compactMap(\.column.csv) + ["host_model"]
  }

  public static func render(_ reports: [RunReport]) -> String {
    var lines = [header.joined(separator: ",")]
    for report in reports {
      let r = report.result
      let cells = report.columnCells(header: \.csv, text: \.csvText, missing: "")
      for (d, dom) in r.domains.enumerated() {
        let fields =
          [
            report.evaluation.scenario.name, r.scheduler, String(r.seed), dom.name, String(dom.weight),
            String(dom.capPercent), String(dom.vcpus.count),
          ] + cells.rows[d] + [r.hostModel.name]
        lines.append(fields.map(Format.csvField).joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
