/// Virtual time in SchedLab is a signed 64-bit count of nanoseconds, as Xen's `s_time_t`.
///
/// Nothing in the engine or the policies uses floating-point time: credit arithmetic is integer in
/// Xen and floating time would break reproducibility. These helpers build durations with their unit
/// in the name, the way Xen's `MICROSECS()`/`MILLISECS()` macros do.
public enum Nanos {
  /// Nanoseconds in one microsecond.
  public static let perMicrosecond: Int64 = 1_000
  /// Nanoseconds in one millisecond.
  public static let perMillisecond: Int64 = 1_000_000
  /// Nanoseconds in one second.
  public static let perSecond: Int64 = 1_000_000_000

  @inlinable public static func us(_ value: Int64) -> Int64 { value * 1_000 }
  @inlinable public static func ms(_ value: Int64) -> Int64 { value * 1_000_000 }
  @inlinable public static func s(_ value: Int64) -> Int64 { value * 1_000_000_000 }

  /// A compact human form of a duration: `950ns`, `12.5us`, `3.25ms`, `2s`.
  public static func format(_ ns: Int64) -> String {
    let magnitude = ns.magnitude
    func scaled(_ divisor: Int64, _ unit: String) -> String {
      let whole = ns / divisor
      let frac = (Int64(magnitude) % divisor) * 100 / divisor
      if frac == 0 { return "\(whole)\(unit)" }
      let fracText = frac < 10 ? "0\(frac)" : "\(frac)"
      let trimmed = fracText.hasSuffix("0") ? String(fracText.dropLast()) : fracText
      return "\(whole).\(trimmed)\(unit)"
    }
    if magnitude < 1_000 { return "\(ns)ns" }
    if magnitude < 1_000_000 { return scaled(1_000, "us") }
    if magnitude < 1_000_000_000 { return scaled(1_000_000, "ms") }
    return scaled(1_000_000_000, "s")
  }
}
