/// A latency distribution in nanoseconds: a ``SparseHistogram`` (HdrHistogram's layout, one per
/// precision project-wide so any two merge) plus the exact maximum and mean. Memory follows the range of
/// values recorded, not their number; recording allocates only when a sample lands in a new range.
public struct LatencyRecorder: Sendable {
  /// Highest value tracked precisely: one hour. Larger values are clamped to it (and still counted).
  public static let highestTrackableNs: UInt64 = 3_600_000_000_000
  @usableFromInline var histogram: SparseHistogram
  public private(set) var count: Int64 = 0
  public private(set) var sumNs: Int64 = 0
  public private(set) var maxNs: Int64 = 0

  /// `precise` uses 3 significant digits (0.1%); otherwise 2 (1%), for per-vCPU recorders where
  /// memory matters.
  public init(precise: Bool = true) {
    histogram = SparseHistogram(significantDigits: precise ? 3 : 2)
  }

  public mutating func record(_ ns: Int64) {
    let value = UInt64(max(0, ns))
    histogram.record(min(value, LatencyRecorder.highestTrackableNs))
    count += 1
    sumNs += Int64(value)
    if Int64(value) > maxNs { maxNs = Int64(value) }
  }

  public mutating func reset() {
    histogram.reset()
    count = 0
    sumNs = 0
    maxNs = 0
  }

  public mutating func merge(_ other: LatencyRecorder) {
    histogram.add(other.histogram)
    count += other.count
    sumNs += other.sumNs
    maxNs = max(maxNs, other.maxNs)
  }

  /// The value at percentile `p` (0...100): the highest value equivalent to the bucket holding it,
  /// never above the exact maximum. 0 when empty.
  public func percentile(_ p: Double) -> Int64 { percentiles([p])[0] }

  /// ``percentile(_:)`` for each of `ps`, in one pass over the histogram.
  public func percentiles(_ ps: [Double]) -> [Int64] {
    guard count > 0 else { return ps.map { _ in 0 } }
    return histogram.valuesAtPercentiles(ps).map { min(Int64($0), maxNs) }
  }

  /// Bytes held by the histogram.
  public var storageBytes: Int { histogram.storageBytes }

  public var summary: LatencySummary {
    let p = percentiles([50, 90, 99, 99.9])
    return LatencySummary(
      count: count, meanNs: count > 0 ? sumNs / count : 0, p50Ns: p[0], p90Ns: p[1], p99Ns: p[2], p999Ns: p[3],
      maxNs: maxNs)
  }
}

/// Percentiles of a latency distribution, in ns.
public struct LatencySummary: Hashable, Sendable, Codable {
  public var count: Int64
  public var meanNs: Int64
  public var p50Ns: Int64
  public var p90Ns: Int64
  public var p99Ns: Int64
  public var p999Ns: Int64
  public var maxNs: Int64

  public init(count: Int64, meanNs: Int64, p50Ns: Int64, p90Ns: Int64, p99Ns: Int64, p999Ns: Int64, maxNs: Int64) {
    self.count = count
    self.meanNs = meanNs
    self.p50Ns = p50Ns
    self.p90Ns = p90Ns
    self.p99Ns = p99Ns
    self.p999Ns = p999Ns
    self.maxNs = maxNs
  }

  public static let empty = LatencySummary(count: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, p999Ns: 0, maxNs: 0)
}

/// Running mean, min, max and standard deviation (Welford) of per-window values.
public struct WindowStats: Hashable, Sendable {
  public private(set) var count = 0
  public private(set) var mean = 0.0
  private var m2 = 0.0
  public private(set) var min = Double.infinity
  public private(set) var max = -Double.infinity

  public init() {}

  public mutating func add(_ x: Double) {
    count += 1
    let delta = x - mean
    mean += delta / Double(count)
    m2 += delta * (x - mean)
    if x < min { min = x }
    if x > max { max = x }
  }

  /// Population standard deviation over the windows.
  public var stdev: Double { count > 1 ? (m2 / Double(count)).squareRoot() : 0 }
}
