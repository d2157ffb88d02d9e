import Testing

@testable import SchedLabCore

/// The event heap against a sorted list: pops come in (time, insertion) order, ties included, through
/// interleaved pushes, pops and compactions.
@Suite struct EventQueueTests {
  @Test(arguments: UInt64(1)...6)
  func popsInTimeThenInsertionOrder(seed: UInt64) {
    var rng = Xoshiro256(seed: seed, key: 5)
    var queue = EventQueue()
    var reference: [(time: Int64, seq: Int)] = []  // live events, by insertion number
    var dead: Set<Int> = []
    var inserted = 0
    var popped: [Int] = []
    var expected: [Int] = []
    for step in 0..<20_000 {
      let action = rng.below(10)
      if action < 6 {
        // Few distinct times, so that ties are common.
        let time = 1_000 * Int64(step / 50) + rng.below(4) * 100
        queue.push(time: time, kind: .source, target: Int32(inserted))
        reference.append((time, inserted))
        inserted += 1
      } else if action < 9 {
        guard let event = queue.pop() else { continue }
        popped.append(Int(event.target))
        let next = reference.indices.min {
          (reference[$0].time, reference[$0].seq) < (reference[$1].time, reference[$1].seq)
        }!
        expected.append(reference[next].seq)
        reference.remove(at: next)
      } else {
        // Cancel a third of the pending events at random, then compact them away.
        for r in reference where rng.below(3) == 0 { dead.insert(r.seq) }
        queue.compact { !dead.contains(Int($0.target)) }
        reference.removeAll { dead.contains($0.seq) }
      }
    }
    while let event = queue.pop() {
      popped.append(Int(event.target))
      let next = reference.indices.min {
        (reference[$0].time, reference[$0].seq) < (reference[$1].time, reference[$1].seq)
      }!
      expected.append(reference[next].seq)
      reference.remove(at: next)
    }
    #expect(popped == expected)
    #expect(reference.isEmpty && queue.isEmpty)
  }
}

/// Counters are named after their cases, in declaration order.
@Suite struct CounterTests {
  enum Sample: Int, CounterKey { case creditResets, tickles, boostsIrq }

  @Test func namesAreSnakeCaseInDeclarationOrder() {
    var c = Counters<Sample>()
    c[.tickles] += 2
    c[.boostsIrq] = 5
    var d = Counters<Sample>()
    d[.tickles] = 1
    c.add(d)
    #expect(
      c.reported == [PolicyCounter("credit_resets", 0), PolicyCounter("tickles", 3), PolicyCounter("boosts_irq", 5)])
  }
}
