/// SchedLab's own seeded random numbers.
///
/// The standard library does not promise that `Int.random(in:using:)` or `Double.random(in:using:)`
/// keep their algorithms across toolchains, and golden outputs depend on every bit, so the range and
/// float mappings are written here too. Each entity derives its own stream from (scenario seed,
/// stream key) with SplitMix64, so adding a domain does not change the draws of the others.

/// SplitMix64: used to expand seeds into xoshiro state.
public struct SplitMix64: Sendable {
  public var state: UInt64
  public init(seed: UInt64) { state = seed }
  @inlinable public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256** (Blackman and Vigna), the generator every simulated entity draws from.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
  @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A stream for `key` under the scenario `seed`. Keys are stable names of entities
  /// (for example the hash of "domain/3/source/1"); see ``StreamKey``.
  public init(seed: UInt64, key: UInt64 = 0) {
    var mix = SplitMix64(seed: seed ^ (key &* 0xD1B5_4A32_D192_ED03))
    s0 = mix.next()
    s1 = mix.next()
    s2 = mix.next()
    s3 = mix.next()
  }

  @inlinable public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform double in [0, 1) from the top 53 bits.
  @inlinable public mutating func unitDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A uniform integer in [0, bound) by Lemire's multiply-shift (bias below 2^-64·bound, accepted).
  @inlinable public mutating func below(_ bound: Int64) -> Int64 {
    precondition(bound > 0)
    let product = next().multipliedFullWidth(by: UInt64(bound))
    return Int64(product.high)
  }

  /// An exponentially distributed duration with the given mean, in whole nanoseconds (at least 1).
  @inlinable public mutating func exponential(mean: Int64) -> Int64 {
    let u = unitDouble()
    let x = -Double(mean) * log1pNegative(u)
    return max(1, Int64(x.rounded()))
  }

  @usableFromInline func log1pNegative(_ u: Double) -> Double {
    // log(1 - u), written without Foundation. u < 1 so the argument is > 0.
    naturalLog(1 - u)
  }
}

/// Stable 64-bit keys for random streams, built from small integers (FNV-1a over the words).
public enum StreamKey {
  /// FNV-1a of a string's UTF-8 bytes: stable across processes, unlike `hashValue`.
  public static func hash(_ text: String) -> UInt64 { hash(bytes: text.utf8) }

  /// FNV-1a of bytes, continuing from `hash` (the offset basis to start), so that several byte
  /// sequences can be hashed as one.
  public static func hash(bytes: some Sequence<UInt8>, continuing hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
    var hash = hash
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
  }

  public static func make(_ parts: Int...) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for part in parts {
      var value = UInt64(bitPattern: Int64(part))
      for _ in 0..<8 {
        hash ^= value & 0xFF
        hash = hash &* 0x0000_0100_0000_01B3
        value >>= 8
      }
    }
    return hash
  }
}

/// Natural logarithm for positive finite doubles, independent of the platform's libm so that
/// exponential draws are bit-identical everywhere. Range reduction to [1, 2) and an atanh series.
@usableFromInline func naturalLog(_ x: Double) -> Double {
  precondition(x > 0 && x.isFinite)
  let exponent = x.exponent
  let mantissa = x.significand  // in [1, 2)
  let ln2 = 0.693_147_180_559_945_309_417_232_121_458
  // ln(m) = 2·atanh((m-1)/(m+1)); |y| ≤ 1/3, so 20 terms reach double precision.
  let y = (mantissa - 1) / (mantissa + 1)
  let y2 = y * y
  var term = y
  var sum = 0.0
  var k = 1.0
  for _ in 0..<24 {
    sum += term / k
    term *= y2
    k += 2
  }
  return 2 * sum + Double(exponent) * ln2
}
