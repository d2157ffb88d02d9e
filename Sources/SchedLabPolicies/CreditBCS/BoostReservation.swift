public import SchedLabCore

/// `credit-bcs` (alias `bcredit`): Naoki Nishiguchi's Boost Credit Scheduler (xen-devel, Dec 2008;
/// Xen Summit Japan 2008), as the 2009 seed describes it: credit1 plus a per-VM *boost reservation*.
/// An administrator gives a VM a guaranteed minimum of CPU time; while the VM runs under that minimum
/// it runs at BOOST priority; several BOOST VMs are interleaved at 1 ms. It was never merged and its
/// patches are not at hand, so what the seed and the summaries of the 2008 thread leave open is
/// decided here, each decision numbered:
///
/// 1. **Reservation** per domain, in percent of one pCPU (`reservation_pct`, domain parameter and
///    tunable; `bcs_set` from dom0 during a run). A domain's reservation is split equally among its
///    vCPUs (the 2008 patch balanced credit across a domain's vCPUs).
/// 2. **Boost credit** is a per-vCPU balance in ns. At every credit1 accounting (30 ms) each vCPU is
///    granted its reservation's worth of the period (a 20 % reservation: 6 ms), and the balance is
///    bounded by `boost_window_ms` of reservation (default 60 ms: two periods' grants, so a VM that
///    slept can take a frame's worth at once). It starts with one grant.
/// 3. **BOOST while under the reservation**: a vCPU with boost credit left has priority BOOST when it
///    wakes, when it is granted credit, and while it runs; credit1's tick does not end this boost
///    (it still ends credit1's own wake-up boost, which stays for VMs with no reservation).
/// 4. **Exact debiting**: time run while reservation-boosted is charged to the boost credit to the
///    nanosecond (a debt below zero is repaid by the next grant), and to credit1's credit like any run
///    time (credit1's exact debit), so reserved time counts in the VM's weighted share: the VM gets the
///    larger of its reservation and its fair share, not their sum (the oracle's `floor` semantics).
/// 5. **Interleaving**: a reservation-boosted vCPU runs for at most `boost_tslice_us` (default 1 ms,
///    the seed's figure; the 2008 patch used 2 ms) or its remaining boost credit, whichever is
///    shorter; it then goes behind the other BOOST vCPUs of its runqueue, so competing reserved VMs
///    rotate at 1 ms.
/// 6. **Out of boost credit**, a vCPU drops to UNDER or OVER by its credit, and is back in credit1's
///    cycle until the next grant: the seed's second objection (a rogue process eats the reservation).
/// 7. **A vCPU that runs on its reservation is active**: charging reserved time makes a vCPU join
///    credit1's accounting, as a tick finding it running would. The reservation's boosts run right
///    after each grant, between credit1's 10 ms ticks, so a tick may never see them, and a vCPU
///    charged for them but never credited would stay OVER for good (found by search: two reserved
///    vCPUs of one domain alone on one pCPU split it 0.90 / 0.10).
/// 8. Everything else is credit1 as SchedLab models it (ticks, accounting, ratelimit, stealing,
///    caps): a BOOST vCPU preempts only non-BOOST ones, and not within credit1's ratelimit.
struct BoostReservation {
  // Settings
  let boostSliceNs: Int64
  let windowNs: Int64
  /// Each domain's reservation, per mille of one pCPU, and each vCPU's domain and its domain's
  /// vCPU count: a vCPU's share is the domain's divided by its vCPUs (rule 1), computed where it is
  /// used so that the policy and the oracle (``reservePerVCPU``) split it the same way.
  var domainPermille: [Int64]
  let domainOf: [Int]
  let siblings: [Int64]
  // State
  var credit: [Int64]
  /// Whether the vCPU runs (or last ran) reservation-boosted, and since when it was last charged.
  var boosting: [Bool]
  var since: [Int64]
  // Counters
  var stats: [Counters<ReservationCounter>]

  func reserved(_ v: Int) -> Bool { domainPermille[domainOf[v]] > 0 }
  /// The grant of one accounting period of `periodNs` and the bound, for vCPU `v`.
  func grant(_ v: Int, periodNs: Int64) -> Int64 { share(periodNs, v) }
  func bound(_ v: Int) -> Int64 { share(windowNs, v) }
  /// vCPU `v`'s part of `ns` of its domain's reservation.
  private func share(_ ns: Int64, _ v: Int) -> Int64 { ns * domainPermille[domainOf[v]] / (1000 * siblings[v]) }

