import Foundation
import Testing

@testable import SchedLabCore

/// The random streams every run draws from, pinned against an independent transcription of the
/// reference algorithms (SplitMix64 seeding, xoshiro256**, Lemire's range mapping; a Python script
/// run once, its outputs copied here): "identical on every platform" is checked, not assumed.
@Suite struct RNGTests {
  @Test func xoshiroMatchesTheReference() {
    var a = Xoshiro256(seed: 1, key: 0)
    #expect(
      (0..<4).map { _ in a.next() } == [
        0xb3f2_af6d_0fc7_10c5, 0x853b_5596_4736_4cea, 0x92f8_9756_082a_4514, 0x642e_1c7b_c266_a3a7,
      ])
    var b = Xoshiro256(seed: 2026, key: 7)
    #expect((0..<2).map { _ in b.next() } == [0x0ae2_cc66_7011_a0e8, 0x0998_0a13_ef97_af23])
    var c = Xoshiro256(seed: 5, key: 9)
    #expect((0..<5).map { _ in c.below(1_000) } == [61, 269, 161, 49, 404])
  }

  /// Exponential draws use SchedLab's own logarithm (not the platform's libm): within a nanosecond of
  /// the reference computed with a libm, and pinned exactly.
  @Test func exponentialDrawsArePinned() {
    var d = Xoshiro256(seed: 5, key: 10)
    let draws = (0..<5).map { _ in d.exponential(mean: 1_000_000) }
    let reference: [Int64] = [813_296, 2_113_715, 62_813, 34_073, 630_778]
    for (x, r) in zip(draws, reference) { #expect(abs(x - r) <= 1, "\(x) vs \(r)") }
    #expect(draws == reference)
  }

  /// SchedLab's logarithm against the platform's, over twenty decades: within a few ulps.
  @Test func ownLogarithmAgreesWithLibm() {
    var rng = Xoshiro256(seed: 3, key: 3)
    for _ in 0..<20_000 {
      let x = (1 - rng.unitDouble()) * Foundation.pow(10, Double(rng.below(20)) - 10)
      let ours = naturalLog(x)
      let libm = Foundation.log(x)
      #expect(abs(ours - libm) <= 4 * max(abs(libm), 1) * Double.ulpOfOne, "ln(\(x)): \(ours) vs \(libm)")
    }
  }
}
