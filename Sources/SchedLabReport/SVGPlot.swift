import Foundation
import SchedLabCore

/// A plot rendered as inline SVG (no script, no external resource): axes with ticks and labels, a
/// legend, series drawn as marks (points) or lines, optionally a log x axis. Every element a reader
/// checks carries a class: `plot`, `mark`, `axis-label`, `legend`, `pareto`.
struct SVGPlot {
  struct Series {
    var name: String
    var points: [(x: Double, y: Double, label: String)]
    /// Draw as a step line (a CDF) rather than as points.
    var line = false
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var logX = false
  /// A log y axis (values ≤ 0 are not drawn); set after construction.
  var logY = false
  var series: [Series] = []
  /// Extra line (a diagonal, a Pareto front), drawn under the marks.
  var guide: [(x: Double, y: Double)] = []
  var guideClass = "guide"
  var guideLabel = ""

  static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#30638e"]
  static let width = 640.0
  static let height = 400.0
  static let margin = (left: 72.0, right: 170.0, top: 36.0, bottom: 52.0)

  func render() -> String {
    let all = series.flatMap(\.points) + guide.map { ($0.x, $0.y, "") }
    let xs = all.map(\.x).filter { !logX || $0 > 0 }
    let ys = all.map(\.y).filter { !logY || $0 > 0 }
    guard let xMin0 = xs.min(), let xMax0 = xs.max(), let yMin0 = ys.min(), let yMax0 = ys.max() else {
      return "<p class=\"empty\">\(escape(title)): no data</p>"
    }
    let (xMin, xMax) = logX ? Self.logRange(xMin0, xMax0) : Self.niceRange(xMin0, xMax0)
    let (yMin, yMax) = logY ? Self.logRange(yMin0, yMax0) : Self.niceRange(min(0, yMin0), yMax0)
    let m = Self.margin
    let plotW = Self.width - m.left - m.right
    let plotH = Self.height - m.top - m.bottom
    func px(_ x: Double) -> Double {
      let t = logX ? (log10(max(x, xMin)) - log10(xMin)) / (log10(xMax) - log10(xMin)) : (x - xMin) / (xMax - xMin)
      return m.left + t * plotW
    }
    func py(_ y: Double) -> Double {
      let t = logY ? (log10(max(y, yMin)) - log10(yMin)) / (log10(yMax) - log10(yMin)) : (y - yMin) / (yMax - yMin)
      return m.top + (1 - t) * plotH
    }
    var out = """
      <svg class="plot" xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
      viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" aria-label="\(escape(title))">
      <rect x="0" y="0" width="\(Int(Self.width))" height="\(Int(Self.height))" fill="#ffffff"/>
      <text class="title" x="\(f(m.left))" y="20" font-size="14" font-weight="bold">\(escape(title))</text>

      """
    // Axes, ticks, grid.
    out += "<g class=\"axes\" font-size=\"11\" fill=\"#333\" stroke=\"#999\">\n"
    out += line(m.left, py(yMin), m.left + plotW, py(yMin)) + line(m.left, m.top, m.left, m.top + plotH)
    for x in logX ? Self.logTicks(xMin, xMax) : Self.ticks(xMin, xMax) {
      out += line(px(x), py(yMin), px(x), py(yMin) + 4)
      out +=
        "<text stroke=\"none\" x=\"\(f(px(x)))\" y=\"\(f(py(yMin) + 17))\" text-anchor=\"middle\">\(tick(x))</text>\n"
    }
    for y in logY ? Self.logTicks(yMin, yMax) : Self.ticks(yMin, yMax) {
      out += line(m.left - 4, py(y), m.left, py(y))
      out +=
        "<line x1=\"\(f(m.left))\" y1=\"\(f(py(y)))\" x2=\"\(f(m.left + plotW))\" y2=\"\(f(py(y)))\" stroke=\"#eee\"/>\n"
      out +=
        "<text stroke=\"none\" x=\"\(f(m.left - 7))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(tick(y))</text>\n"
    }
    out += "</g>\n"
    out += """
      <text class="axis-label" x="\(f(m.left + plotW / 2))" y="\(f(Self.height - 12))" text-anchor="middle" font-size="12">\(escape(xLabel))</text>
      <text class="axis-label" x="16" y="\(f(m.top + plotH / 2))" text-anchor="middle" font-size="12" transform="rotate(-90 16 \(f(m.top + plotH / 2)))">\(escape(yLabel))</text>

      """
    if !guide.isEmpty {
      let d = guide.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
      out +=
        "<polyline class=\"\(guideClass)\" points=\"\(d)\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"5 3\" stroke-width=\"1.5\"/>\n"
    }
    for (i, s) in series.enumerated() {
      let color = Self.palette[i % Self.palette.count]
      out += "<g class=\"series\" data-series=\"\(escape(s.name))\" fill=\"\(color)\" stroke=\"\(color)\">\n"
      if s.line {
        let sorted = s.points.sorted { $0.x < $1.x }
        let d = sorted.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
        out += "<polyline class=\"mark\" points=\"\(d)\" fill=\"none\" stroke-width=\"2\"/>\n"
      } else {
        for p in s.points where (!logX || p.x > 0) && (!logY || p.y > 0) {
          out +=
            "<circle class=\"mark\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill-opacity=\"0.7\" stroke=\"none\">"
          out += "<title>\(escape(s.name + (p.label.isEmpty ? "" : ": " + p.label)))</title></circle>\n"
        }
      }
      out += "</g>\n"
    }
    // Legend.
    out += "<g class=\"legend\" font-size=\"11\">\n"
    var ly = m.top + 6
    for (i, s) in series.enumerated() {
      let color = Self.palette[i % Self.palette.count]
      out +=
        "<rect x=\"\(f(Self.width - m.right + 14))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
      out += "<text x=\"\(f(Self.width - m.right + 30))\" y=\"\(f(ly + 1))\">\(escape(s.name))</text>\n"
      ly += 17
    }
    if !guideLabel.isEmpty {
      out +=
        "<line x1=\"\(f(Self.width - m.right + 12))\" y1=\"\(f(ly - 3))\" x2=\"\(f(Self.width - m.right + 26))\" y2=\"\(f(ly - 3))\" stroke=\"#555\" stroke-dasharray=\"5 3\"/>"
      out += "<text x=\"\(f(Self.width - m.right + 30))\" y=\"\(f(ly + 1))\">\(escape(guideLabel))</text>\n"
    }
    out += "</g>\n</svg>\n"
    return out
  }

