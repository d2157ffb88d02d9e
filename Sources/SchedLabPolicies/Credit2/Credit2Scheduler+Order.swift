import SchedLabCore

/// The order of units. Credit2 ranks by credit alone. Its boost variant puts boosted units first,
/// ranked by boost credit; since credit2 never boosts, these reduce to plain credit comparisons.
extension Credit2Scheduler {
  /// Whether unit `a` ranks strictly above unit `b` (`b` < 0: this pCPU's idle unit).
  @inline(__always) func outranks(_ a: Int, _ b: Int) -> Bool {
    if b < 0 { return boosted(a) || credit[a] > Credit2Constants.idleCredit }
    if boosted(a) != boosted(b) { return boosted(a) }
    return boosted(a) ? boostCredit(a) > boostCredit(b) : credit[a] > credit[b]
  }

  /// How far `a` ranks above `b`, in credit (negative if below): the credit difference within a
  /// class; between a boosted and a non-boosted unit, more than any credit difference can be, and
  /// the more so the less normal credit the non-boosted unit has (so that a boosted waker's tickle
  /// prefers to preempt the unit that has run most).
  @inline(__always) func lead(_ a: Int, over b: Int) -> Int64 {
    let classGap = 4 * Credit2Constants.creditInit
    if b < 0 { return boosted(a) ? classGap : credit[a] - Credit2Constants.idleCredit }
    if boosted(a) != boosted(b) { return boosted(a) ? classGap - credit[b] : credit[a] - classGap }
    return boosted(a) ? boostCredit(a) - boostCredit(b) : credit[a] - credit[b]
  }
}
