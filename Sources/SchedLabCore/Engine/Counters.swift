/// The keys of a policy's counters: an enum with `Int` raw values 0, 1, 2, ... (the default), one case
/// per counter. A counter is reported under its case name in snake_case (`creditResets` →
/// `credit_resets`), in declaration order.
public protocol CounterKey: RawRepresentable, CaseIterable, Sendable where RawValue == Int {}

/// One value per case of `Key`, in an array: an increment is an index, reporting needs no
/// hand-written list of names.
public struct Counters<Key: CounterKey>: Sendable {
  @usableFromInline var values: [Int64]

  public init() {
    precondition(
      Key.allCases.enumerated().allSatisfy { $0.offset == $0.element.rawValue },
      "\(Key.self): raw values must be 0, 1, 2, ... in declaration order")
    values = Array(repeating: 0, count: Key.allCases.count)
  }

  @inlinable public subscript(key: Key) -> Int64 {
    get { values[key.rawValue] }
    set { values[key.rawValue] = newValue }
  }

  /// Every counter, named, in declaration order.
  public var reported: [PolicyCounter] { Key.allCases.map { PolicyCounter(Self.name(of: $0), self[$0]) } }

  /// Add `other` counter by counter (per-vCPU counters summed per domain).
  public mutating func add(_ other: Counters) {
    for i in values.indices { values[i] += other.values[i] }
  }

  /// The reported name: the case name in snake_case.
  public static func name(of key: Key) -> String {
    var name = ""
    for character in String(describing: key) {
      if character.isUppercase {
        name += "_" + character.lowercased()
      } else {
        name.append(character)
      }
    }
    return name
  }
}
