import Foundation
import SchedLabCore

/// `schedlab report`: one self-contained HTML page (inline SVG and CSS; no script, no network) from a
/// sweep's results table: share against ideal, wake-up p99 as CDFs on a log axis, trade-off plots
/// per base scenario with the Pareto front marked, and a summary table per scenario.
public enum SweepHTMLReport {
  /// A derived figure of one configuration (a base file with its axis values, averaged over seeds):
  /// one of the named figures, or one domain's metric as the table has it (`DOMAIN:METRIC`).
  public enum Figure: Hashable, Sendable {
    /// The largest |share − ideal| of any VM, in pCPUs.
    case worstShareError
    /// The largest wake-up p99 of any VM, in µs.
    case worstWakeP99
    /// Every workload's completions per second, summed.
    case throughput
    /// The largest deadline-miss ratio of any periodic workload.
    case worstMissRatio
    /// The most underruns per minute of any periodic workload (late or never done).
    case worstUnderruns
    /// A row of the table: `build:share`, `call:audio.underruns_per_min`.
    case measured(domain: String, metric: String)

    /// The named figures, in the summary table's order.
    public static let named: [Figure] = [
      .worstShareError, .worstWakeP99, .throughput, .worstMissRatio, .worstUnderruns,
    ]

    public var name: String {
      switch self {
      case .worstShareError: return "worst_share_error"
      case .worstWakeP99: return "worst_wake_p99_us"
      case .throughput: return "total_throughput_per_s"
      case .worstMissRatio: return "worst_miss_ratio"
      case .worstUnderruns: return "worst_underruns_per_min"
      case .measured(let domain, let metric): return "\(domain):\(metric)"
      }
    }

    /// A named figure, or `DOMAIN:METRIC`.
    public init?(_ text: String) {
      if let f = Figure.named.first(where: { $0.name == text }) {
        self = f
        return
      }
      let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
      self = .measured(domain: String(parts[0]), metric: String(parts[1]))
    }

    var label: String {
      switch self {
      case .worstShareError: return "worst |share − ideal| (pCPUs)"
      case .worstWakeP99: return "worst VM wake-up p99 (µs)"
      case .throughput: return "total throughput (completions/s)"
      case .worstMissRatio: return "worst deadline-miss ratio"
      case .worstUnderruns: return "worst underruns per minute"
      case .measured(let domain, let metric): return "\(domain): \(metric)"
      }
    }

    /// Whether more is better (for the Pareto front): throughputs and shares; less for the rest.
    public var maximized: Bool {
      switch self {
      case .throughput: return true
      case .measured(_, let metric): return metric == "share" || metric.hasSuffix("throughput_per_s")
      default: return false
      }
    }
  }

  struct Row {
    var point: Int
    var file: String
    var axes: [String]
    var seed: String
    var domain: String
    var metric: String
    var value: Double
  }

