import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario
import SchedLabTestSupport
import Testing

/// Xen's null scheduler: static assignment, a wait queue for the rest, no time slices.
@Suite struct NullTests {
  func evaluate(_ yaml: String) throws -> Evaluation {
    try Runner.evaluate(try ScenarioLoader.parse(yaml, path: "null.yaml"), scheduler: "null")
  }

  /// Two burners and an audio VM on 2 pCPUs, by hand: insertion assigns the first burner to pCPU 0
  /// and the audio VM to pCPU 1 (the first free one); the second burner finds no free pCPU and waits
  /// for good. The audio VM's pCPU idles 96% of the time beside the waiting burner; the audio VM gets
  /// its demand, dispatched at once on every wake-up.
  @Test func theThirdVCPUWaitsForeverBesideAnIdlePCPU() throws {
    let e = try evaluate(
      """
      host: {sockets: 1, cores: 2, threads: 1}
      scheduler: null
      duration: 2s
      warmup: 200ms
      domains:
        - {name: a, workloads: [{type: burner}]}
        - {name: b, workloads: [{type: audio}]}
        - {name: c, workloads: [{type: burner}]}
      """)
    let shares = e.result.domains.map(\.share)
    #expect(abs(shares[0] - 1) < 1e-9 && shares[2] == 0, "\(shares)")
    #expect(abs(shares[1] - e.demands![1].total) < 0.002, "the audio VM gets its demand")
    #expect(e.result.domains[1].wakeLatency.p99Ns == 0)
    #expect(e.result.counters.contains { $0.name == "null_waiting" && $0.value == 1 })
    #expect(e.result.host.migrationsPerS == 0)
  }

  /// As many vCPUs as pCPUs, one pinned: each runs alone on its own pCPU, the pinned one where its
  /// affinity says, the others on the remaining free ones; each gets its demand with no wait at all.
  @Test func withAPCPUEachEveryVCPUGetsItsDemandAtOnce() throws {
    let e = try evaluate(
      """
      host: {sockets: 1, cores: 3, threads: 1}
      scheduler: null
      duration: 2s
      warmup: 200ms
      domains:
        - {name: pinned, affinity: 2, workloads: [{type: demand, fraction: 50%}]}
        - {name: hog, workloads: [{type: burner}]}
        - {name: web, workloads: [{type: server, rate: 2000, service: 100us}]}
      """)
    for (d, domain) in e.result.domains.enumerated() {
      #expect(abs(domain.share - e.demands![d].total) < 0.01, "\(domain.name)")
      #expect(domain.wakeLatency.maxNs == 0, "\(domain.name) never waits for its pCPU")
    }
    #expect(e.result.host.migrationsPerS == 0)
  }

  /// Over 20 seeded random scenarios (hosts, affinities, caps, workload mixes): time is conserved per
  /// pCPU to the nanosecond, no vCPU runs on two pCPUs, and a vCPU only ever runs on one pCPU.
  @Test func randomScenariosKeepTheEngineInvariants() {
    for seed in UInt64(1)...20 {
      let config = RandomScenario.make(seed: seed)
      // Waiting beside an idle pCPU is what null does; only the other invariants are checked.
      let checker = InvariantChecker(graceNs: .max / 2)
      let r = Build.run(config, NullScheduler(), listener: checker)
      #expect(checker.violations.isEmpty, "seed \(seed): \(checker.violations.prefix(3))")
      checker.finish(at: config.durationNs)
      for p in 0..<r.host.pcpus {
        #expect(checker.busyNs[p] + r.host.pcpuIdleNs[p] == r.measuredNs, "seed \(seed) pCPU\(p)")
      }
      #expect(r.host.migrationsPerS == 0, "seed \(seed)")
    }
  }
}
