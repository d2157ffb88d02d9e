import SchedLabCore
import SchedLabPolicies
import Yams

/// A declarative check of a run, written in a scenario's `expect:` list.
public struct Expectation: Hashable, Sendable {
  /// Which domains: one by name, or every domain (each checked on its own).
  public enum DomainSelector: Hashable, Sendable {
    case all
    case named(String)
    case host
  }

  public var name: String
  public var metric: Metric
  public var domains: DomainSelector
  public var workload: String?
  /// For latency and response metrics.
  public var percentile: Percentile
  /// For `counter`: the counter's name.
  public var counter: String?
  public var min: Double?
  public var max: Double?
  /// For `share_vs_ideal`: the bound on |share − ideal|.
  public var maxAbs: Double?
  /// Relative bounds: measured / the same metric under `baseline` (same scenario and seed).
  public var baseline: String?
  public var minVsBaseline: Double?
  public var maxVsBaseline: Double?
  /// Schedulers this expectation is expected to fail under (XFAIL; a pass is then XPASS): a name, or
  /// `NAME@MODEL` for a failure expected only on that host model (`credit@ideal`).
  public var xfail: [String]
  /// The file's explanation (`why:`), shown with XFAIL verdicts in JUnit output.
  public var why: String?
  /// Where it is written, for messages.
  public var file: String
  public var line: Int

  public init(
    name: String, metric: Metric, domains: DomainSelector, workload: String? = nil, percentile: Percentile = .p99,
    counter: String? = nil, min: Double? = nil, max: Double? = nil, maxAbs: Double? = nil, baseline: String? = nil,
    minVsBaseline: Double? = nil, maxVsBaseline: Double? = nil, xfail: [String] = [], file: String = "",
    line: Int = 0
  ) {
    self.name = name
    self.metric = metric
    self.domains = domains
    self.workload = workload
    self.percentile = percentile
    self.counter = counter
    self.min = min
    self.max = max
    self.maxAbs = maxAbs
    self.baseline = baseline
    self.minVsBaseline = minVsBaseline
    self.maxVsBaseline = maxVsBaseline
    self.xfail = xfail
    self.file = file
    self.line = line
  }

  /// The bound as text, for tables.
  public var boundText: String {
    var parts: [String] = []
    let isTime = metric.unit == .ns
    func show(_ v: Double) -> String { isTime ? Nanos.format(Int64(v.rounded())) : Self.number(v) }
    if let maxAbs { parts.append("|x| <= \(show(maxAbs))") }
    if let min { parts.append(">= \(show(min))") }
    if let max { parts.append("<= \(show(max))") }
    if let minVsBaseline, let baseline { parts.append(">= \(minVsBaseline) x \(baseline)") }
    if let maxVsBaseline, let baseline { parts.append("<= \(maxVsBaseline) x \(baseline)") }
    return parts.joined(separator: ", ")
  }

  static func number(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return String(v)
  }

  /// How the checker asks the metric table for this expectation's value.
  public var query: MetricQuery { MetricQuery(percentile: percentile, workload: workload, counter: counter) }

  /// Whether higher measured values are worse (for picking the worst seed).
  public var higherIsWorse: Bool { max != nil || maxAbs != nil || maxVsBaseline != nil }
}

/// Parsing of `expect:` entries.
enum ExpectationParser {
  static let keys = [
    "name", "metric", "domain", "workload", "percentile", "counter", "min", "max", "max_abs", "baseline",
    "min_vs_baseline", "max_vs_baseline", "xfail", "why",
  ]

