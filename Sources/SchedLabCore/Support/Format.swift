/// Deterministic number formatting (no locale, no platform printf): results must be byte-identical
/// across runs and machines.
public enum Format {
  /// A CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote or a newline.
  public static func csvField(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
    var quoted = "\""
    for character in field {
      quoted.append(character)
      if character == "\"" { quoted.append("\"") }
    }
    return quoted + "\""
  }

  /// `value` with exactly `digits` decimals, rounded half away from zero.
  public static func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
    guard scaled < 9e18 else { return String(Int64(value)) }
    let integer = Int64(scaled)
    let divisor = Int64(scale)
    let whole = integer / divisor
    var text = (value < 0 && integer != 0 ? "-" : "") + String(whole)
    if digits > 0 {
      var frac = String(integer % divisor)
      while frac.count < digits { frac = "0" + frac }
      text += "." + frac
    }
    return text
  }

  /// `value` in scientific notation with `digits` decimals, as C's `%.2e` prints it (`1.23e-04`).
  public static func scientific(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return fixed(value, 0) }
    guard value != 0 else { return fixed(0, digits) + "e+00" }
    var exponent = 0
    var mantissa = value
    while abs(mantissa) >= 10 {
      mantissa /= 10
      exponent += 1
    }
    while abs(mantissa) < 1 {
      mantissa *= 10
      exponent -= 1
    }
    if abs(Double(fixed(mantissa, digits))!) >= 10 {
      mantissa /= 10
      exponent += 1
    }
    let e = abs(exponent)
    return fixed(mantissa, digits) + (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
  }

  /// `value` with `digits` decimals and its sign always shown (`+0.012`, `-0.300`).
  public static func signed(_ value: Double, _ digits: Int) -> String {
    let text = fixed(value, digits)
    return text.hasPrefix("-") ? text : "+" + text
  }

  /// A duration for tables: `850ns`, `12.3us`, `4.56ms`, `1.20s`.
  public static func duration(_ ns: Int64) -> String {
    let v = Double(ns)
    if ns < 1_000 { return "\(ns)ns" }
    if ns < 1_000_000 { return fixed(v / 1e3, v < 1e4 ? 2 : 1) + "us" }
    if ns < 1_000_000_000 { return fixed(v / 1e6, v < 1e7 ? 2 : 1) + "ms" }
    return fixed(v / 1e9, 2) + "s"
  }

  /// Left- or right-aligned columns.
  public static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    guard let first = rows.first else { return "" }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows {
      for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { i, cell in
        let pad = String(repeating: " ", count: widths[i] - cell.count)
        return rightAligned.contains(i) ? pad + cell : cell + pad
      }.joined(separator: "  ").replacingTrailingSpaces()
    }.joined(separator: "\n")
  }
}

extension String {
  func replacingTrailingSpaces() -> String {
    var s = self
    while s.hasSuffix(" ") { s.removeLast() }
    return s
  }
}
