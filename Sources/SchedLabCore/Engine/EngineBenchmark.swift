/// Measurements of the engine itself, for `schedlab bench`.
public enum EngineBenchmark {
  /// The bare event loop in the classic "hold" model: `pending` events in the queue; each step pops
  /// the earliest and schedules a successor a pseudo-random gap later. Returns the number of events
  /// processed (the caller times it).
  public static func holdModel(events: Int, pending: Int, seed: UInt64 = 1) -> Int {
    var queue = EventQueue()
    var rng = Xoshiro256(seed: seed)
    for i in 0..<pending {
      queue.push(time: rng.below(1_000_000), kind: .source, target: Int32(i))
    }
    var processed = 0
    var checksum: Int64 = 0
    while processed < events, let event = queue.pop() {
      processed += 1
      checksum &+= event.time
      queue.push(time: event.time + 1 + rng.below(1_000_000), kind: event.kind, target: event.target)
    }
    precondition(checksum != 42)  // keep the loop observable
    return processed
  }
}
