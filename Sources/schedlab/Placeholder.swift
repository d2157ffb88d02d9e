import SchedLabCore
import SchedLabPolicies

func demand(_ f: Double) -> WorkloadSpec { WorkloadSpec(name: "w", kind: .demand(fraction: f, burstNs: Nanos.ms(2))) }
let cfg = SimulationConfig(
  topology: HostTopology(sockets: 1, coresPerSocket: 2, threadsPerCore: 1),
  domains: [
    DomainConfig(name: "a", weight: 35, workloads: [demand(0.5)]),
    DomainConfig(name: "b", weight: 35, workloads: [demand(0.4)]),
    DomainConfig(name: "c", weight: 65, workloads: [demand(0.9)]),
    DomainConfig(name: "d", weight: 65, workloads: [demand(0.4)]),
  ], durationNs: Nanos.s(20), warmupNs: Nanos.s(2), seed: 1)
for name in ["credit2", "rr"] {
  let engine = Engine(config: cfg, policy: try! PolicyRegistry.lookup(name)!.instantiate())
  let r = engine.run()
  print(name, r.domains.map { "\($0.name) \($0.share) p99=\($0.wakeLatency.p99Ns)" }, r.host.events, r.counters)
}
