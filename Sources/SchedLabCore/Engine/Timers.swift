/// A policy timer, as ``SchedContext/createTimer()`` hands it out.
public struct TimerID: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: Int
  @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
  public var description: String { "timer\(rawValue)" }
}

/// What each of a policy's timers is for, so that a firing timer is dispatched by a `switch` on a
/// typed purpose rather than by arithmetic on its number or a search. A subclass keeps a table of its
/// own next to its superclass's and asks it first.
public struct TimerTable<Purpose: Sendable>: Sendable {
  @usableFromInline var purposes: [Purpose?] = []

  public init() {}

  /// Create a timer for `purpose`.
  public mutating func create(_ purpose: Purpose, in context: SchedContext) -> TimerID {
    let timer = context.createTimer()
    if purposes.count <= timer.rawValue {
      purposes.append(contentsOf: repeatElement(nil, count: timer.rawValue + 1 - purposes.count))
    }
    purposes[timer.rawValue] = purpose
    return timer
  }

  /// The purpose of `timer`, or nil if this table did not create it.
  @inlinable public func purpose(of timer: TimerID) -> Purpose? {
    timer.rawValue < purposes.count ? purposes[timer.rawValue] : nil
  }
}