  private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
    "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\"/>\n"
  }

  private func f(_ v: Double) -> String { Format.fixed(v, 1) }

  private func tick(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e6 || a < 1e-3 { return Format.scientific(v, 1) }
    if a >= 100 || v == v.rounded() { return Format.fixed(v, 0) }
    return a >= 1 ? Format.fixed(v, 1) : Format.fixed(v, a >= 0.1 ? 2 : 3)
  }

  static func niceStep(_ span: Double) -> Double {
    let raw = span / 5
    let magnitude = pow(10, floor(log10(raw)))
    let r = raw / magnitude
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude
  }

  static func niceRange(_ lo: Double, _ hi: Double) -> (Double, Double) {
    if hi <= lo { return (lo - 1, lo + 1) }
    let step = niceStep(hi - lo)
    return (floor(lo / step) * step, ceil(hi / step) * step)
  }

  static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
    let step = niceStep(hi - lo)
    var out: [Double] = []
    var v = lo
    while v <= hi + step * 1e-9 {
      out.append((v / step).rounded() * step)
      v += step
    }
    return out
  }

  static func logRange(_ lo: Double, _ hi: Double) -> (Double, Double) {
    let a = pow(10, floor(log10(lo)))
    let b = pow(10, ceil(log10(hi)))
    return (a, b > a ? b : a * 10)
  }

  static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
    var out: [Double] = []
    var v = lo
    while v <= hi * 1.0001 {
      out.append(v)
      v *= 10
    }
    return out
  }
}

/// The start of a report page: doctype, title, the one style sheet, the heading.
enum HTMLPage {
  static func head(_ title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
    <style>
    body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
    h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; } h3 { font-size: 14px; }
    .plots { display: flex; flex-wrap: wrap; gap: 16px; }
    table { border-collapse: collapse; font-size: 12px; margin: 8px 0 24px; }
    th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th { background: #f4f4f4; }
    td.text, th.text { text-align: left; }
    p.note { color: #555; font-size: 13px; max-width: 900px; }
    </style></head><body>
    <h1>\(escape(title))</h1>

    """
  }
}

/// The items in first-seen order, each once (a report's series, sections and seeds).
func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
  var seen: Set<T> = []
  return items.filter { seen.insert($0).inserted }
}

func escape(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