  /// What the oracle guarantees a vCPU of a domain with `pct` reserved among `vcpus`: the same split.
  static func reservePerVCPU(pct: Int64, vcpus: Int) -> Double { min(1, Double(pct) / 100 / Double(vcpus)) }
}

/// Per-vCPU counters of the reservation: time run reservation-boosted, boost credit exhausted while
/// the vCPU still wanted to run, wake-ups boosted by the reservation, and boosted run time beyond the
/// boost credit (`reservation_overrun_ns`: should stay 0, the slice stops at the credit's end).
enum ReservationCounter: Int, CounterKey {
  case reservedNs, reservationExhaustions, reservationBoosts, reservationOverrunNs
}

extension CreditScheduler {
  public static let bcsParameterSpecs: [ParameterSpec] =
    parameterSpecs + [
      ParameterSpec(
        "reservation_pct", .integer(0...100), default: .integer(0),
        "boost reservation of a domain, percent of one pCPU split among its vCPUs (0 = none)"),
      ParameterSpec(
        "boost_tslice_us", .integer(100...30_000), default: .integer(1000),
        "longest run of a reservation-boosted vCPU before the next BOOST one (interleaving), in us"),
      ParameterSpec(
        "boost_window_ms", .integer(1...10_000), default: .integer(60),
        "bound of the boost credit, as this much time of the reservation (60 ms of 20% = 12 ms), in ms"),
    ]

  public static let bcsDescriptor = PolicyDescriptor(
    name: "credit-bcs", aliases: ["bcredit"],
    summary: "Nishiguchi's Boost Credit Scheduler: credit1 + per-VM boost reservation at BOOST, 1 ms interleave",
    weights: .perActiveVCPU, parameters: bcsParameterSpecs,
    controlOps: [
      ControlOpSpec(
        "bcs_set", arguments: [ControlArgumentSpec("reservation", .fraction)], requiresArgument: true,
        doc: "the target domain's boost reservation (fraction of one pCPU); dom0 only"),
      ControlOpSpec(
        "bcs_get", doc: "the target's reservation, boost credit and counters; dom0, or a domain for itself"),
    ],
    domainParameters: bcsParameterSpecs.filter { $0.name == "reservation_pct" },
    guarantees: { configuration, domain, vcpus in
      let reserve = BoostReservation.reservePerVCPU(
        pct: configuration.domain(domain).integer("reservation_pct"), vcpus: vcpus)
      return Array(repeating: Guarantee(reserve: reserve, sharesRest: true), count: vcpus)
    },
    guaranteeSemantics: .floor,
    make: { CreditScheduler(bcs: $0) })

  /// A credit-bcs instance.
  convenience init(bcs configuration: PolicyConfiguration) {
    self.init(parameters: configuration.tunables, name: "credit-bcs")
    bcsConfiguration = configuration
  }

  /// Set up the reservation state, once the context knows the domains.
  func initializeReservation() {
    guard let configuration = bcsConfiguration else { return }
    let n = context.vcpuCount
    let domains = 0..<context.domainCount
    let domainOf = (0..<n).map { context.domain(of: VCPUID($0)).index }
    var r = BoostReservation(
      boostSliceNs: Nanos.us(configuration.tunables.integer("boost_tslice_us")),
      windowNs: Nanos.ms(configuration.tunables.integer("boost_window_ms")),
      domainPermille: domains.map { configuration.domain($0).integer("reservation_pct") * 10 },
      domainOf: domainOf, siblings: domainOf.map { Int64(context.vcpus(of: DomainID($0)).count) },
      credit: Array(repeating: 0, count: n), boosting: Array(repeating: false, count: n),
      since: Array(repeating: 0, count: n), stats: Array(repeating: Counters(), count: n))
    for v in 0..<n { r.credit[v] = r.grant(v, periodNs: tsliceNs) }
    reservation = r
  }

  /// Whether `v` holds a reservation boost (boost credit left).
  @inline(__always) func holdsReservation(_ v: Int) -> Bool { reservation.map { $0.credit[v] > 0 } ?? false }

