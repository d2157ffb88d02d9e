import SchedLabCore
public import SchedLabEvaluation

/// `check --html`: one page for a check: per scenario, each expectation's headroom on every seed
/// (how far inside its bound the measurement is, relative to the bound: above 0 holds, below fails)
/// and the verdict table.
public enum CheckHTMLReport {
  /// Headroom of one seed's measurement: −score / |bound| (the largest bound magnitude; for a bound of
  /// 0, the plain distance), so that expectations in different units share an axis, drawn no lower
  /// than −`floor` (the table has the value). nil: nothing measured.
  static let floor = 5.0
  static func headroom(_ r: CheckResult, _ m: SeedMeasurement) -> Double? {
    guard m.value != nil, m.score.isFinite else { return nil }
    let e = r.expectation
    let bounds = [e.max, e.min, e.maxAbs, e.maxVsBaseline, e.minVsBaseline].compactMap { $0 }.map(abs)
    let scale = bounds.max() ?? 0
    return Swift.max(-floor, -m.score / (scale > 0 ? scale : 1))
  }

  public static func render(_ results: [CheckResult], title: String) -> String {
    var html = HTMLPage.head(title)
    let counts = Dictionary(grouping: results, by: \.verdict.rawValue).mapValues(\.count)
    html += "<p class=\"note\">" + counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", ")
    html += ". Headroom: how far inside its bound each seed's measurement is, as a fraction of the bound "
    html += "(0: on the bound; below 0: past it; a bound of 0: the plain distance; drawn no lower than −5).</p>\n"
    for file in orderedUnique(results.map(\.file)) {
      let mine = results.filter { $0.file == file }
      html +=
        "<h2>\(escape(mine[0].scenario)) under \(escape(mine[0].scheduler)) (\(escape(mine[0].hostModel)) host)</h2>\n"
      let series = mine.map { r in
        SVGPlot.Series(
          name: r.expectation.name,
          points: r.seeds.compactMap { m in headroom(r, m).map { (Double(m.seed), $0, r.verdict.rawValue) } })
      }.filter { !$0.points.isEmpty }
      if !series.isEmpty {
        let seeds = mine.flatMap { $0.seeds.map { Double($0.seed) } }
        html += "<div class=\"plots\">\n"
        html += SVGPlot(
          title: "Headroom per seed", xLabel: "seed", yLabel: "headroom (fraction of the bound)", series: series,
          guide: [(seeds.min()!, 0), (seeds.max()!, 0)], guideLabel: "bound"
        ).render()
        html += "</div>\n"
      }
      html += "<table><tr><th class=\"text\">expectation</th><th>measured (worst seed)</th><th>bound</th>"
      html += "<th class=\"text\">where</th><th class=\"text\">verdict</th></tr>\n"
      for r in mine {
        let color: String
        switch r.verdict {
        case .pass: color = "#e6f4ea"
        case .xfail: color = "#fff4e0"
        default: color = "#fde7e9"
        }
        html += "<tr><td class=\"text\">\(escape(r.expectation.name))</td><td>\(escape(r.measuredText))</td>"
        html += "<td>\(escape(r.expectation.boundText))</td><td class=\"text\">\(escape(r.whereText))</td>"
        html += "<td class=\"text\" style=\"background: \(color)\">\(r.verdict.rawValue)</td></tr>\n"
      }
      html += "</table>\n"
    }
    return html + "</body></html>\n"
  }
}
