/// Everything the engine needs to build a host, its domains and their guests. The scenario layer
/// produces it from a file; tests build it directly.
public struct DomainConfig: Hashable, Sendable {
  public var name: String
  /// Xen weight, 1...65535 (default 256).
  public var weight: Int
  /// Cap in percent of one pCPU; 0 means no cap.
  public var capPercent: Int
  public var vcpus: Int
  /// Hard affinity (pinning) for every vCPU of the domain; nil means all pCPUs.
  public var hardAffinity: CPUMask?
  /// Whether this domain is the control domain (dom0): privileged control calls.
  public var isControl: Bool
  public var workloads: [WorkloadSpec]
  /// Where requests that reach this domain as a backend go on (nil: it is the last hop).
  public var backend: BackendHop?

  public init(
    name: String, weight: Int = 256, capPercent: Int = 0, vcpus: Int = 1, hardAffinity: CPUMask? = nil,
    isControl: Bool = false, workloads: [WorkloadSpec] = [], backend: BackendHop? = nil
  ) {
    self.backend = backend
    self.name = name
    self.weight = weight
    self.capPercent = capPercent
    self.vcpus = vcpus
    self.hardAffinity = hardAffinity
    self.isControl = isControl
    self.workloads = workloads
  }
}

/// Engine-level settings of one run.
public struct SimulationConfig: Hashable, Sendable {
  public var topology: HostTopology
  public var domains: [DomainConfig]
  public var durationNs: Int64
  /// Metrics are reset at the end of the warm-up; the first `warmupNs` are simulated, not measured.
  public var warmupNs: Int64
  public var seed: UInt64
  /// The host's costs (context switch, migration, wake-up IPI, SMT contention); ideal by default.
  public var hostModel: HostModel
  /// Window for per-window share statistics.
  public var windowNs: Int64
  /// Guest round-robin tick between normal tasks.
  public var guestTickNs: Int64
  /// Shuffle same-time events pseudo-randomly (seeded) instead of insertion order.
  public var tieShuffle: Bool
  /// The engine stops a run that has processed this many events (see ``Engine/exceededMaxEvents``):
  /// the backstop behind the estimate that callers check before running (``EventEstimate``).
  public var maxEvents: Int64 = .max
  /// Measure work conservation (each vCPU's longest wait while an allowed pCPU idled: `idle_wait`).
  public var trackIdleWait = false

  public init(
    topology: HostTopology, domains: [DomainConfig], durationNs: Int64, warmupNs: Int64 = 0, seed: UInt64 = 1,
    hostModel: HostModel = .ideal, windowNs: Int64 = Nanos.s(1), guestTickNs: Int64 = Nanos.ms(4),
    tieShuffle: Bool = false
  ) {
    self.topology = topology
    self.domains = domains
    self.durationNs = durationNs
    self.warmupNs = warmupNs
    self.seed = seed
    self.hostModel = hostModel
    self.windowNs = windowNs
    self.guestTickNs = guestTickNs
    self.tieShuffle = tieShuffle
  }

  public var totalVCPUs: Int { domains.reduce(0) { $0 + $1.vcpus } }
}
