import SchedLabCore

extension BoostCredit {
  /// The proposal's tunables, with the thread's defaults (25%, 500 us; "500ms" in the first mail
  /// was confirmed to mean 500 us), plus the switches this reading needs.
  static let boostSpecs: [ParameterSpec] = [
    ParameterSpec("boost", .boolean, default: .boolean(true), "master switch; false makes this policy credit2"),
    ParameterSpec(
      "boost_charge", .choice(of: BoostCharge.self), default: .choice(BoostCharge.overtake.rawValue),
      "split: the bucket is carved out of each assignment and boosted time burns only it (the proposal as written); earmark: boosted time burns normal credit and the bucket; overtake: normal credit, and the bucket only while a waiting unit has more credit"
    ),
    ParameterSpec(
      "boost_ratio_pct", .integer(0...100), default: .integer(25), "share of each credit assignment kept for boosting"),
    ParameterSpec("boost_interval_us", .integer(10...1_000_000), default: .integer(500), "default boost interval"),
    ParameterSpec(
      "max_boost_credit_us", .integer(0...10_000), default: .integer(2500),
      "default per-domain maximum boost credit (dom0 may change it per domain)"),
    ParameterSpec("boost_on_irq", .boolean, default: .boolean(true), "trigger: interrupt delivered to the vCPU"),
    ParameterSpec(
      "boost_on_masked", .boolean, default: .boolean(true), "trigger: about to preempt a vCPU with interrupts masked"),
    ParameterSpec(
      "boost_on_dont_desched", .boolean, default: .boolean(true),
      "trigger: about to preempt a vCPU with dont_desched set"),
    ParameterSpec(
      "boost_overrides_ratelimit", .boolean, default: .boolean(true),
      "a boosted waker may preempt a non-boosted vCPU inside its ratelimit"),
    ParameterSpec(
      "boosted_run_ratelimit", .choice(of: BoostedRunRatelimit.self),
      default: .choice(BoostedRunRatelimit.bucket.rawValue),
      "a run a boost began, once de-boosted: credit: keeps its ratelimit for free (the proposal as written); waive: loses it, credit decides at once; bucket: keeps it while the boost bucket pays for it"
    ),
    ParameterSpec("storm_window_us", .integer(100...1_000_000), default: .integer(10_000), "storm rule window"),
    ParameterSpec(
      "storm_irqs", .integer(1...1_000_000), default: .integer(50),
      "a source with more interrupts than this in a window is storming and does not boost"),
  ]
}

/// How boosted run time is paid for (interpretations 1 and 12).
enum BoostCharge: String, ParameterOption {
  /// The bucket is carved out of each assignment; boosted time burns only the bucket.
  case split
  /// The assignment stays whole; boosted time burns normal credit and the bucket.
  case earmark
  /// The assignment stays whole; boosted time burns normal credit, and the bucket only while it
  /// runs ahead of a waiting unit with more normal credit.
  case overtake
}

/// What happens to a run a boost began once the vCPU is de-boosted (interpretation 9).
enum BoostedRunRatelimit: String, ParameterOption {
  /// It keeps credit2's ratelimit protection, paid from normal credit: the proposal as written.
  case credit
  /// It loses the protection: credit decides at once.
  case waive
  /// It keeps the protection while its boost bucket pays for it; an empty bucket ends it.
  case bucket
}

/// credit2-boost's host-wide counters, in report order (refused control calls and detected storms
/// are counted over the whole run, warm-up included).
enum BoostCounter: Int, CounterKey {
  case boostExhaustions, boostExhaustionsDontDesched, refusedControlCalls, stormsDetected, stormInterruptsIgnored
}

/// Per-vCPU boost counters (summed per domain in reports and `get_counters`), in report order.
/// - `boostsOverInterval`: boosts that lasted longer than the vCPU's boost interval (should stay 0);
/// - `boostBudgetOverruns`: credit epochs whose boosted run time exceeded the epoch's boost bucket
///   (should stay 0);
/// - `boostDispatches`: dispatches of a boosted vCPU onto a pCPU (runs a boost began);
/// - `protectedNs`: run time after a de-boost paid from the bucket under ratelimit protection
///   (option `bucket`); `protectionExhaustions`: protected runs ended early because the bucket ran out;
/// - `unchargedBoostNs`: boosted or protected run time not charged to the bucket because the vCPU had
///   the most normal credit of its runqueue anyway (`boost_charge: overtake`).
enum BoostVCPUCounter: Int, CounterKey {
  case boostsIrq, boostsMasked, boostsDontDesched, boostsDeniedNoCredit, boostedNs, boostExhaustions
  case boostExhaustionsDontDesched, deboostInterval, deboostHandlerReturn, deboostUnmask, deboostYield
  case boostsOverInterval, boostBudgetOverruns, boostDispatches, protectedNs, protectionExhaustions
  case unchargedBoostNs
}

/// credit2-boost's per-domain parameters: what dom0's `set_boost` changes during a run, set for the
/// domain from the start (a scenario's `domains[].parameters.credit2-boost`). Each defaults to the
/// tunable of the same name.
struct BoostDomainParameters {
  var ratioPermille: Int64
  var intervalNs: Int64
  var maxBoostCreditNs: Int64

  static let specs = BoostCredit.boostSpecs.filter {
    ["boost_ratio_pct", "boost_interval_us", "max_boost_credit_us"].contains($0.name)
  }

  init(_ set: ParameterSet) {
    ratioPermille = set.integer("boost_ratio_pct") * 10
    intervalNs = Nanos.us(set.integer("boost_interval_us"))
    maxBoostCreditNs = Nanos.us(set.integer("max_boost_credit_us"))
  }
}