  /// The page for `table` (the results CSV's text); `tradeoffs` are the pairs of figures to plot
  /// against each other. Throws a message when the text is not a sweep table.
  public static func render(csv text: String, title: String, tradeoffs: [(Figure, Figure)]) throws(ReportError)
    -> String
  {
    let lines = CSVText.parse(text)
    guard let header = lines.first, header.count >= 6, header[0] == "point", header[1] == "file",
      header.suffix(4) == ["seed", "domain", "metric", "value"]
    else {
      throw ReportError(
        "not a sweep results table (expected the columns point, file, ..., seed, domain, metric, value)")
    }
    let axisNames = Array(header[2..<(header.count - 4)])
    var rows: [Row] = []
    for (n, cells) in lines.dropFirst().enumerated() where cells.count == header.count {
      guard let point = Int(cells[0]), let value = Double(cells[header.count - 1]) else {
        throw ReportError("row \(n + 2): not a number where one is expected")
      }
      rows.append(
        Row(
          point: point, file: cells[1], axes: Array(cells[2..<(header.count - 4)]), seed: cells[header.count - 4],
          domain: cells[header.count - 3], metric: cells[header.count - 2], value: value))
    }
    guard !rows.isEmpty else { throw ReportError("the table has no rows") }
    let schedulerAxis = axisNames.firstIndex(of: "scheduler")
    func policy(_ r: Row) -> String { schedulerAxis.map { r.axes[$0] } ?? "runs" }
    let policies = orderedUnique(rows.map(policy))

    var html = HTMLPage.head(title)
    html += """
      <p class="note">\(Set(rows.map(\.point)).count) runs; axes: \(axisNames.isEmpty ? "none" : axisNames.map(escape).joined(separator: ", ")); \
      seeds: \(orderedUnique(rows.map(\.seed)).joined(separator: ", ")). Shares in pCPUs; latencies in µs. \
      Figures of a configuration are averaged over its seeds (worst cases: the worst VM of each run, then the mean).</p>
      <h2>Share against ideal</h2><div class="plots">

      """
    // 1. Share against ideal, one point per run and VM.
    var shares: [String: [(Double, Double, String)]] = [:]
    var ideal: [String: Double] = [:]
    for r in rows where r.metric == "ideal_share" { ideal["\(r.point)|\(r.domain)"] = r.value }
    var maxShare = 0.0
    for r in rows where r.metric == "share" {
      guard let i = ideal["\(r.point)|\(r.domain)"] else { continue }
      shares[policy(r), default: []].append((i, r.value, "\(r.file) \(r.domain), run \(r.point)"))
      maxShare = max(maxShare, i, r.value)
    }
    html += SVGPlot(
      title: "Share against ideal (every VM of every run)", xLabel: "ideal share (pCPUs)", yLabel: "share (pCPUs)",
      series: policies.compactMap { p in
        shares[p].map { SVGPlot.Series(name: p, points: $0.map { ($0.0, $0.1, $0.2) }) }
      },
      guide: [(0, 0), (maxShare, maxShare)], guideLabel: "share = ideal"
    ).render()
    // 2. Wake-up p99 CDFs, log axis.
    var wakes: [String: [Double]] = [:]
    for r in rows where r.metric == "wake_p99_ns" && r.value > 0 {
      wakes[policy(r), default: []].append(r.value / 1000)
    }
    html += SVGPlot(
      title: "Wake-up latency p99 of every VM that woke (CDF)", xLabel: "wake-up p99 (µs, log scale)",
      yLabel: "fraction of VMs × runs", logX: true,
      series: policies.compactMap { p in
        wakes[p].map { values in
          let sorted = values.sorted()
          return SVGPlot.Series(
            name: p,
            points: sorted.enumerated().map {
              (x: $0.element, y: Double($0.offset + 1) / Double(sorted.count), label: "")
            },
            line: true)
        }
      }
    ).render()
    html += "</div>\n"

    // 3. Per base scenario: trade-offs and the summary table.
    // The summary's columns: the named figures, then the table rows the trade-offs ask for.
    let asked = orderedUnique(tradeoffs.flatMap { [$0.0, $0.1] }.filter { !Figure.named.contains($0) })
    let columns = Figure.named + asked
    let configurations = Self.configurations(rows, measured: asked)
    // One section per base file, and per host model when the sweep varies it (figures of different
    // host models are not comparable on one plot).
    let modelAxis = axisNames.firstIndex(of: "host.model")
    var sections: [(file: String, model: String?)] = []
    for c in configurations {
      let section = (c.file, modelAxis.map { c.axes[$0] })
      if !sections.contains(where: { $0.file == section.0 && $0.model == section.1 }) { sections.append(section) }
    }
    for (file, model) in sections {
      let mine = configurations.filter { c in c.file == file && modelAxis.map { c.axes[$0] } == model }
      let heading = model.map { "\(file) (\($0) host)" } ?? file
      html += "<h2>\(escape(heading))</h2><div class=\"plots\">\n"
      for (x, y) in tradeoffs {
        let pts = mine.compactMap { c -> (String, Double, Double, String)? in
          guard let a = c.figures[x], let b = c.figures[y] else { return nil }
          return (schedulerAxis.map { c.axes[$0] } ?? "runs", a, b, describe(c.axes, axisNames))
        }
        guard !pts.isEmpty else { continue }
        let front = pareto(pts.map { ($0.1, $0.2) }, maximizeX: x.maximized, maximizeY: y.maximized)
        var plot = SVGPlot(
          title: "\(scenarioName(file))\(model.map { ", \($0)" } ?? ""): \(y.name) vs \(x.name)",
          xLabel: x.label, yLabel: y.label,
          series: orderedUnique(pts.map(\.0)).map { p in
            SVGPlot.Series(name: p, points: pts.filter { $0.0 == p }.map { ($0.1, $0.2, $0.3) })
          }, guide: front, guideClass: "pareto", guideLabel: "Pareto front"
        )
        // Latencies spanning more than two decades read better on a log axis (zeros are not drawn).
        let positive = pts.map(\.2).filter { $0 > 0 }
        if y == .worstWakeP99, let lo = positive.min(), let hi = positive.max(), hi / lo > 100 {
          plot.logY = true
          plot.yLabel += ", log scale"
        }
        html += plot.render()
      }
      html += "</div>\n<table class=\"summary\"><tr>"
      html += axisNames.map { "<th class=\"text\">\(escape($0))</th>" }.joined()
      html += columns.map { "<th>\(escape($0.label))</th>" }.joined() + "</tr>\n"
      for c in mine {
        html += "<tr>" + c.axes.map { "<td class=\"text\">\(escape($0.isEmpty ? "–" : $0))</td>" }.joined()
        html += columns.map { "<td>\(c.figures[$0].map(number) ?? "–")</td>" }.joined() + "</tr>\n"
      }
      html += "</table>\n"
    }
    html += "</body></html>\n"
    return html
  }