  static func parse(_ node: Node, domains: [DomainConfig], context: NodeContext) throws(ScenarioError) -> [Expectation]
  {
    guard case .sequence(let seq) = node else { throw context.error(node, "expect", "expected a list of expectations") }
    var out: [Expectation] = []
    for (i, item) in seq.enumerated() {
      let path = "expect[\(i)]"
      var r = try MapReader(item, path: path, context: context)
      let metricNode = try r.required("metric")
      let metricText = try Values.string(metricNode, "\(path).metric", context)
      guard let metric = MetricTable.named(metricText) else {
        throw context.error(
          metricNode, "\(path).metric",
          "unknown metric '\(metricText)' (known: \(MetricTable.names.joined(separator: ", ")))")
      }
      var selector = Expectation.DomainSelector.host
      if let d = r.optional("domain") {
        let name = try Values.string(d, "\(path).domain", context)
        if name == "all" {
          selector = .all
        } else {
          guard domains.contains(where: { $0.name == name }) else {
            throw context.error(d, "\(path).domain", "no domain named '\(name)'")
          }
          selector = .named(name)
        }
      }
      if selector == .host && metric.scope == .domain {
        throw context.error(item, "\(path).domain", "metric \(metricText) needs a domain (a name, or all)")
      }
      if selector != .host && metric.scope == .host {
        throw context.error(item, "\(path).domain", "metric \(metricText) is host-wide; drop the domain")
      }
      let workload = r.keys.contains("workload") ? try r.string("workload") : nil
      if let workload, case .named(let name) = selector {
        guard domains.first(where: { $0.name == name })!.workloads.contains(where: { $0.name == workload }) else {
          throw context.error(item, "\(path).workload", "domain '\(name)' has no workload '\(workload)'")
        }
      }
      let percentileText = try r.string("percentile", default: "p99")
      guard let percentile = Percentile(rawValue: percentileText) else {
        throw context.error(
          item, "\(path).percentile",
          "'\(percentileText)' is not one of \(Percentile.allCases.map(\.rawValue).joined(separator: "|"))")
      }
      let counter = r.keys.contains("counter") ? try r.string("counter") : nil
      if metric.usesCounter && counter == nil {
        throw context.error(item, "\(path).counter", "metric counter needs the counter's name")
      }
      // Absolute latency bounds are durations and must say their unit (`250` could be ns or us).
      let timed = metric.unit == .ns
      func number(_ key: String) throws(ScenarioError) -> Double? {
        guard let n = r.optional(key) else { return nil }
        guard let text = n.scalarText else { throw context.error(n, "\(path).\(key)", "expected a number") }
        if let ns = Values.parseDuration(text), text.last?.isLetter == true { return Double(ns) }
        if timed && ["min", "max", "max_abs"].contains(key) && text != "0" {
          throw context.error(n, "\(path).\(key)", "'\(text)' needs a unit: a latency bound is a duration, e.g. 250us")
        }
        if text.hasSuffix("%"), let v = Double(text.dropLast()) { return v / 100 }
        guard let v = Double(text), v.isFinite else {
          throw context.error(n, "\(path).\(key)", "'\(text)' is not a number, a percentage or a duration")
        }
        return v
      }
      let min = try number("min")
      let max = try number("max")
      let maxAbs = try number("max_abs")
      let minVs = try number("min_vs_baseline")
      let maxVs = try number("max_vs_baseline")
      var baseline: String?
      if let node = r.optional("baseline") {
        let name = try Values.string(node, "\(path).baseline", context)
        guard PolicyRegistry.lookup(name) != nil else {
          throw context.error(
            node, "\(path).baseline",
            PolicyRegistry.unknown(name))
        }
        baseline = name
      }
      if (minVs != nil || maxVs != nil) && baseline == nil {
        throw context.error(item, "\(path).baseline", "relative bounds need a baseline scheduler")
      }
      if min == nil && max == nil && maxAbs == nil && minVs == nil && maxVs == nil {
        throw context.error(item, path, "needs a bound: min, max, max_abs, min_vs_baseline or max_vs_baseline")
      }
      if let min, let max, min > max {
        throw context.error(r.peek("max"), "\(path).max", "min (\(min)) is above max (\(max)): nothing could pass")
      }
      if let minVs, let maxVs, minVs > maxVs {
        throw context.error(
          r.peek("max_vs_baseline"), "\(path).max_vs_baseline",
          "min_vs_baseline (\(minVs)) is above max_vs_baseline (\(maxVs)): nothing could pass")
      }
      if let maxAbs, maxAbs < 0 {
        throw context.error(r.peek("max_abs"), "\(path).max_abs", "a bound on |value| cannot be negative")
      }
      var xfail: [String] = []
      if let x = r.optional("xfail") {
        switch x {
        case .sequence(let s):
          for (k, n) in s.enumerated() { xfail.append(try Values.string(n, "\(path).xfail[\(k)]", context)) }
        default:
          xfail = [try Values.string(x, "\(path).xfail", context)]
        }
        // Each mark is a scheduler, or SCHEDULER@MODEL with a host model preset.
        for mark in xfail {
          let parts = mark.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
          guard PolicyRegistry.lookup(parts[0]) != nil else {
            throw context.error(x, "\(path).xfail", PolicyRegistry.unknown(parts[0]))
          }
          if parts.count > 2 || (parts.count == 2 && HostModel.named(parts[1]) == nil) {
            throw context.error(
              x, "\(path).xfail",
              "'\(mark)': a host model after @ must be one of \(HostModel.presets.map(\.name).joined(separator: ", "))")
          }
        }
      }
      let why = r.keys.contains("why") ? try r.string("why") : nil
      var domainLabel = ""
      if case .named(let d) = selector { domainLabel = "\(d) " }
      let defaultName =
        domainLabel + metricText + (workload.map { "/\($0)" } ?? "") + (counter.map { "/\($0)" } ?? "")
        + (metric.usesPercentile ? " \(percentile.rawValue)" : "")
      let name = try r.string("name", default: defaultName)
      try r.finish(allowed: keys)
      out.append(
        Expectation(
          name: name, metric: metric, domains: selector, workload: workload, percentile: percentile, counter: counter,
          min: min, max: max, maxAbs: maxAbs, baseline: baseline, minVsBaseline: minVs, maxVsBaseline: maxVs,
          xfail: xfail, file: context.file, line: item.mark?.line ?? 0))
      out[out.count - 1].why = why
    }
    return out
  }
}
