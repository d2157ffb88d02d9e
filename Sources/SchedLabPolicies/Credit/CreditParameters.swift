import SchedLabCore

extension CreditScheduler {
  /// Tunables, named as Xen's boot options and sysctls, with Xen's defaults.
  public static let parameterSpecs: [ParameterSpec] = [
    ParameterSpec(
      "tslice_ms", .integer(1...1000), default: .integer(30),
      "sched_credit_tslice_ms: timeslice and accounting period; the tick is a third of it"),
    ParameterSpec(
      "ratelimit_us", .integer(0...500_000), default: .integer(1000),
      "sched_ratelimit_us: minimum run before a vCPU is descheduled (0 = off; clamped to tslice)",
      rule: ratelimitRule),
    ParameterSpec(
      "vcpu_migration_delay_us", .integer(0...100_000), default: .integer(0),
      "vcpu_migration_delay: a vCPU that ran this recently is cache-hot and not stolen"),
    ParameterSpec(
      "load_balance_ratelimit_us", .integer(0...1_000_000), default: .integer(1000),
      "load-balance-ratelimit: minimum interval between steal attempts of one pCPU"),
    ParameterSpec(
      "tickle_one_idle_cpu", .boolean, default: .boolean(true),
      "tickle_one_idle_cpu: wake one idle pCPU for a waking vCPU, not all"),
    ParameterSpec(
      "smt_power_savings", .boolean, default: .boolean(false),
      "sched_smt_power_savings: consolidate work on busy cores rather than spread it"),
    ParameterSpec(
      "debit", .choice(of: CreditDebit.self), default: .choice(CreditDebit.accurate.rawValue),
      "accurate: charge exact run time (Xen since 2010); tick: the vCPU running at each tick pays a whole tick"),
  ]
}

/// How credit1 charges run time (the `debit` tunable).
public enum CreditDebit: String, ParameterOption {
  /// The exact run time (Xen since 2010).
  case accurate
  /// The vCPU running at each tick pays a whole tick (Xen before 2010).
  case tick
}
