/// What the host's hardware costs the guests: context switches, migrations, wake-up IPIs and busy
/// SMT siblings. Two presets: ``ideal`` (every cost zero, siblings at full speed: what George's
/// 2009 example assumes, and SchedLab's default) and ``realistic`` (defaults below, each with its
/// basis). Reports always name the model that ran.
///
/// How each cost acts in the engine:
/// - A **context switch** between two different vCPUs (or from idle to a vCPU) stalls the incoming
///   vCPU's guest for `contextSwitchNs`: it holds the pCPU (and is charged for it by the policy,
///   as Xen charges `context_switch()` time to the unit being switched in) but makes no progress.
/// - A **migration** (dispatch on a core other than the one the vCPU last ran on) stalls it for a
///   cache refill: `migrationNs` within a socket, `crossSocketMigrationNs` across sockets. SMT
///   siblings share their core's caches: moving between them costs nothing.
/// - A **wake-up IPI**: a tickle of a pCPU other than the one whose softirq is running (Xen's
///   `cpumask_raise_softirq` to a remote CPU) takes effect `wakeIPINs` later. Raising the softirq
///   on the pCPU that is already scheduling is immediate, as in Xen.
/// - **SMT contention**: while any sibling thread of its core is busy, a vCPU's guest progresses at
///   `smtSpeedPermille` / 1000 of full speed. Xen's credit2 charges the full wall time anyway (its
///   TODO "discount time run on a thread with busy siblings" was never done), so SMT contention
///   shows as lost work, not lost credit.
public struct HostModel: Hashable, Sendable, CustomStringConvertible {
  /// `ideal`, `realistic`, or `custom` when parameters were changed.
  public var name: String
  public var contextSwitchNs: Int64
  public var migrationNs: Int64
  public var crossSocketMigrationNs: Int64
  public var wakeIPINs: Int64
  /// Speed of a thread whose SMT sibling is busy, per mille of full speed (1000: no contention).
  public var smtSpeedPermille: Int64

  public init(
    name: String, contextSwitchNs: Int64 = 0, migrationNs: Int64 = 0, crossSocketMigrationNs: Int64 = 0,
    wakeIPINs: Int64 = 0, smtSpeedPermille: Int64 = 1000
  ) {
    precondition(contextSwitchNs >= 0 && migrationNs >= 0 && crossSocketMigrationNs >= 0 && wakeIPINs >= 0)
    precondition((1...1000).contains(smtSpeedPermille))
    self.name = name
    self.contextSwitchNs = contextSwitchNs
    self.migrationNs = migrationNs
    self.crossSocketMigrationNs = crossSocketMigrationNs
    self.wakeIPINs = wakeIPINs
    self.smtSpeedPermille = smtSpeedPermille
  }

  /// No costs and full-speed siblings: the idealised host of the 2009 example.
  public static let ideal = HostModel(name: "ideal")

  /// Sourced defaults for a current x86 server (order-of-magnitude figures: measure your own host
  /// and override them in the scenario's `host:`).
  /// - `context_switch` 3 us: Xen's vCPU switch saves and restores registers, FPU state and MSRs
  ///   and loads another VMCS (about 1 us), and on CPUs that need it issues an IBPB barrier when
  ///   switching between domains (a few thousand cycles). Li, Ding and Shen (ExpCS 2007) measured
  ///   3.8 us for a direct process switch on hardware of that time.
  /// - `migration` 50 us: Xen's own estimate of an L2 refill, credit2's
  ///   `CSCHED2_MIGRATE_COMPENSATION` ("how much to compensate a unit for L2 migration").
  /// - `cross_socket_migration` 100 us: across sockets no cache level is shared, so the working
  ///   set comes from the other socket's cache or memory; taken as twice the L2 refill.
  /// - `wake_ipi` 2 us: an IPI is about 1-3 us from the sender's APIC write to the handler on the
  ///   target on current x86 (the figure TLB-shootdown costs are reckoned with).
  /// - `smt_speed` 65%: Intel reported up to 30% more throughput from two Hyper-Threads of a core
  ///   than from one (Marr et al., Intel Technology Journal 6(1), 2002), i.e. each of two busy
  ///   siblings runs at about 0.65 of a lone thread.
  public static let realistic = HostModel(
    name: "realistic", contextSwitchNs: 3_000, migrationNs: 50_000, crossSocketMigrationNs: 100_000,
    wakeIPINs: 2_000, smtSpeedPermille: 650)

  /// The named presets.
  public static let presets: [HostModel] = [.ideal, .realistic]

  /// A preset by name, or nil.
  public static func named(_ name: String) -> HostModel? { presets.first { $0.name == name } }

  /// Whether every cost is zero and siblings run at full speed.
  public var isIdeal: Bool {
    contextSwitchNs == 0 && migrationNs == 0 && crossSocketMigrationNs == 0 && wakeIPINs == 0
      && smtSpeedPermille == 1000
  }

  /// One line for reports: the name and every cost.
  public var description: String {
    "\(name) (context switch \(Nanos.format(contextSwitchNs)), migration \(Nanos.format(migrationNs)) / "
      + "\(Nanos.format(crossSocketMigrationNs)) across sockets, wake IPI \(Nanos.format(wakeIPINs)), "
      + "SMT sibling speed \(smtSpeedPermille / 10)%)"
  }
}
