public import SchedLabCore

/// RTDS's parameters. Xen has no RTDS boot options: every unit starts with the defaults below
/// (`RTDS_DEFAULT_PERIOD`, `RTDS_DEFAULT_BUDGET`, extratime on) and `xl sched-rtds` changes a domain's
/// or a vCPU's afterwards. SchedLab makes the defaults tunables (host-wide) and domain parameters
/// (`domains[].parameters.rtds`, the domain's units from the start), in Xen's units (µs).
extension RTDSScheduler {
  static let minPeriodUs: Int64 = 10
  static let minBudgetUs: Int64 = 10
  /// `RTDS_MAX_PERIOD` is `STIME_DELTA_MAX`; SchedLab caps periods at one simulated day.
  static let maxPeriodUs: Int64 = 86_400_000_000

  static let unitSpecs: [ParameterSpec] = [
    ParameterSpec(
      "period_us", .integer(minPeriodUs...maxPeriodUs), default: .integer(10_000),
      "period of each unit's server, in us (RTDS_DEFAULT_PERIOD; minimum RTDS_MIN_PERIOD = 10 us)"),
    ParameterSpec(
      "budget_us", .integer(minBudgetUs...maxPeriodUs), default: .integer(4_000),
      "budget per period, in us (RTDS_DEFAULT_BUDGET; minimum 10 us, at most the period)"),
    ParameterSpec(
      "extratime", .boolean, default: .boolean(true),
      "out of budget: run on at a lower priority level (true) or wait for the next period (false)"),
  ]

  /// Xen's `rt_validate_params`: the cross-parameter rule ranges cannot express.
  static func validate(periodUs: Int64, budgetUs: Int64) -> String? {
    if periodUs < minPeriodUs || periodUs > maxPeriodUs { return "period \(periodUs)us is outside 10us...1 day" }
    if budgetUs < minBudgetUs { return "budget \(budgetUs)us is under the 10us minimum" }
    if budgetUs > periodUs { return "budget \(budgetUs)us is more than the period \(periodUs)us" }
    return nil
  }

  /// The rule a domain's (or the host's) parameter set must satisfy, for the descriptor.
  @Sendable static func checkSet(_ set: ParameterSet) -> ParameterError? {
    let period = set.integer("period_us")
    let budget = set.integer("budget_us")
    guard let reason = validate(periodUs: period, budgetUs: budget) else { return nil }
    return ParameterError(parameter: "budget_us", reason: reason)
  }

  /// The control operations, after `xl sched-rtds` (`XEN_DOMCTL_SCHEDOP_putinfo` for a whole domain,
  /// `putvcpuinfo` for one vCPU, `getvcpuinfo` to read one).
  static let controlOps: [ControlOpSpec] = [
    ControlOpSpec(
      "rtds_set",
      arguments: [ControlArgumentSpec("period", .duration), ControlArgumentSpec("budget", .duration)],
      requiresArgument: true,
      doc: "period and budget of every unit of the target domain (xl sched-rtds -d D -p -b); dom0 only"),
    ControlOpSpec(
      "rtds_set_vcpu",
      arguments: [
        ControlArgumentSpec("vcpu", .integer(0...4095)), ControlArgumentSpec("period", .duration),
        ControlArgumentSpec("budget", .duration), ControlArgumentSpec("extratime", .integer(0...1)),
      ],
      requiresArgument: true,
      doc: "period, budget and extratime of one vCPU (xl sched-rtds -d D -v V -p -b -e); dom0 only"),
    ControlOpSpec(
      "rtds_get_vcpu", arguments: [ControlArgumentSpec("vcpu", .integer(0...4095))], requiresArgument: true,
      doc: "read one vCPU's period, budget, extratime and current state; dom0, or a domain for itself"),
  ]
}

/// The oracle's view of an RTDS unit: its guaranteed minimum and whether it competes for the rest.
extension RTDSScheduler {
  /// Each vCPU's reservation (budget / period, a fraction of one pCPU) and whether it may use
  /// time no reservation claims (extratime).
  public static func guarantees(_ configuration: PolicyConfiguration, domain: Int, vcpus: Int) -> [Guarantee] {
    let set = configuration.domain(domain)
    let share = Double(set.integer("budget_us")) / Double(set.integer("period_us"))
    return Array(repeating: Guarantee(reserve: share, sharesRest: set.boolean("extratime")), count: vcpus)
  }
}
