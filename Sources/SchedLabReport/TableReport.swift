import SchedLabCore
import SchedLabEvaluation

/// The human table: readable at a glance, one row per domain (the metric table's columns).
public enum TableReport {
  public static func render(_ report: RunReport) -> String {
    let e = report.evaluation
    let r = e.result
    var out: [String] = []
    let t = r.topology
    out.append(
      "scenario \(e.scenario.name) | scheduler \(r.scheduler) | seed \(r.seed) | "
        + "\(Format.duration(r.durationNs)) (warm-up \(Format.duration(r.warmupNs))) | "
        + "\(t.pcpuCount) pCPUs (\(t.description)) | host model \(r.hostModel.name)"
    )
    let cells = report.columnCells(header: \.table, text: \.tableText, missing: "-")
    var rows: [[String]] = [["domain", "weight", "cap", "vcpus"] + cells.header]
    for (d, dom) in r.domains.enumerated() {
      rows.append(
        [dom.name, String(dom.weight), dom.capPercent > 0 ? "\(dom.capPercent)%" : "-", String(dom.vcpus.count)]
          + cells.rows[d])
    }
    out.append(Format.table(rows, rightAligned: Set(1..<rows[0].count)))
    let periodic = report.jobs
    if !periodic.isEmpty {
      // Jobs due but never done (a starved stream) get a column only when there are some.
      let owed = periodic.contains { $0.1.overdue > 0 }
      var prow: [[String]] = [
        ["jobs", "released", "completed", "missed"] + (owed ? ["never done"] : [])
          + ["miss %", "resp p50", "p99", "p99.9", "max"]
      ]
      for (dom, p) in periodic {
        prow.append(
          ["\(dom)/\(p.name)", String(p.released), String(p.completed), String(p.deadlineMisses)]
            + (owed ? [String(p.overdue)] : []) + [
              Format.fixed(p.missRatio * 100, 2), Format.duration(p.response.p50Ns),
              Format.duration(p.response.p99Ns), Format.duration(p.response.p999Ns), Format.duration(p.response.maxNs),
            ])
      }
      out.append("")
      out.append(Format.table(prow, rightAligned: Set(1..<prow[0].count)))
    }
    let servers = report.requests
    if !servers.isEmpty {
      // Offered load: arrivals per second (a rate in a scenario is per vCPU unless `vcpu:` names one).
      let seconds = Double(r.measuredNs) / 1e9
      var srow: [[String]] = [
        ["server", "arrived", "offered/s", "completed", "req/s", "resp p50", "p99", "p99.9", "max"]
      ]
      for (dom, s) in servers {
        srow.append([
          "\(dom)/\(s.name)", String(s.released), Format.fixed(Double(s.released) / seconds, 1), String(s.completed),
          Format.fixed(s.throughputPerS, 1),
          Format.duration(s.response.p50Ns), Format.duration(s.response.p99Ns), Format.duration(s.response.p999Ns),
          Format.duration(s.response.maxNs),
        ])
      }
      out.append("")
      out.append(Format.table(srow, rightAligned: Set(1...8)))
    }
    let others = report.throughput
    if !others.isEmpty {
      var trow: [[String]] = [["throughput", "type", "done", "per s", "win min", "win max", "time p50", "p99"]]
      for (dom, o) in others {
        trow.append([
          "\(dom)/\(o.name)", o.type, String(o.completed), Format.fixed(o.throughputPerS, 1),
          Format.fixed(o.throughputWindow.min, 1), Format.fixed(o.throughputWindow.max, 1),
          Format.duration(o.response.p50Ns), Format.duration(o.response.p99Ns),
        ])
      }
      out.append("")
      out.append(Format.table(trow, rightAligned: Set(2...7)))
    }
    let locks = report.locks
    if !locks.isEmpty {
      var lrow: [[String]] = [["spinlock", "acquired", "spin", "holder preempted", "wait p50", "p99", "max"]]
      for (dom, l) in locks {
        lrow.append([
          "\(dom)/\(l.name)", String(l.completed), Format.duration(l.spinNs), String(l.holderPreemptions),
          Format.duration(l.response.p50Ns), Format.duration(l.response.p99Ns), Format.duration(l.response.maxNs),
        ])
      }
      out.append("")
      out.append(Format.table(lrow, rightAligned: Set(1...6)))
    }
    if !r.controls.isEmpty {
      out.append("")
      out.append("control calls:")
      for c in r.controls {
        let outcome: String
        switch c.outcome {
        case .ok(let values):
          outcome = "ok" + (values.isEmpty ? "" : " " + values.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        case .permissionDenied(let why): outcome = "EPERM (\(why))"
        case .invalid(let why): outcome = "EINVAL (\(why))"
        }
        out.append(
          "  \(Format.duration(c.call.time)) \(r.domains[c.call.caller.index].name) \(c.call.op) "
            + "\(r.domains[c.call.target.index].name): \(outcome)")
      }
    }
    out.append("")
    out.append(
      "host: \(Format.fixed(r.host.contextSwitchesPerS, 0)) context switches/s, "
        + "\(Format.fixed(r.host.migrationsPerS, 0)) migrations/s, idle \(Format.fixed(r.host.idleFraction * 100, 1))%, "
        + "\(r.host.events) events")
    out.append("host model: \(r.hostModel)")
    if let demands = e.demands {
      let sources = Set(demands.map(\.source.rawValue)).sorted().joined(separator: "+")
      let fair = "weighted max-min fair share (\(e.policy.weights.rawValue) weights)"
      let rule: String
      switch (e.policy.guarantees == nil, e.policy.guaranteeSemantics) {
      case (true, _): rule = fair
      case (false, .floor): rule = "the larger of each vCPU's guarantee and its " + fair
      case (false, .additive): rule = "each vCPU's guarantee, then a " + fair + " of the rest"
      }
      out.append("ideal: \(rule), demand \(sources)")
    }
    if !r.counters.isEmpty {
      out.append("counters: " + r.counters.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
    }
    if !r.log.isEmpty {
      out.append("log (\(r.log.count) lines, first 5):")
      for line in r.log.prefix(5) { out.append("  " + line) }
    }
    return out.joined(separator: "\n") + "\n"
  }

  static func signed(_ v: Double) -> String { Format.signed(v, 3) }
  static func latency(_ ns: Int64, _ count: Int64) -> String { count > 0 ? Format.duration(ns) : "-" }

  /// A metric's value as table text, "-" when there is none.
  static func cell(
    _ report: RunReport, _ metric: String, _ d: Int, _ q: MetricQuery = MetricQuery(), as text: (Double) -> String
  ) -> String {
    report.value(metric, domain: d, q).map(text) ?? "-"
  }
  static func fixed3(_ v: Double) -> String { Format.fixed(v, 3) }
  static func duration(_ v: Double) -> String { Format.duration(Int64(v)) }
  static let maxQuery = MetricQuery(percentile: .max)

  /// One table for many runs (a directory or several files): a row per scenario and domain.
  public static func summary(_ reports: [RunReport]) -> String {
    var rows: [[String]] = [
      [
        "scenario", "scheduler", "host model", "domain", "share", "ideal", "diff", "win min", "wake p99", "max",
        "jobs missed", "done/s", "time p99",
      ]
    ]
    for report in reports {
      let e = report.evaluation
      for (d, dom) in e.result.domains.enumerated() {
        let hasJobs = dom.workloads.contains(where: \.hasJobs)
        let missed =
          "\(Int64(report.value("deadline_misses", domain: d)!))/\(Int64(report.value("jobs_completed", domain: d)!))"
        rows.append([
          e.scenario.name, e.result.scheduler, e.result.hostModel.name, dom.name, cell(report, "share", d, as: fixed3),
          cell(report, "ideal_share", d, as: fixed3), cell(report, "share_vs_ideal", d, as: signed),
          cell(report, "window_min", d, as: fixed3), cell(report, "wake_latency", d, as: duration),
          cell(report, "wake_latency", d, maxQuery, as: duration), hasJobs ? missed : "-",
          cell(report, "completions_per_s", d) { Format.fixed($0, 1) },
          cell(report, "completion_time", d, as: duration),
        ])
      }
    }
    return Format.table(rows, rightAligned: Set(4...12)) + "\n"
  }

  /// Side by side: one row per domain, share / ideal / wake p99 for each scheduler.
  public static func compare(_ reports: [RunReport]) -> String {
    let evaluations = reports.map(\.evaluation)
    guard let first = evaluations.first else { return "" }
    var header = ["domain", "weight", "ideal"]
    // A scheduler whose weight semantics give other ideal shares (rr ignores weights) gets its own
    // ideal column, so that its diff is read against the ideal it is measured by.
    let ownIdeal = evaluations.map { e in
      e.ideal != nil && first.ideal != nil && zip(e.ideal!, first.ideal!).contains { abs($0 - $1) > 0.0005 }
    }
    for (i, e) in evaluations.enumerated() {
      header += ["\(e.result.scheduler) share"] + (ownIdeal[i] ? ["ideal"] : []) + ["diff", "wake p99", "max"]
    }
    var rows = [header]
    for (d, dom) in first.result.domains.enumerated() {
      var row = [dom.name, String(dom.weight), first.ideal.map { Format.fixed($0[d], 3) } ?? "-"]
      for (i, report) in reports.enumerated() {
        row.append(cell(report, "share", d, as: fixed3))
        if ownIdeal[i] { row.append(cell(report, "ideal_share", d, as: fixed3)) }
        row += [
          cell(report, "share_vs_ideal", d, as: signed), cell(report, "wake_latency", d, as: duration),
          cell(report, "wake_latency", d, maxQuery, as: duration),
        ]
      }
      rows.append(row)
    }
    let t = first.result.topology
    var out =
      "scenario \(first.scenario.name) | seed \(first.result.seed) | \(Format.duration(first.result.durationNs)) | "
      + "\(t.pcpuCount) pCPUs (\(t.description)) | host model \(first.result.hostModel.name)\n"
    out += Format.table(rows, rightAligned: Set(1..<header.count)) + "\n"
    var host: [[String]] = [["host"] + evaluations.map(\.result.scheduler)]
    host.append(["context switches/s"] + evaluations.map { Format.fixed($0.result.host.contextSwitchesPerS, 0) })
    host.append(["migrations/s"] + evaluations.map { Format.fixed($0.result.host.migrationsPerS, 0) })
    host.append(["idle %"] + evaluations.map { Format.fixed($0.result.host.idleFraction * 100, 1) })
    let work = first.result.domains.enumerated().flatMap { d, dom in dom.workloads.indices.map { (d, $0) } }
    for (d, w) in work where first.result.domains[d].workloads[w].hasJobs {
      let name = "\(first.result.domains[d].name)/\(first.result.domains[d].workloads[w].name) misses"
      host.append(
        [name]
          + evaluations.map { e in
            let p = e.result.domains[d].workloads[w]
            return "\(p.deadlineMisses)/\(p.completed)"
          })
    }
    // Requests: the offered load (arrivals per second; rates are per vCPU unless `vcpu:` names one)
    // next to what was served, and the tail. Streams and scripts: what was done per second.
    for (d, w) in work where first.result.domains[d].workloads[w].category == .requests {
      let name = "\(first.result.domains[d].name)/\(first.result.domains[d].workloads[w].name) offered | req/s | p99"
      host.append(
        [name]
          + evaluations.map { e in
            let s = e.result.domains[d].workloads[w]
            let offered = Double(s.released) / (Double(e.result.measuredNs) / 1e9)
            return Format.fixed(offered, 1) + " | " + Format.fixed(s.throughputPerS, 1) + " | "
              + Format.duration(s.response.p99Ns)
          })
    }
    for (d, w) in work
    where [.stream, .script].contains(first.result.domains[d].workloads[w].category) {
      let name = "\(first.result.domains[d].name)/\(first.result.domains[d].workloads[w].name) done/s | p99"
      host.append(
        [name]
          + evaluations.map { e in
            let o = e.result.domains[d].workloads[w]
            return Format.fixed(o.throughputPerS, 1) + " | " + Format.duration(o.response.p99Ns)
          })
    }
    out += "\n" + Format.table(host, rightAligned: Set(1...evaluations.count)) + "\n"
    return out
  }
}
