import SchedLabCore
public import SchedLabEvaluation

/// `run --html`/`compare --html`: one self-contained page for single runs: per run, each VM's share
/// against its ideal, its share over time (per window), its wake-up latency percentiles (log axis), and
/// a summary table.
public enum RunHTMLReport {
  /// The page of `evaluations`, each with the timeline that listened to its run.
  public static func render(_ evaluations: [Evaluation], timelines: [ShareTimeline], title: String) -> String {
    var html = HTMLPage.head(title)
    for (e, timeline) in zip(evaluations, timelines) {
      let r = e.result
      let heading = "\(e.scenario.name) under \(e.policy.name), seed \(r.seed)"
      html += "<h2>\(escape(heading))</h2><div class=\"plots\">\n"
      let names = r.domains.map(\.name)
      if let ideal = e.ideal {
        let top = max(ideal.max() ?? 1, r.domains.map(\.share).max() ?? 1)
        html += SVGPlot(
          title: "Share against ideal", xLabel: "ideal share (pCPUs)", yLabel: "share (pCPUs)",
          series: r.domains.enumerated().map { d, dom in
            SVGPlot.Series(name: dom.name, points: [(ideal[d], dom.share, Format.fixed(dom.share, 3))])
          }, guide: [(0, 0), (top, top)], guideLabel: "share = ideal"
        ).render()
      }
      let series = timeline.series()
      html += SVGPlot(
        title: "Share over time (windows of \(Nanos.format(timeline.windowNs)))",
        xLabel: "time since the warm-up (s)", yLabel: "share (pCPUs)",
        series: names.enumerated().map { d, name in
          SVGPlot.Series(name: name, points: series.map { ($0.seconds, $0.shares[d], "") }, line: true)
        }
      ).render()
      // Every domain is a series (those that never woke have no points), so colours match the other plots.
      if r.domains.contains(where: { $0.wakeLatency.count > 0 && $0.wakeLatency.maxNs > 0 }) {
        html += SVGPlot(
          title: "Wake-up latency percentiles", xLabel: "wake-up latency (µs, log scale)",
          yLabel: "fraction of wake-ups",
          logX: true,
          series: r.domains.map { dom in
            let w = dom.wakeLatency
            let points: [(Int64, Double)] = [
              (w.p50Ns, 0.5), (w.p90Ns, 0.9), (w.p99Ns, 0.99), (w.p999Ns, 0.999), (w.maxNs, 1),
            ]
            return SVGPlot.Series(
              name: dom.name, points: points.filter { $0.0 > 0 }.map { (Double($0.0) / 1000, $0.1, "") }, line: true)
          }
        ).render()
      }
      html += "</div>\n<table><tr><th class=\"text\">domain</th><th>weight</th><th>share</th><th>ideal</th>"
      html += "<th>wake p99 (µs)</th><th>wake max (µs)</th></tr>\n"
      for (d, dom) in r.domains.enumerated() {
        let ideal = e.ideal.map { Format.fixed($0[d], 3) } ?? "–"
        let wake = dom.wakeLatency.count > 0
        html +=
          "<tr><td class=\"text\">\(escape(dom.name))</td><td>\(dom.weight)</td><td>\(Format.fixed(dom.share, 3))</td>"
        html += "<td>\(ideal)</td><td>\(wake ? Format.fixed(Double(dom.wakeLatency.p99Ns) / 1000, 1) : "–")</td>"
        html += "<td>\(wake ? Format.fixed(Double(dom.wakeLatency.maxNs) / 1000, 1) : "–")</td></tr>\n"
      }
      html += "</table>\n"
    }
    return html + "</body></html>\n"
  }
}
