/// Typed, dense identifiers. Each indexes the engine's and the policies' per-entity arrays, which is
/// the Swift form of Xen's `alloc_udata`/`alloc_pdata`/`alloc_domdata` private records.

/// A physical CPU (a hardware thread).
public struct PCPUID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
  @inlinable public var index: Int { Int(rawValue) }
  @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "pCPU\(rawValue)" }
}

/// A virtual CPU. IDs are global across domains, numbered domain by domain.
public struct VCPUID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
  @inlinable public var index: Int { Int(rawValue) }
  @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "v\(rawValue)" }
}

/// A domain (a VM). Domain 0 is the first domain of the scenario; it is the control domain only if
/// the scenario says so.
public struct DomainID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
  @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
  @inlinable public var index: Int { Int(rawValue) }
  @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "d\(rawValue)" }
}
