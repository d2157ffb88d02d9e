/// What an engine event does. Stored as a byte in ``Event``.
@usableFromInline enum EventKind: UInt8, Sendable {
  /// `SCHEDULE_SOFTIRQ` on pCPU `target`.
  case softirq
  /// The per-pCPU scheduling timer `s_timer` of pCPU `target`, generation `token`.
  case sTimer
  /// The running guest's current activity on vCPU `target` ends (generation `token`).
  case guestProgress
  /// Interrupt source `target` fires (generation `token`).
  case source
  /// Policy timer `target` fires (generation `token`).
  case policyTimer
  /// A metrics window closes.
  case window
  /// The warm-up ends: metrics are reset.
  case warmupEnd
  /// A scheduled control action (index `target`).
  case control
}

/// One pending event. Events are totally ordered by (time, seq): `seq` is the insertion order, so two
/// events at the same nanosecond run in the order they were scheduled. That tie rule is part of the
/// simulation's specification. The pair is packed into one 128-bit key (time never negative), so an
/// ordering test is a single wide comparison.
@usableFromInline struct Event: Comparable, Sendable {
  @usableFromInline var key: UInt128
  @usableFromInline var kind: EventKind
  @usableFromInline var target: Int32
  @usableFromInline var token: UInt32

  @inlinable init(time: Int64, seq: UInt64, kind: EventKind, target: Int32, token: UInt32) {
    key = UInt128(UInt64(bitPattern: time)) << 64 | UInt128(seq)
    self.kind = kind
    self.target = target
    self.token = token
  }

  @inlinable var time: Int64 { Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64)) }

  @inlinable static func < (a: Event, b: Event) -> Bool { a.key < b.key }

  @inlinable static func == (a: Event, b: Event) -> Bool { a.key == b.key }
}

/// The engine's future-event list: a 4-ary min-heap keyed (time, seq), sifted with a hole (one
/// write per level). Keys are unique, so the pop order is fully determined by the keys whatever the
/// heap's shape. Cancellation is lazy: timers carry a generation token, and a popped event whose
/// token is stale is dropped.
@usableFromInline struct EventQueue: Sendable {
  @usableFromInline var items: ContiguousArray<Event> = []
  @usableFromInline var nextSeq: UInt64 = 0
  /// Optional seeded tie-shuffle: events at equal time get a pseudo-random sequence instead of the
  /// insertion order, to flush out order-dependent behaviour. Off by default.
  @usableFromInline var tieShuffle: Xoshiro256?

  @inlinable init() {}

  @inlinable var isEmpty: Bool { items.isEmpty }
  @inlinable var count: Int { items.count }

  @inlinable mutating func push(time: Int64, kind: EventKind, target: Int32, token: UInt32 = 0) {
    var seq = nextSeq
    nextSeq &+= 1
    if tieShuffle != nil { seq = tieShuffle!.next() }
    insert(Event(time: time, seq: seq, kind: kind, target: target, token: token))
  }

  @inlinable mutating func insert(_ event: Event) {
    items.append(event)
    items.withUnsafeMutableBufferPointer { heap in
      var hole = heap.count - 1
      while hole > 0 {
        let parent = (hole - 1) >> 2
        guard event < heap[parent] else { break }
        heap[hole] = heap[parent]
        hole = parent
      }
      heap[hole] = event
    }
  }

  /// Remove the earliest event.
  @inlinable mutating func pop() -> Event? {
    guard let top = items.first else { return nil }
    let last = items.removeLast()
    guard !items.isEmpty else { return top }
    items.withUnsafeMutableBufferPointer { EventQueue.siftDown(last, from: 0, in: $0) }
    return top
  }

  /// Place `moving` in the subtree rooted at `root`, whose slot is free. Bottom-up (Wegener): the hole
  /// walks down to a leaf along the least children without comparing them with `moving`, which then
  /// climbs back, no higher than `root`; a late event, as a displaced last one is, rarely climbs far.
  /// One comparison per level fewer than the classic sift-down.
  @inlinable @inline(__always)
  static func siftDown(_ moving: Event, from root: Int, in heap: UnsafeMutableBufferPointer<Event>) {
    let n = heap.count
    var hole = root
    while true {
      let first = 4 * hole + 1
      guard first < n else { break }
      var least = first
      if first + 3 < n {
        if heap[first + 1] < heap[least] { least = first + 1 }
        if heap[first + 2] < heap[least] { least = first + 2 }
        if heap[first + 3] < heap[least] { least = first + 3 }
      } else {
        var child = first + 1
        while child < n {
          if heap[child] < heap[least] { least = child }
          child += 1
        }
      }
      heap[hole] = heap[least]
      hole = least
    }
    while hole > root {
      let parent = (hole - 1) >> 2
      guard moving < heap[parent] else { break }
      heap[hole] = heap[parent]
      hole = parent
    }
    heap[hole] = moving
  }

  @inlinable var peekTime: Int64? { items.first?.time }

  /// Drop the events `isLive` rejects and restore the heap (Floyd's bottom-up build). Keys are
  /// unique, so the live events pop in exactly the order they would have.
  mutating func compact(_ isLive: (Event) -> Bool) {
    var kept = 0
    for i in items.indices where isLive(items[i]) {
      items[kept] = items[i]
      kept += 1
    }
    items.removeLast(items.count - kept)
    guard items.count > 1 else { return }
    items.withUnsafeMutableBufferPointer { heap in
      var start = (heap.count - 2) / 4
      while start >= 0 {
        EventQueue.siftDown(heap[start], from: start, in: heap)
        start -= 1
      }
    }
  }
}
