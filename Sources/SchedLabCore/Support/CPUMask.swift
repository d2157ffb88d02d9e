/// A set of pCPUs as a fixed 256-bit mask (Xen's `cpumask_t`), stored inline so that mask algebra on
/// hot paths never allocates. Hosts are limited to ``CPUMask/capacity`` pCPUs.
public struct CPUMask: Hashable, Sendable, CustomStringConvertible {
  public static let capacity = 256
  @usableFromInline var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

  public init() {}

  /// All pCPUs with index below `count`.
  public static func first(_ count: Int) -> CPUMask {
    var mask = CPUMask()
    for i in 0..<count { mask.insert(PCPUID(i)) }
    return mask
  }

  public init<S: Sequence>(_ cpus: S) where S.Element == PCPUID {
    for cpu in cpus { insert(cpu) }
  }

  @inlinable func word(_ i: Int) -> UInt64 {
    switch i {
    case 0: return w0
    case 1: return w1
    case 2: return w2
    default: return w3
    }
  }

  @inlinable mutating func setWord(_ i: Int, _ value: UInt64) {
    switch i {
    case 0: w0 = value
    case 1: w1 = value
    case 2: w2 = value
    default: w3 = value
    }
  }

  @inlinable public func contains(_ cpu: PCPUID) -> Bool {
    let i = cpu.index
    return word(i >> 6) & (1 << UInt64(i & 63)) != 0
  }

  @inlinable public mutating func insert(_ cpu: PCPUID) {
    let i = cpu.index
    setWord(i >> 6, word(i >> 6) | (1 << UInt64(i & 63)))
  }

  @inlinable public mutating func remove(_ cpu: PCPUID) {
    let i = cpu.index
    setWord(i >> 6, word(i >> 6) & ~(1 << UInt64(i & 63)))
  }

  @inlinable public var isEmpty: Bool { (w0 | w1 | w2 | w3) == 0 }

  @inlinable public var count: Int {
    w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount
  }

  @inlinable public func intersection(_ o: CPUMask) -> CPUMask {
    var r = CPUMask()
    r.w0 = w0 & o.w0
    r.w1 = w1 & o.w1
    r.w2 = w2 & o.w2
    r.w3 = w3 & o.w3
    return r
  }

  @inlinable public func union(_ o: CPUMask) -> CPUMask {
    var r = CPUMask()
    r.w0 = w0 | o.w0
    r.w1 = w1 | o.w1
    r.w2 = w2 | o.w2
    r.w3 = w3 | o.w3
    return r
  }

  @inlinable public func subtracting(_ o: CPUMask) -> CPUMask {
    var r = CPUMask()
    r.w0 = w0 & ~o.w0
    r.w1 = w1 & ~o.w1
    r.w2 = w2 & ~o.w2
    r.w3 = w3 & ~o.w3
    return r
  }

  @inlinable public func intersects(_ o: CPUMask) -> Bool { !intersection(o).isEmpty }

  @inlinable public func isSubset(of o: CPUMask) -> Bool { subtracting(o).isEmpty }

  /// The lowest pCPU in the mask at or after `start`, or nil.
  @inlinable public func next(atOrAfter start: Int) -> PCPUID? {
    var i = max(0, start)
    while i < CPUMask.capacity {
      let bits = word(i >> 6) >> UInt64(i & 63)
      if bits != 0 { return PCPUID(i + bits.trailingZeroBitCount) }
      i = (i | 63) + 1
    }
    return nil
  }

  /// The lowest pCPU in the mask, or nil.
  @inlinable public var first: PCPUID? { next(atOrAfter: 0) }

  /// Xen's `cpumask_cycle`: the first pCPU strictly after `cpu`, wrapping around; nil if empty.
  @inlinable public func cycle(after cpu: PCPUID) -> PCPUID? {
    next(atOrAfter: cpu.index + 1) ?? first
  }

  /// Members in increasing order.
  public var members: [PCPUID] {
    var out: [PCPUID] = []
    var cursor = next(atOrAfter: 0)
    while let cpu = cursor {
      out.append(cpu)
      cursor = next(atOrAfter: cpu.index + 1)
    }
    return out
  }

  public var description: String {
    "{" + members.map { String($0.rawValue) }.joined(separator: ",") + "}"
  }
}