  struct Configuration {
    var file: String
    var axes: [String]
    var figures: [Figure: Double]
  }

  /// Each base file × axis values, with its figures averaged over seeds, in table order.
  static func configurations(_ rows: [Row], measured: [Figure] = []) -> [Configuration] {
    var order: [String] = []
    var perRun: [String: [Int: [Row]]] = [:]
    var info: [String: (String, [String])] = [:]
    for r in rows {
      let key = r.file + "\u{1}" + r.axes.joined(separator: "\u{1}")
      if perRun[key] == nil {
        order.append(key)
        info[key] = (r.file, r.axes)
      }
      perRun[key, default: [:]][r.point, default: []].append(r)
    }
    return order.map { key in
      var sums: [Figure: (Double, Int)] = [:]
      // In point order: the mean must not depend on a dictionary's iteration order.
      for (_, run) in perRun[key]!.sorted(by: { $0.key < $1.key }) {
        var f: [Figure: Double] = [:]
        let errors = run.filter { $0.metric == "share_minus_ideal" }.map { abs($0.value) }
        if let e = errors.max() { f[.worstShareError] = e }
        let wakes = run.filter { $0.metric == "wake_p99_ns" }.map { $0.value / 1000 }
        if let w = wakes.max() { f[.worstWakeP99] = w }
        let throughput = run.filter { $0.metric.hasSuffix(".throughput_per_s") }.map(\.value)
        if !throughput.isEmpty { f[.throughput] = throughput.reduce(0, +) }
        let misses = run.filter { $0.metric.hasSuffix(".miss_ratio") }.map(\.value)
        if let m = misses.max() { f[.worstMissRatio] = m }
        let underruns = run.filter { $0.metric.hasSuffix(".underruns_per_min") }.map(\.value)
        if let u = underruns.max() { f[.worstUnderruns] = u }
        for figure in measured {
          guard case .measured(let domain, let metric) = figure else { continue }
          if let row = run.first(where: { $0.domain == domain && $0.metric == metric }) { f[figure] = row.value }
        }
        for (k, v) in f { sums[k] = ((sums[k]?.0 ?? 0) + v, (sums[k]?.1 ?? 0) + 1) }
      }
      return Configuration(
        file: info[key]!.0, axes: info[key]!.1, figures: sums.mapValues { $0.0 / Double($0.1) })
    }
  }

  /// The points no other point beats on both figures (smaller is better unless maximized), in x order.
  static func pareto(_ points: [(Double, Double)], maximizeX: Bool, maximizeY: Bool) -> [(x: Double, y: Double)] {
    func better(_ a: Double, _ b: Double, _ max: Bool) -> Bool { max ? a >= b : a <= b }
    let front = points.filter { p in
      !points.contains { q in
        better(q.0, p.0, maximizeX) && better(q.1, p.1, maximizeY) && (q.0 != p.0 || q.1 != p.1)
      }
    }
    var seen: Set<String> = []
    return front.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.filter {
      seen.insert("\($0.0),\($0.1)").inserted
    }
    .map { (x: $0.0, y: $0.1) }
  }

  /// A base file's name without directory and extension.
  static func scenarioName(_ file: String) -> String {
    URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
  }

  static func describe(_ axes: [String], _ names: [String]) -> String {
    Swift.zip(names, axes).filter { !$0.1.isEmpty }.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
  }

  static func number(_ v: Double) -> String {
    let a = abs(v)
    return a >= 100 ? Format.fixed(v, 0) : a >= 1 ? Format.fixed(v, 2) : Format.fixed(v, 4)
  }
}

/// A results table that cannot be reported.
public struct ReportError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Rows of a CSV text (quoted fields with doubled quotes), as the sweep writes them.
public enum CSVText {
  public static func parse(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var iterator = text.makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
      pending = nil
      if quoted {
        if c == "\"" {
          guard let next = iterator.next() else {
            quoted = false
            continue
          }
          if next == "\"" {
            field.append("\"")
          } else {
            quoted = false
            pending = next
          }
        } else {
          field.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        row.append(field)
        field = ""
      } else if c == "\n" {
        row.append(field)
        rows.append(row)
        row = []
        field = ""
      } else {
        field.append(c)
      }
    }
    if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
    return rows
  }
}