  /// Charge `v`'s run since its last charge to its boost credit, if it ran reservation-boosted;
  /// out of boost credit, it drops to UNDER or OVER (6).
  func chargeReservation(_ v: Int, now: Int64) {
    guard reservation != nil else { return }
    let ran = now - reservation!.since[v]
    reservation!.since[v] = now
    guard reservation!.boosting[v] else { return }
    reservation!.stats[v][.reservationOverrunNs] += max(0, ran - max(0, reservation!.credit[v]))
    reservation!.credit[v] -= ran
    reservation!.stats[v][.reservedNs] += ran
    if ran > 0 && !active[v] { accountingStart(v, now: now) }
    if reservation!.credit[v] <= 0 {
      reservation!.boosting[v] = false
      if pri[v] == Self.priBoost { setPri(v, credit[v] < 0 ? Self.priOver : Self.priUnder, now: now) }
      if context.isRunnable(VCPUID(v)) { reservation!.stats[v][.reservationExhaustions] += 1 }
    }
  }

  /// `v` is dispatched (or continues) now: the slice a reservation boost allows (5), or `slice`.
  func reservationSlice(_ v: Int, now: Int64, slice: Int64) -> Int64 {
    guard reservation != nil else { return slice }
    reservation!.since[v] = now
    let boosted = pri[v] == Self.priBoost && reservation!.credit[v] > 0
    reservation!.boosting[v] = boosted
    return boosted ? min(slice, reservation!.boostSliceNs, reservation!.credit[v]) : slice
  }

  /// After credit1's accounting: charge the running vCPUs, grant every vCPU its period's boost
  /// credit (bounded), and give BOOST back to those that have some (2, 3); a queued vCPU that becomes
  /// BOOST is requeued ahead of the non-BOOST ones and tickles.
  func grantReservations(now: Int64) {
    guard reservation != nil else { return }
    for p in 0..<context.pcpuCount {
      if let cur = context.current(PCPUID(p)) { chargeReservation(cur.index, now: now) }
    }
    for v in 0..<context.vcpuCount where reservation!.reserved(v) {
      reservation!.credit[v] = min(
        reservation!.bound(v), reservation!.credit[v] + reservation!.grant(v, periodNs: tsliceNs))
      guard reservation!.credit[v] > 0, pri[v] != Self.priBoost, !parked[v] else { continue }
      setPri(v, Self.priBoost, now: now)
      if context.isRunning(VCPUID(v)) {
        // Its slice was set without the boost: reschedule so the boost gets a boost's slice (and is
        // charged from now), rather than run a credit1 slice at BOOST on the reservation's account.
        context.tickle(context.processor(VCPUID(v)))
      } else if onRunq[v] {
        runqRemove(v)
        runqInsert(v)
        runqTickle(v)
      }
    }
  }

  /// A waking vCPU with boost credit is BOOST (3); returns whether it was boosted so.
  func reservationWakeBoost(_ v: Int, now: Int64) -> Bool {
    guard holdsReservation(v), !parked[v] else { return false }
    setPri(v, Self.priBoost, now: now)
    reservation!.stats[v][.reservationBoosts] += 1
    return true
  }

  /// `bcs_set` and `bcs_get`.
  public func control(_ call: ControlCall, now: Int64) -> ControlOutcome {
    guard reservation != nil else { return .invalid("\(name) has no control operation '\(call.op)'") }
    let vcpus = context.vcpus(of: call.target)
    switch call.op {
    case "bcs_set":
      guard context.isControlDomain(call.caller) else { return .permissionDenied("only dom0 may set reservations") }
      guard let value = call.argument("reservation_permille"), (0...1000).contains(value) else {
        return .invalid("reservation must be 0...100%")
      }
      reservation!.domainPermille[call.target.index] = value
      return .ok([])
    case "bcs_get":
      guard context.isControlDomain(call.caller) || call.caller == call.target else {
        return .permissionDenied("a guest may read only its own reservation")
      }
      var total = Counters<ReservationCounter>()
      for v in vcpus { total.add(reservation!.stats[v]) }
      return .ok(
        [
          ControlArgument("reservation_permille", reservation!.domainPermille[call.target.index]),
          ControlArgument("boost_credit_ns", vcpus.reduce(0) { $0 + reservation!.credit[$1] }),
        ] + total.reported.map { ControlArgument($0.name, $0.value) })
    default:
      return .invalid("\(name) has no control operation '\(call.op)'")
    }
  }
}
