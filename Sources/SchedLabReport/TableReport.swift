import SchedLabCore
public import SchedLabEvaluation

/// The human table: readable at a glance, one row per domain.
public enum TableReport {
  public static func render(_ e: Evaluation) -> String {
    let r = e.result
    var out: [String] = []
    let t = r.topology
    out.append(
      "scenario \(e.scenario.name) | scheduler \(r.scheduler) | seed \(r.seed) | "
        + "\(Format.duration(r.durationNs)) (warm-up \(Format.duration(r.warmupNs))) | "
        + "\(t.pcpuCount) pCPUs (\(t.description)) | host model \(r.hostModel.name)"
    )
    var rows: [[String]] = [
      [
        "domain", "weight", "cap", "vcpus", "demand", "share", "ideal", "diff", "win min", "win max", "wake p50", "p99",
        "p99.9", "max",
      ]
    ]
    for (d, dom) in r.domains.enumerated() {
      let ideal = e.ideal?[d]
      rows.append([
        dom.name, String(dom.weight), dom.capPercent > 0 ? "\(dom.capPercent)%" : "-", String(dom.vcpus.count),
        e.demands.map { Format.fixed($0[d].total, 3) } ?? "-", Format.fixed(dom.share, 3),
        ideal.map { Format.fixed($0, 3) } ?? "-", ideal.map { signed(dom.share - $0) } ?? "-",
        Format.fixed(dom.window.min, 3), Format.fixed(dom.window.max, 3),
        latency(dom.wakeLatency.p50Ns, dom.wakeLatency.count), latency(dom.wakeLatency.p99Ns, dom.wakeLatency.count),
        latency(dom.wakeLatency.p999Ns, dom.wakeLatency.count), latency(dom.wakeLatency.maxNs, dom.wakeLatency.count),
      ])
    }
    out.append(Format.table(rows, rightAligned: Set(1...13)))
    let work = r.domains.flatMap { dom in dom.workloads.map { (dom.name, $0) } }
    let periodic = work.filter { $0.1.hasJobs }
    if !periodic.isEmpty {
      var prow: [[String]] = [
        ["jobs", "released", "completed", "missed", "miss %", "resp p50", "p99", "p99.9", "max"]
      ]
      for (dom, p) in periodic {
        prow.append([
          "\(dom)/\(p.name)", String(p.released), String(p.completed), String(p.deadlineMisses),
          Format.fixed(p.missRatio * 100, 2), Format.duration(p.response.p50Ns), Format.duration(p.response.p99Ns),
          Format.duration(p.response.p999Ns), Format.duration(p.response.maxNs),
        ])
      }
      out.append("")
      out.append(Format.table(prow, rightAligned: Set(1...8)))
    }
    let servers = work.filter { $0.1.category == .requests }
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
    let others = work.filter { $0.1.category == .stream || $0.1.category == .script }
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
    let locks = work.filter { $0.1.category == .lock }
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
      out.append("ideal: weighted max-min fair share (\(e.policy.weights.rawValue) weights), demand \(sources)")
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

  static func signed(_ v: Double) -> String {
    let text = Format.fixed(v, 3)
    return text.hasPrefix("-") ? text : "+" + text
  }
  static func latency(_ ns: Int64, _ count: Int64) -> String { count > 0 ? Format.duration(ns) : "-" }

  /// One table for many runs (a directory or several files): a row per scenario and domain.
  public static func summary(_ evaluations: [Evaluation]) -> String {
    var rows: [[String]] = [
      [
        "scenario", "scheduler", "host model", "domain", "share", "ideal", "diff", "win min", "wake p99", "max",
        "jobs missed", "req/s", "resp p99",
      ]
    ]
    for e in evaluations {
      for (d, dom) in e.result.domains.enumerated() {
        let jobs = dom.workloads.filter(\.hasJobs)
        let requests = dom.workloads.filter { $0.category != .jobs && $0.category != .load && $0.category != .lock }
        rows.append([
          e.scenario.name, e.result.scheduler, e.result.hostModel.name, dom.name, Format.fixed(dom.share, 3),
          e.ideal.map { Format.fixed($0[d], 3) } ?? "-", e.ideal.map { signed(dom.share - $0[d]) } ?? "-",
          Format.fixed(dom.window.min, 3), latency(dom.wakeLatency.p99Ns, dom.wakeLatency.count),
          latency(dom.wakeLatency.maxNs, dom.wakeLatency.count),
          jobs.isEmpty ? "-" : "\(jobs.reduce(0) { $0 + $1.deadlineMisses })/\(jobs.reduce(0) { $0 + $1.completed })",
          requests.isEmpty ? "-" : Format.fixed(requests.reduce(0) { $0 + $1.throughputPerS }, 1),
          requests.isEmpty ? "-" : Format.duration(requests.map(\.response.p99Ns).max() ?? 0),
        ])
      }
    }
    return Format.table(rows, rightAligned: Set(4...12)) + "\n"
  }

  /// Side by side: one row per domain, share / ideal / wake p99 for each scheduler.
  public static func compare(_ evaluations: [Evaluation]) -> String {
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
      for (i, e) in evaluations.enumerated() {
        let x = e.result.domains[d]
        row.append(Format.fixed(x.share, 3))
        if ownIdeal[i] { row.append(Format.fixed(e.ideal![d], 3)) }
        row += [
          e.ideal.map { signed(x.share - $0[d]) } ?? "-",
          latency(x.wakeLatency.p99Ns, x.wakeLatency.count), latency(x.wakeLatency.maxNs, x.wakeLatency.count),
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
