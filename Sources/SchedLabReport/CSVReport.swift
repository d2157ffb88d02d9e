import Foundation
public import SchedLabEvaluation

/// CSV: one row per domain (RFC 4180 quoting), for pandas or R.
public enum CSVReport {
  public static let header = [
    "scenario", "scheduler", "seed", "domain", "weight", "cap", "vcpus", "demand", "share", "ideal_share",
    "share_minus_ideal", "window_min", "window_max", "window_stdev", "wake_p50_ns", "wake_p90_ns", "wake_p99_ns",
    "wake_p999_ns", "wake_max_ns", "preempt_wait_p99_ns", "deadline_misses", "jobs_completed", "server_completed",
    "server_p99_ns", "host_model",
  ]

  public static func render(_ evaluations: [Evaluation]) -> String {
    var lines = [header.joined(separator: ",")]
    for e in evaluations {
      for (d, dom) in e.result.domains.enumerated() {
        let periodic = dom.workloads.filter(\.hasJobs)
        // Request-driven workloads, as the table counts them (server, server-mix, net-rr, ...).
        let servers = dom.workloads.filter { $0.category == .requests }
        let ideal = e.ideal?[d]
        let fields: [String] = [
          e.scenario.name, e.result.scheduler, String(e.result.seed), dom.name, String(dom.weight),
          String(dom.capPercent), String(dom.vcpus.count), e.demands.map { Format.fixed($0[d].total, 6) } ?? "",
          Format.fixed(dom.share, 6), ideal.map { Format.fixed($0, 6) } ?? "",
          ideal.map { Format.fixed(dom.share - $0, 6) } ?? "", Format.fixed(dom.window.min, 6),
          Format.fixed(dom.window.max, 6), Format.fixed(dom.window.stdev, 6), String(dom.wakeLatency.p50Ns),
          String(dom.wakeLatency.p90Ns), String(dom.wakeLatency.p99Ns), String(dom.wakeLatency.p999Ns),
          String(dom.wakeLatency.maxNs), String(dom.preemptWait.p99Ns),
          String(periodic.reduce(0) { $0 + $1.deadlineMisses }), String(periodic.reduce(0) { $0 + $1.completed }),
          String(servers.reduce(0) { $0 + $1.completed }), String(servers.map(\.response.p99Ns).max() ?? 0),
          e.result.hostModel.name,
        ]
        lines.append(fields.map(quote).joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func quote(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
