import Foundation
import SchedLabCore
import Yams

/// Parsers for scenario values: durations with units, fractions and percentages, integers, CPU lists.
enum Values {
  static func string(_ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) -> String {
    guard let text = node.scalarText else { throw context.error(node, key, "expected a text value") }
    return text
  }

  static func integer(
    _ node: Node, _ key: String, _ context: NodeContext, range: ClosedRange<Int>
  ) throws(ScenarioError) -> Int {
    guard let text = node.scalarText, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
      throw context.error(node, key, "expected a whole number, got '\(node.scalarText ?? "a collection")'")
    }
    guard range.contains(value) else {
      throw context.error(node, key, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
    }
    return value
  }

  /// A periodic job's kind, refusing a job longer than its period: the vCPU could never keep up, and
  /// every job would miss while the backlog grew without end.
  static func periodic(
    period: Int64, service: Int64, deadline: Int64, serviceKey: String, node: Node, context: NodeContext
  ) throws(ScenarioError) -> WorkloadKind {
    guard period > 0, service > 0, deadline > 0 else {
      throw context.error(node, serviceKey, "period, service and deadline must be positive")
    }
    guard service <= period else {
      throw context.error(
        node, serviceKey,
        "\(Nanos.format(service)) of work every \(Nanos.format(period)) is more than one pCPU can do: every job would miss"
      )
    }
    return .periodic(periodNs: period, serviceNs: service, deadlineNs: deadline)
  }

  /// Why `name` cannot name a domain or workload (it appears in tables, CSV and file names), or nil.
  static func badName(_ name: String) -> String? {
    if name.trimmingCharacters(in: .whitespaces).isEmpty { return "a name cannot be empty" }
    if name.count > 64 { return "a name has at most 64 characters" }
    if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      return "a name cannot contain control characters (newlines, tabs)"
    }
    return nil
  }

  static func bool(_ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) -> Bool {
    switch node.scalarText {
    case "true": return true
    case "false": return false
    default: throw context.error(node, key, "expected true or false, got '\(node.scalarText ?? "a collection")'")
    }
  }

  /// A duration with a unit: `250ns`, `500us`, `1.5ms`, `2s`; plain `0` is allowed.
  static func duration(_ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) -> Int64 {
    guard let text = node.scalarText else { throw context.error(node, key, "expected a duration such as 10ms") }
    guard let value = parseDuration(text) else {
      throw context.error(node, key, "'\(text)' is not a duration (use a number with ns, us, ms or s, e.g. 500us)")
    }
    guard value >= 0 else { throw context.error(node, key, "a duration cannot be negative") }
    return value
  }

  /// Parse a duration text into ns, or nil. Exact in integer arithmetic for up to 9 decimals.
  static func parseDuration(_ raw: String) -> Int64? {
    let text = raw.trimmingCharacters(in: .whitespaces)
    if text == "0" { return 0 }
    let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      let number = String(text.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
      return scaledDecimal(number, scale: scale)
    }
    return nil
  }

  /// `digits[.digits]` × scale, exactly; nil for anything else or a fractional nanosecond.
  static func scaledDecimal(_ number: String, scale: Int64) -> Int64? {
    let parts = number.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let wholeText = parts.first, !wholeText.isEmpty,
      wholeText.allSatisfy(\.isASCII), let whole = Int64(wholeText), whole >= 0
    else { return nil }
    var value = whole.multipliedReportingOverflow(by: scale)
    guard !value.overflow else { return nil }
    if parts.count == 2 {
      let frac = parts[1]
      guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
      var denominator: Int64 = 1
      for _ in 0..<frac.count { denominator *= 10 }
      let numerator = Int64(frac)! * scale
      guard numerator % denominator == 0 else { return nil }
      value = value.partialValue.addingReportingOverflow(numerator / denominator)
      guard !value.overflow else { return nil }
    }
    return value.partialValue
  }

  /// A fraction in (0, limit]: `0.4` or `40%`.
  static func fraction(
    _ node: Node, _ key: String, _ context: NodeContext, limit: Double = 1
  ) throws(ScenarioError) -> Double {
    guard let text = node.scalarText else { throw context.error(node, key, "expected a fraction such as 0.4 or 40%") }
    var value: Double?
    if text.hasSuffix("%") {
      value = Double(text.dropLast()).map { $0 / 100 }
    } else {
      value = Double(text)
    }
    guard let value, value.isFinite else {
      throw context.error(node, key, "'\(text)' is not a fraction (use 0.4 or 40%)")
    }
    guard value > 0 && value <= limit else {
      let hint =
        !text.hasSuffix("%") && value > limit && value <= 100 * limit ? ": for a percentage write \(text)%" : ""
      throw context.error(
        node, key, "\(text) is outside (0, \(limit == 1 ? "1" : String(limit))] (or (0, \(Int(limit * 100))%])\(hint)")
    }
    return value
  }

  /// A positive rate per second.
  static func rate(_ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) -> Double {
    var text = node.scalarText ?? ""
    if text.hasSuffix("/s") { text = String(text.dropLast(2)).trimmingCharacters(in: .whitespaces) }
    guard let value = Double(text), value.isFinite else {
      throw context.error(node, key, "expected a rate in events per second, e.g. 500 or 500/s")
    }
    guard value > 0 && value <= 1e9 else { throw context.error(node, key, "\(text) is outside (0, 1e9] per second") }
    return value
  }

  /// A CPU list: `[0, 2, 3]`, or a text like `0-3,6`.
  static func cpuList(
    _ node: Node, _ key: String, _ context: NodeContext, pcpus: Int
  ) throws(ScenarioError) -> CPUMask {
    var mask = CPUMask()
    func add(_ i: Int) throws(ScenarioError) {
      guard i >= 0 && i < pcpus else {
        throw context.error(node, key, "pCPU \(i) does not exist on a host of \(pcpus) pCPUs")
      }
      mask.insert(PCPUID(i))
    }
    switch node {
    case .sequence(let seq):
      for item in seq { try add(try integer(item, key, context, range: 0...(CPUMask.capacity - 1))) }
    case .scalar(let scalar):
      for part in scalar.string.split(separator: ",") {
        let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0 != nil }) else {
          throw context.error(node, key, "'\(scalar.string)' is not a CPU list (use 0-3,6 or [0, 1])")
        }
        let low = bounds[0]!
        let high = bounds.last!!
        guard low <= high else { throw context.error(node, key, "range \(low)-\(high) is empty") }
        for i in low...high { try add(i) }
      }
    default:
      throw context.error(node, key, "expected a CPU list")
    }
    guard !mask.isEmpty else { throw context.error(node, key, "the CPU list is empty") }
    return mask
  }
}

/// Value parsers shared with the command line.
public enum ScenarioValues {
  /// `500us`, `10ms`, `2s` → ns; nil if malformed.
  public static func duration(_ text: String) -> Int64? { Values.parseDuration(text) }

  /// `7` → 7...7, `1..8` → 1...8 (A ≤ B); nil if malformed.
  public static func seeds(_ text: String) -> ClosedRange<UInt64>? {
    let parts = text.split(separator: "..", omittingEmptySubsequences: false).map(String.init)
    if parts.count == 1, let one = UInt64(parts[0]) { return one...one }
    guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]), a <= b else { return nil }
    return a...b
  }
}
