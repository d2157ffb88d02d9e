import SchedLabCore

/// The points where credit2 can be extended without subclassing it: the places the 2024 boost
/// proposal changes. ``Credit2Scheduler`` is generic over one extension and final;
/// `Credit2Scheduler<PlainCredit2>` is Xen's credit2, whose hooks are constants or credit2's own
/// rule, so that specialisation folds every boost test out of credit2's hot paths;
/// `Credit2Scheduler<BoostCredit>` is credit2-boost (see `Credit2Boost/`).
///
/// Hooks that change a rule take the scheduler, and may call back into it. Which units are boosted,
/// and their boost credit, are read on every queue comparison: they live in the scheduler's
/// ``BoostTable``, which the extension writes and credit2 reads without a call. Every hook
/// defaults to credit2's own rule (below), so an extension states only what it changes.
protocol Credit2Extension: AnyObject {
  /// Set up once credit2 has initialised its own state (the extension may keep the scheduler).
  func initialize(_ scheduler: Credit2Scheduler<Self>, context: SchedContext)

  // MARK: Ranking
  /// Whether this extension ever boosts a unit, through the scheduler's ``BoostTable`` (false: no
  /// boost hook is called from the hot paths).
  static var boosts: Bool { get }
  /// The boost table the extension writes (nil: it boosts nothing), handed to the scheduler once.
  var table: BoostTable? { get }

  // MARK: Credit
  /// A reset's credit for unit `v` (credit2: add the increment, clip at CREDIT_INIT + CARRYOVER).
  func assignCredit(_ scheduler: Credit2Scheduler<Self>, _ v: Int, increment: Int64, now: Int64)
  /// The credit the reset condition reads.
  func resetCredit(_ scheduler: Credit2Scheduler<Self>, of v: Int) -> Int64
  /// Charge boosted (or bucket-protected) run time.
  func burnBoostCredit(_ scheduler: Credit2Scheduler<Self>, _ v: Int, time: Int64, now: Int64)

  // MARK: Scheduling
  /// The slice of a boosted unit.
  func boostSlice(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> Int64
  /// `do_schedule` chose to take the pCPU from `v`, still runnable and not yielding ("Xen is about
  /// to preempt"): return true if `v`'s rank changed, so that the choice is made again.
  func aboutToPreempt(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> Bool
  /// Whether ``aboutToPreempt(_:_:now:)`` would boost the running unit `v`.
  func wouldBoostIfPreempted(_ v: Int) -> Bool
  /// `v` is dispatched on a pCPU it was not running on.
  func dispatched(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64)
  /// `v` yields (credit2's own yield follows).
  func yield(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64)
  /// A timer that is not credit2's fired; return whether it was the extension's.
  func timerFired(_ scheduler: Credit2Scheduler<Self>, _ timer: TimerID, now: Int64) -> Bool
  /// Whether `runq_candidate` walks on past a capped unit that cannot grab budget (Xen: `continue`).
  /// Credit2 once stopped the walk there (`break`, fixed in b185dd0); the search's planted-bug test
  /// puts that back through this hook to show the search finds it.
  var walksPastUnbudgetedUnits: Bool { get }

  // MARK: Statistics
  func counters() -> [PolicyCounter]
  func vcpuCounters(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> [PolicyCounter]
  func resetCounters(now: Int64)
}

/// The boost state credit2 reads in its hot paths, by unit: written by a boosting extension, read
/// by credit2 without a call (its entry points are not specialised for their extension). Empty for
/// plain credit2.
final class BoostTable {
  /// Boosted units rank ahead of every unboosted one, by boost credit.
  var boosted: [Bool] = []
  var credit: [Int64] = []
  /// Until when the unit's current run is paid from its boost bucket although it is no longer
  /// boosted (0: not).
  var protectedUntil: [Int64] = []
  /// The unit's current run has lost its ratelimit protection; cleared at the next decision.
  var ratelimitWaived: [Bool] = []
  /// A boosted waker may preempt an unboosted unit inside its ratelimit.
  var overridesRatelimit = false

  func size(units n: Int) {
    boosted = Array(repeating: false, count: n)
    credit = Array(repeating: 0, count: n)
    protectedUntil = Array(repeating: 0, count: n)
    ratelimitWaived = Array(repeating: false, count: n)
  }
}

/// The defaults are credit2's own rules: an extension implements only the hooks it changes.
extension Credit2Extension {
  func initialize(_ scheduler: Credit2Scheduler<Self>, context: SchedContext) {}
  static var boosts: Bool { false }
  var table: BoostTable? { nil }
  @inline(__always) func assignCredit(_ scheduler: Credit2Scheduler<Self>, _ v: Int, increment: Int64, now: Int64) {
    scheduler.addCredit(v, increment: increment)
  }
  @inline(__always) func resetCredit(_ scheduler: Credit2Scheduler<Self>, of v: Int) -> Int64 { scheduler.credit[v] }
  func burnBoostCredit(_ scheduler: Credit2Scheduler<Self>, _ v: Int, time: Int64, now: Int64) {}
  func boostSlice(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> Int64 {
    Credit2Constants.minTimer
  }
  @inline(__always) func aboutToPreempt(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> Bool { false }
  @inline(__always) func wouldBoostIfPreempted(_ v: Int) -> Bool { false }
  @inline(__always) func dispatched(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) {}
  func yield(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) {}
  func timerFired(_ scheduler: Credit2Scheduler<Self>, _ timer: TimerID, now: Int64) -> Bool { false }
  var walksPastUnbudgetedUnits: Bool { true }
  func counters() -> [PolicyCounter] { [] }
  func vcpuCounters(_ scheduler: Credit2Scheduler<Self>, _ v: Int, now: Int64) -> [PolicyCounter] { [] }
  func resetCounters(now: Int64) {}
}

/// Xen's credit2, unextended: nothing is ever boosted.
final class PlainCredit2: Credit2Extension {}
