public import SchedLabCore

/// Seeded random scenarios for property tests: random host, domains, weights, caps, affinity and
/// workload mixes. The same seed always gives the same scenario.
public enum RandomScenario {
  /// With `backends`, some domains also get a backend of their own (always a later domain, so chains
  /// end) and a workload that sends its requests through one: request/response, a stream, an HVM
  /// guest's I/O, or vchan audio. The draws come after the others, so a seed's scenario without
  /// them is unchanged.
  public static func make(seed: UInt64, seconds: Double = 0.3, backends: Bool = false) -> SimulationConfig {
    var rng = Xoshiro256(seed: seed, key: 99)
    func pick(_ n: Int) -> Int { Int(rng.below(Int64(n))) }
    let topology = HostTopology(sockets: 1 + pick(2), coresPerSocket: 1 + pick(4), threadsPerCore: 1 + pick(2))
    let pcpus = topology.pcpuCount
    var domains: [DomainConfig] = []
    for d in 0..<(1 + pick(6)) {
      let vcpus = 1 + pick(3)
      var workloads: [WorkloadSpec] = []
      for w in 0..<(1 + pick(2)) {
        let kind: WorkloadKind
        switch pick(6) {
        case 0: kind = .burner
        case 1: kind = .demand(fraction: 0.1 + 0.8 * rng.unitDouble(), burstNs: Nanos.us(200 + rng.below(3000)))
        case 2:
          let period = Nanos.us(2000 + rng.below(20_000))
          kind = .periodic(periodNs: period, serviceNs: period / (2 + rng.below(10)), deadlineNs: period)
        case 3:
          kind = .server(
            arrival: .poisson(meanGap: Nanos.us(300 + rng.below(3000))),
            service: .exponential(mean: Nanos.us(50 + rng.below(400))),
            irqCostNs: Nanos.us(rng.below(10)))
        case 4:
          kind = .phases([.run(Nanos.us(100 + rng.below(5000))), .block(Nanos.us(100 + rng.below(5000))), .yield])
        default:
          kind = .interrupts(
            arrival: .poisson(meanGap: Nanos.us(200 + rng.below(2000))), handlerNs: Nanos.us(1 + rng.below(50)))
        }
        workloads.append(WorkloadSpec(name: "w\(w)", kind: kind, realtime: pick(3) == 0))
      }
      var affinity: CPUMask?
      if pick(3) == 0 {
        var mask = CPUMask()
        for p in 0..<pcpus where pick(2) == 0 { mask.insert(PCPUID(p)) }
        if mask.isEmpty { mask.insert(PCPUID(pick(pcpus))) }
        affinity = mask
      }
      let cap = pick(4) == 0 ? 10 + pick(90 * vcpus) : 0
      domains.append(
        DomainConfig(
          name: "d\(d)", weight: [64, 128, 256, 512, 1024][pick(5)], capPercent: cap, vcpus: vcpus,
          hardAffinity: affinity, workloads: workloads))
    }
    let hostModel = [.ideal, HostModel(name: "custom", contextSwitchNs: Nanos.us(rng.below(5))), .realistic][pick(3)]
    if backends && domains.count > 1 {
      func ref(to e: Int) -> BackendRef { BackendRef(domain: e, vcpu: pick(domains[e].vcpus)) }
      for d in 0..<(domains.count - 1) where pick(3) == 0 {
        let e = d + 1 + pick(domains.count - d - 1)
        domains[d].backend = BackendHop(ref: ref(to: e), hopNs: Nanos.us(5 + rng.below(100)))
      }
      for d in domains.indices where pick(2) == 0 {
        var e = pick(domains.count - 1)
        if e >= d { e += 1 }
        let hop = Nanos.us(5 + rng.below(100))
        var spec = WorkloadSpec(name: "io", kind: .burner)
        switch pick(4) {
        case 0:
          spec.kind = .netRR(
            arrival: .poisson(meanGap: Nanos.us(500 + rng.below(5000))), hopNs: hop,
            service: .exponential(mean: Nanos.us(20 + rng.below(300))), backend: ref(to: e))
        case 1: spec.kind = .netStream(hopNs: hop, processNs: Nanos.us(50 + rng.below(500)), backend: ref(to: e))
        case 2:
          let burn = Nanos.us(100 + rng.below(3000))
          spec.kind = .script(
            perVCPU: true,
            threads: [ScriptThread(name: "hvm", blocks: [ScriptBlock(steps: [.run(lo: burn, hi: burn), .io])])])
          spec.backend = ref(to: e)
          spec.backendNs = hop
        default:
          let period = Nanos.us(2000 + rng.below(10_000))
          spec.kind = .audioPipeline(
            AudioPipeline(
              periodNs: period, renderNs: period / 20, hopNs: hop, mixNs: period / 10, deadlineNs: period,
              backend: ref(to: e)))
          spec.realtime = true
        }
        domains[d].workloads.append(spec)
      }
    }
    return SimulationConfig(
      topology: topology, domains: domains, durationNs: Int64(seconds * 1e9), warmupNs: 0, seed: seed,
      hostModel: hostModel)
  }
}
