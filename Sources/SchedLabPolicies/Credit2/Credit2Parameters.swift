import SchedLabCore

/// Which pCPUs share a runqueue (Xen's `credit2_runqueue`).
public enum RunqueueArrangement: String, ParameterOption {
  case cpu, core, socket, node, all
}

extension Credit2Scheduler {
  static var parameterSpecs: [ParameterSpec] { Credit2Tunables.specs }
}

enum Credit2Tunables {
  /// Tunables, named as Xen's boot options and sysctls, with Xen's defaults.
  static let specs: [ParameterSpec] = [
    ParameterSpec(
      "ratelimit_us", .integer(0...500_000), default: .integer(1000),
      "sched_ratelimit_us: minimum run before a unit can be preempted (0 = off)", rule: ratelimitRule),
    ParameterSpec(
      "runqueue", .choice(of: RunqueueArrangement.self), default: .choice(RunqueueArrangement.socket.rawValue),
      "credit2_runqueue: which pCPUs share a runqueue"),
    ParameterSpec(
      "max_cpus_runqueue", .integer(1...256), default: .integer(16),
      "sched_credit2_max_cpus_runqueue: most pCPUs in one runqueue"),
    ParameterSpec(
      "migrate_resist_us", .integer(0...100_000), default: .integer(500),
      "sched_credit2_migrate_resist: credit margin needed to pull or tickle across pCPUs, in us"),
    ParameterSpec(
      "cap_period_ms", .integer(1...10_000), default: .integer(10),
      "credit2_cap_period_ms: cap budget replenishment period"),
    ParameterSpec(
      "load_window_shift", .integer(11...40), default: .integer(30),
      "credit2_load_window_shift: load EWMA window is 2^shift ns"),
    ParameterSpec(
      "load_precision_shift", .integer(4...30), default: .integer(18),
      "credit2_load_precision_shift: fraction bits of load values"),
    ParameterSpec(
      "balance_under", .integer(-10...10), default: .integer(0),
      "credit2_balance_under: balance threshold exponent when under capacity"),
    ParameterSpec(
      "balance_over", .integer(-10...10), default: .integer(-3),
      "credit2_balance_over: balance threshold exponent when over capacity"),
    ParameterSpec(
      "smt_power_savings", .boolean, default: .boolean(false),
      "sched_smt_power_savings: prefer busy cores' idle threads over fully idle cores"),
    ParameterSpec(
      "inflight_credit", .boolean, default: .boolean(true),
      "Xen >= 4.21 slice rule (the preempted unit's credit counts as a waiter); false for <= 4.20"),
  ]
}
