import SchedLabCore

/// credit2 with boost credit: credit2 extended by ``BoostCredit`` (the design and its numbered
/// interpretations are at the top of `BoostCredit.swift`).
typealias Credit2Boost = Credit2Scheduler<BoostCredit>

/// The guest's side and the control interface: what credit2-boost adds to credit2's ops.
extension Credit2Scheduler: GuestAwarePolicy, ControllablePolicy where Ext == BoostCredit {
  func guestNotification(_ note: GuestNotification, vcpu: VCPUID, now: Int64) {
    ext.handleNotification(note, vcpu: vcpu, now: now)
  }

  func control(_ call: ControlCall, now: Int64) -> ControlOutcome {
    ext.handleControl(call, now: now)
  }

  /// The default reading: boosted time is charged to normal credit too (boost reorders, never adds
  /// CPU) and the ratelimit-protected rest of a run a boost began is paid from the bucket.
  static var boostDescriptor: PolicyDescriptor {
    descriptor(
      name: "credit2-boost", charge: "overtake", runRatelimit: "bucket",
      summary:
        "credit2 with budgeted boost on interrupts, masked preemption and dont_desched; boost reorders, never adds CPU")
  }

  /// The proposal read as written: the bucket is carved out of each assignment, boosted time burns
  /// only it, and a run a boost began keeps its ratelimit for free. Kept so that its failures
  /// (boosting VMs above their fair share, starved schedbench workers) stay demonstrable.
  static var proposalDescriptor: PolicyDescriptor {
    descriptor(
      name: "credit2-boost-proposal", charge: "split", runRatelimit: "credit",
      summary: "credit2-boost read literally (split buckets, free ratelimit after a boost): boost adds CPU")
  }

  static func descriptor(name: String, charge: String, runRatelimit: String, summary: String) -> PolicyDescriptor {
    let specs = (Credit2Tunables.specs + BoostCredit.boostSpecs).map { spec in
      var spec = spec
      if spec.name == "boost_charge" { spec.defaultValue = .choice(charge) }
      if spec.name == "boosted_run_ratelimit" { spec.defaultValue = .choice(runRatelimit) }
      return spec
    }
    return PolicyDescriptor(
      name: name, summary: summary, weights: .perVCPU, parameters: specs, controlOps: BoostCredit.controlOps,
      domainParameters: BoostDomainParameters.specs, make: { Credit2Boost(configuration: $0, name: name) })
  }

  convenience init(configuration: PolicyConfiguration, name: String) {
    self.init(parameters: configuration.tunables, name: name, extension: BoostCredit(configuration))
  }

  /// Every domain with the tunables' boost parameters.
  convenience init(parameters: ParameterSet, name: String) {
    let specs = BoostDomainParameters.specs
    self.init(
      configuration: PolicyConfiguration(tunables: parameters, domainSpecs: specs, domains: []).inheriting(), name: name
    )
  }

  convenience init() {
    self.init(parameters: try! ParameterSet(specs: Self.boostDescriptor.parameters), name: "credit2-boost")
  }
}
