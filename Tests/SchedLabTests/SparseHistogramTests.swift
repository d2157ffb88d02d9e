import Histogram
import SchedLabCore
import Testing

/// SparseHistogram against the library whose layout it reproduces: hdrhistogram-swift, fed the same
/// samples, must report the same value at every percentile.
@Suite struct SparseHistogramTests {
  static let percentiles: [Double] = [0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100]

  /// Samples shaped like the simulator's: many small values, zeros, a long tail up to the clamp.
  static func samples(seed: UInt64, count: Int) -> [UInt64] {
    var rng = Xoshiro256(seed: seed, key: 17)
    return (0..<count).map { _ in
      switch rng.below(10) {
      case 0: return 0
      case 1: return UInt64(rng.below(2_048))
      case 2: return UInt64(rng.below(3_600_000_000_000))
      default:
        let mean = Int64(1) << Int64(rng.below(30))
        return UInt64(rng.exponential(mean: mean))
      }
    }
  }

  @Test(arguments: [(UInt64(1), 3), (2, 2), (3, 3), (4, 2), (5, 3)])
  func percentilesMatchHdrHistogram(seed: UInt64, digits: Int) {
    let values = Self.samples(seed: seed, count: 20_000)
    var reference = Histogram<UInt64>(
      lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestTrackableNs,
      numberOfSignificantValueDigits: digits == 3 ? .three : .two)
    var sparse = SparseHistogram(significantDigits: digits)
    for v in values {
      _ = reference.record(v)
      sparse.record(v)
    }
    #expect(sparse.totalCount == reference.totalCount)
    for p in Self.percentiles {
      #expect(sparse.valueAtPercentile(p) == reference.valueAtPercentile(p), "seed \(seed) p\(p)")
    }
    // All at once, in any order, in one pass.
    let shuffled = Self.percentiles.reversed() + [99, 50, 99.9]
    #expect(sparse.valuesAtPercentiles(Array(shuffled)) == shuffled.map { reference.valueAtPercentile($0) })
  }

  @Test func fewSamplesAndTiesMatchHdrHistogram() {
    for values: [UInt64] in [
      [5], [0], [0, 0, 7], [2_047, 2_048, 2_049], [1_000_000, 3], [4_095, 4_096, 4_097, 8_191],
    ] {
      var reference = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestTrackableNs,
        numberOfSignificantValueDigits: .three)
      var sparse = SparseHistogram(significantDigits: 3)
      for v in values {
        _ = reference.record(v)
        sparse.record(v)
      }
      for p in Self.percentiles {
        #expect(sparse.valueAtPercentile(p) == reference.valueAtPercentile(p), "\(values) p\(p)")
      }
    }
  }

  /// A counter past 65,535 samples carries; counts and percentiles stay exact, merged or not.
  @Test func countersThatWrapStayExact() {
    var reference = Histogram<UInt64>(
      lowestDiscernibleValue: 1, highestTrackableValue: LatencyRecorder.highestTrackableNs,
      numberOfSignificantValueDigits: .three)
    var sparse = SparseHistogram(significantDigits: 3)
    var half = SparseHistogram(significantDigits: 3)
    for i in 0..<300_000 {
      let v: UInt64 = i % 1_000 == 0 ? 5_000 : (i % 3 == 0 ? 0 : 7)
      _ = reference.record(v)
      sparse.record(v)
      if i < 150_000 { half.record(v) }
    }
    var merged = half
    var rest = SparseHistogram(significantDigits: 3)
    for i in 150_000..<300_000 { rest.record(i % 1_000 == 0 ? 5_000 : (i % 3 == 0 ? 0 : 7)) }
    merged.add(rest)
    for p in Self.percentiles + [33, 33.4, 99.89, 99.91] {
      #expect(sparse.valueAtPercentile(p) == reference.valueAtPercentile(p), "p\(p)")
      #expect(merged.valueAtPercentile(p) == reference.valueAtPercentile(p), "merged p\(p)")
    }
  }

  @Test func mergingIsRecordingBoth() {
    let a = Self.samples(seed: 11, count: 3_000)
    let b = Self.samples(seed: 12, count: 5_000)
    var left = SparseHistogram(significantDigits: 3)
    var right = SparseHistogram(significantDigits: 3)
    var both = SparseHistogram(significantDigits: 3)
    for v in a {
      left.record(v)
      both.record(v)
    }
    for v in b {
      right.record(v)
      both.record(v)
    }
    left.add(right)
    for p in Self.percentiles { #expect(left.valueAtPercentile(p) == both.valueAtPercentile(p), "p\(p)") }
  }

  /// Memory follows the range of values, not their number: a million samples between 1 us and 2 us
  /// occupy a few chunks.
  @Test func storageFollowsTheValueRangeNotTheSampleCount() {
    var h = SparseHistogram(significantDigits: 3)
    var rng = Xoshiro256(seed: 3, key: 1)
    for _ in 0..<1_000 { h.record(1_000 + UInt64(rng.below(1_000))) }
    let after1k = h.storageBytes
    for _ in 0..<1_000_000 { h.record(1_000 + UInt64(rng.below(1_000))) }
    #expect(h.storageBytes == after1k)
    #expect(h.storageBytes < 4_096, "\(h.storageBytes) bytes")
    h.reset()
    #expect(h.totalCount == 0 && h.valueAtPercentile(50) == 0 && h.storageBytes == after1k)
  }
}
