/// The metric table's vocabulary: what a metric is measured on, how it is asked for, what it gives.

/// What metrics are measured on: one run, and what the oracle says about it.
public struct MetricInput: Sendable {
  public var run: RunResult
  /// Each domain's ideal share (fraction of one pCPU); nil when the oracle did not run.
  public var ideal: [Double]?
  /// Each domain's measured demand (fraction of one pCPU); nil when not measured.
  public var demand: [Double]?
  /// Whether a second run with the same seed was identical; nil when not run twice.
  public var deterministic: Bool?

  public init(run: RunResult, ideal: [Double]? = nil, demand: [Double]? = nil, deterministic: Bool? = nil) {
    self.run = run
    self.ideal = ideal
    self.demand = demand
    self.deterministic = deterministic
  }
}

/// A point of a latency distribution.
public enum Percentile: String, Hashable, Sendable, CaseIterable {
  case p50, p90, p99, p999, max, mean

  public func of(_ s: LatencySummary) -> Int64 {
    switch self {
    case .p50: s.p50Ns
    case .p90: s.p90Ns
    case .p99: s.p99Ns
    case .p999: s.p999Ns
    case .max: s.maxNs
    case .mean: s.meanNs
    }
  }
}

/// How a metric is asked for: the percentile of a latency, the workload, the counter.
public struct MetricQuery: Hashable, Sendable {
  public var percentile: Percentile
  /// A workload by name (nil: the metric's default workloads).
  public var workload: String?
  /// A policy counter by name (`counter` only).
  public var counter: String?

  public init(percentile: Percentile = .p99, workload: String? = nil, counter: String? = nil) {
    self.percentile = percentile
    self.workload = workload
    self.counter = counter
  }
}

/// A measured value, or why there is none.
public struct Measured: Sendable {
  public var value: Double?
  public var note: String?

  public init(_ value: Double) { self.value = value }
  public init(missing note: String) { self.note = note }
}

/// What a metric's numbers are, which decides how they are printed.
public enum MetricUnit: Hashable, Sendable {
  /// A fraction of one pCPU, or a dimensionless ratio.
  case share
  /// A fraction that is usually tiny (deadline misses per job).
  case fraction
  /// Nanoseconds.
  case ns
  /// Events per second.
  case perSecond
  /// Events per minute (audio underruns, as users count them).
  case perMinute
  /// A count.
  case count
  /// A relative error, printed in scientific notation.
  case error
}

/// Where a metric applies.
public enum MetricScope: Hashable, Sendable {
  /// Per domain only.
  case domain
  /// Per domain, or host-wide (summed over the domains, as the metric defines).
  case domainOrHost
  /// Host-wide only.
  case host
}

/// A report column of a metric: its header in the run table and in CSV (nil: not shown there) and
/// the query it reads.
public struct MetricColumn: Sendable {
  public var table: String?
  public var csv: String?
  public var query: MetricQuery
  /// The table's text for a value, and for no value.
  public var tableText: @Sendable (Double) -> String
  public var csvText: @Sendable (Double) -> String

  public init(
    table: String? = nil, csv: String? = nil, query: MetricQuery = MetricQuery(),
    tableText: @escaping @Sendable (Double) -> String, csvText: @escaping @Sendable (Double) -> String
  ) {
    self.table = table
    self.csv = csv
    self.query = query
    self.tableText = tableText
    self.csvText = csvText
  }
}

/// One metric: name (as `expect:` writes it), unit, scope, what it means, how it is extracted and
/// which report columns show it.
public struct Metric: Sendable {
  public let name: String
  public let unit: MetricUnit
  public let scope: MetricScope
  public let doc: String
  /// What the oracle must compute for it.
  public let needsIdeal: Bool
  /// Whether the run must record work conservation for it (``SimulationConfig/trackIdleWait``).
  public let needsIdleWait: Bool
  /// Which parts of a query it reads.
  public let usesPercentile: Bool
  public let usesCounter: Bool
  public let columns: [MetricColumn]
  let domainValue: (@Sendable (MetricInput, Int, MetricQuery) -> Measured)?
  let hostValue: (@Sendable (MetricInput, MetricQuery) -> Measured)?

  init(
    _ name: String, _ unit: MetricUnit, _ scope: MetricScope, _ doc: String, needsIdeal: Bool = false,
    needsIdleWait: Bool = false, usesPercentile: Bool = false, usesCounter: Bool = false, columns: [MetricColumn] = [],
    domain: (@Sendable (MetricInput, Int, MetricQuery) -> Measured)? = nil,
    host: (@Sendable (MetricInput, MetricQuery) -> Measured)? = nil
  ) {
    self.name = name
    self.unit = unit
    self.scope = scope
    self.doc = doc
    self.needsIdeal = needsIdeal
    self.needsIdleWait = needsIdleWait
    self.usesPercentile = usesPercentile
    self.usesCounter = usesCounter
    self.columns = columns
    domainValue = domain
    hostValue = host
  }

  /// The value for domain `d` of the run.
  public func measure(_ input: MetricInput, domain d: Int, _ query: MetricQuery) -> Measured {
    if let domainValue { return domainValue(input, d, query) }
    return measureHost(input, query)
  }

  /// The host-wide value.
  public func measureHost(_ input: MetricInput, _ query: MetricQuery) -> Measured {
    hostValue?(input, query) ?? Measured(missing: "\(name) needs a domain")
  }

  /// A value as the checker prints it.
  public func text(_ v: Double) -> String {
    switch unit {
    case .ns: Nanos.format(Int64(v.rounded()))
    case .count: String(Int64(v.rounded()))
    case .perSecond: Format.fixed(v, 1) + "/s"
    case .perMinute: Format.fixed(v, 1) + "/min"
    case .error: Format.scientific(v, 2)
    case .fraction: Format.fixed(v, 4)
    case .share: Format.fixed(v, 3)
    }
  }
}

extension Metric: Hashable {
  public static func == (a: Metric, b: Metric) -> Bool { a.name == b.name }
  public func hash(into h: inout Hasher) { h.combine(name) }
}
