/// A log-linear histogram of non-negative integers with HdrHistogram's bucket layout (lowest
/// discernible value 1, two or three significant digits), storing its counts sparsely.
///
/// HdrHistogram keeps one counter per distinguishable value over the whole trackable range: with three
/// digits and a one-hour range in nanoseconds that is 33,792 counters (270 KB) per histogram, allocated
/// up front, most of them never touched. Here the counters live in chunks of ``chunkSize``, allocated
/// the first time a value lands in one; a directory maps chunk numbers to chunks. Memory follows the
/// *range of values* recorded (a wake-latency histogram touches a few dozen chunks), never the number of
/// samples or the simulated time, and the first sample of a new range is the only recording that
/// allocates. Counters are 16-bit: most hold a handful of samples, and the few that wrap carry into a
/// side table, so counts stay exact at any number of samples.
///
/// The layout and the percentile rule are HdrHistogram's (`valueAtPercentile`: the highest value
/// equivalent to the bucket where the cumulative count first reaches the rank, clamped to the recorded
/// extremes), so a report reads the same as with `hdrhistogram-swift`; a test checks that against the
/// library on random samples.
public struct SparseHistogram: Sendable, Equatable {
  /// Counters per chunk.
  public static let chunkSize = 32
  @usableFromInline static let chunkShift = 5
  @usableFromInline static let noChunk = UInt16.max

  /// log2 of half the number of sub-buckets: 10 for three significant digits (2,048 sub-buckets),
  /// 7 for two (256).
  @usableFromInline let halfCountMagnitude: Int
  /// `chunkOf[c]`: where chunk `c`'s counters start in `counts`, divided by ``chunkSize``.
  @usableFromInline var chunkOf: [UInt16] = []
  @usableFromInline var counts: [UInt16] = []
  /// Wraps of the 16-bit counters, by flat index (65,536 samples each).
  @usableFromInline var carries: [Int: UInt64] = [:]
  @usableFromInline var total: UInt64 = 0
  @usableFromInline var maxValue: UInt64 = 0
  @usableFromInline var minNonZeroValue: UInt64 = .max

  /// `significantDigits` is 2 or 3.
  public init(significantDigits: Int) {
    precondition(significantDigits == 2 || significantDigits == 3, "2 or 3 significant digits")
    // Unit resolution up to 2 × 10^digits, rounded up to a power of two: 2,048 or 256 sub-buckets.
    halfCountMagnitude = significantDigits == 3 ? 10 : 7
  }

  /// Samples recorded.
  public var totalCount: UInt64 { total }
  /// The largest sample recorded (0 when empty).
  public var maxRecorded: UInt64 { maxValue }

  @inlinable var subBucketHalfCount: Int { 1 << halfCountMagnitude }

  /// The counter index of `value` in HdrHistogram's flat layout.
  @inlinable func index(of value: UInt64) -> Int {
    let subBucketMagnitude = halfCountMagnitude + 1
    let mask = UInt64(1 << subBucketMagnitude) - 1
    let bucket = (64 - subBucketMagnitude) - (value | mask).leadingZeroBitCount
    let subBucket = Int(truncatingIfNeeded: value >> UInt64(bucket))
    return ((bucket + 1) << halfCountMagnitude) + subBucket - subBucketHalfCount
  }

  /// The lowest value counted at `index`, and the width of the range of values counted there.
  @inlinable func range(at index: Int) -> (lowest: UInt64, width: UInt64) {
    var bucket = (index >> halfCountMagnitude) - 1
    var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
    if bucket < 0 {
      subBucket -= subBucketHalfCount
      bucket = 0
    }
    return (UInt64(subBucket) << UInt64(bucket), UInt64(1) << UInt64(bucket))
  }

  @inlinable public mutating func record(_ value: UInt64) {
    let i = index(of: value)
    let chunk = i >> SparseHistogram.chunkShift
    if chunk >= chunkOf.count || chunkOf[chunk] == SparseHistogram.noChunk { allocate(chunk) }
    let slot = Int(chunkOf[chunk]) << SparseHistogram.chunkShift + i & (SparseHistogram.chunkSize - 1)
    counts[slot] &+= 1
    if counts[slot] == 0 { carries[i, default: 0] += 1 }
    total &+= 1
    if value > maxValue { maxValue = value }
    if value != 0 && value < minNonZeroValue { minNonZeroValue = value }
  }

  /// Give chunk `chunk` its counters. Storage grows by a quarter at a time (not doubling): many small
  /// histograms live side by side, and their slack is most of their footprint.
  @usableFromInline mutating func allocate(_ chunk: Int) {
    if chunk >= chunkOf.count {
      chunkOf.reserveCapacity(Swift.max(chunk + 1, chunkOf.count + chunkOf.count / 4))
      chunkOf.append(contentsOf: repeatElement(SparseHistogram.noChunk, count: chunk + 1 - chunkOf.count))
    }
    chunkOf[chunk] = UInt16(counts.count >> SparseHistogram.chunkShift)
    if counts.count + SparseHistogram.chunkSize > counts.capacity {
      counts.reserveCapacity(Swift.max(counts.count + SparseHistogram.chunkSize, counts.count + counts.count / 4))
    }
    counts.append(contentsOf: repeatElement(0, count: SparseHistogram.chunkSize))
  }

  /// The count at flat index `i` (0 for untouched chunks).
  @inlinable func count(at i: Int) -> UInt64 {
    let chunk = i >> SparseHistogram.chunkShift
    guard chunk < chunkOf.count, chunkOf[chunk] != SparseHistogram.noChunk else { return 0 }
    let low = UInt64(counts[Int(chunkOf[chunk]) << SparseHistogram.chunkShift + i & (SparseHistogram.chunkSize - 1)])
    return carries.isEmpty ? low : low + (carries[i] ?? 0) << 16
  }

  /// HdrHistogram's `min`: 0 if a zero was recorded (or nothing was), else the lowest non-zero value.
  public var minValue: UInt64 { (count(at: 0) > 0 || total == 0) ? 0 : minNonZeroValue }

  /// HdrHistogram's `valueAtPercentile(p)`, `p` in 0...100.
  public func valueAtPercentile(_ p: Double) -> UInt64 { valuesAtPercentiles([p])[0] }

  /// `valueAtPercentile` for each of `ps` (ascending or not), in one pass over the counters.
  public func valuesAtPercentiles(_ ps: [Double]) -> [UInt64] {
    var out = [UInt64](repeating: 0, count: ps.count)
    // The rank each percentile needs, HdrHistogram's way (one ulp below, rounded up, at least 1).
    var pending: [(rank: UInt64, slot: Int)] = []
    for (slot, p) in ps.enumerated() {
      if p == 0 {
        out[slot] = minValue
      } else if p >= 100 {
        out[slot] = maxValue
      } else {
        let requested = Swift.min(Swift.max(p.nextDown, 0), 100)
        pending.append((Swift.max(1, UInt64((requested * Double(total) / 100).rounded(.up))), slot))
      }
    }
    pending.sort { $0.rank < $1.rank }
    var next = 0
    var cumulative: UInt64 = 0
    scan: for chunk in chunkOf.indices where chunkOf[chunk] != SparseHistogram.noChunk {
      for k in 0..<SparseHistogram.chunkSize {
        guard next < pending.count else { break scan }
        let i = chunk << SparseHistogram.chunkShift + k
        cumulative += count(at: i)
        while next < pending.count && cumulative >= pending[next].rank {
          let (lowest, width) = range(at: i)
          out[pending[next].slot] = Swift.max(Swift.min(lowest + width - 1, maxValue), minValue)
          next += 1
        }
      }
    }
    return out
  }

  /// Add `other`'s counts (same number of significant digits).
  public mutating func add(_ other: SparseHistogram) {
    precondition(halfCountMagnitude == other.halfCountMagnitude, "histograms of different precision")
    for chunk in other.chunkOf.indices where other.chunkOf[chunk] != SparseHistogram.noChunk {
      if chunk >= chunkOf.count || chunkOf[chunk] == SparseHistogram.noChunk { allocate(chunk) }
      let from = Int(other.chunkOf[chunk]) << SparseHistogram.chunkShift
      let to = Int(chunkOf[chunk]) << SparseHistogram.chunkShift
      for k in 0..<SparseHistogram.chunkSize {
        let (sum, wrapped) = counts[to + k].addingReportingOverflow(other.counts[from + k])
        counts[to + k] = sum
        if wrapped { carries[chunk << SparseHistogram.chunkShift + k, default: 0] += 1 }
      }
    }
    for (i, wraps) in other.carries { carries[i, default: 0] += wraps }
    total &+= other.total
    maxValue = Swift.max(maxValue, other.maxValue)
    minNonZeroValue = Swift.min(minNonZeroValue, other.minNonZeroValue)
  }

  /// Forget the samples, keeping the chunks already allocated (zeroed).
  public mutating func reset() {
    for i in counts.indices { counts[i] = 0 }
    carries = [:]
    total = 0
    maxValue = 0
    minNonZeroValue = .max
  }

  /// Bytes held by the counters and the directory.
  public var storageBytes: Int { counts.capacity * 2 + chunkOf.capacity * 2 + carries.capacity * 16 }
}
