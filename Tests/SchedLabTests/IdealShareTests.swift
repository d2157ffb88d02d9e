import SchedLabCore
import SchedLabPolicies
import SchedLabScenario
import Testing

@testable import SchedLabEvaluation

/// The oracle against hand-solved cases.
@Suite struct IdealShareTests {
  let all2 = CPUMask.first(2)

  func entity(_ d: Int, _ demand: Double, _ weight: Double, _ mask: CPUMask) -> IdealShare.Entity {
    IdealShare.Entity(domain: d, demand: demand, weight: weight, affinity: mask)
  }

  @Test func seedExampleGives42_40_78_40() {
    let x = IdealShare.solve(
      pcpus: 2,
      entities: [
        entity(0, 0.5, 35, all2), entity(1, 0.4, 35, all2), entity(2, 0.9, 65, all2), entity(3, 0.4, 65, all2),
      ], caps: [nil, nil, nil, nil])
    for (got, want) in zip(x, [0.42, 0.40, 0.78, 0.40]) { #expect(abs(got - want) < 1e-6) }
  }

  /// Found by `schedlab search` (credit2, draw 11289): on 3 pCPUs, two burners pinned to pCPU 2
  /// (weights 128 and 256) and a two-vCPU burner domain free to run anywhere. The pinned pair shares
  /// pCPU 2 by weight (1/3, 2/3); nothing stops the free domain's vCPUs from having pCPUs 0 and 1
  /// whole: 1 each. The oracle used to stop them at the pinned pair's level (2/3 each), leaving a
  /// pCPU's worth unallocated.
  @Test func aConstraintOnSomePCPUsDoesNotHoldBackTheOthers() {
    let pinned = CPUMask([PCPUID(2)])
    let all3 = CPUMask.first(3)
    let x = IdealShare.solve(
      pcpus: 3,
      entities: [
        entity(0, 1, 128, pinned), entity(1, 1, 256, all3), entity(1, 1, 256, all3), entity(2, 1, 256, pinned),
      ],
      caps: [nil, nil, nil])
    for (got, want) in zip(x, [1.0 / 3, 1, 1, 2.0 / 3]) { #expect(abs(got - want) < 1e-6, "\(x)") }
  }

  /// Over 400 seeded random instances (1-4 pCPUs, 2-6 vCPUs, random demands, weights, affinities and
  /// caps), the oracle's allocation is feasible and Pareto-optimal: no vCPU short of its demand can be
  /// given 0.001 more without taking from another (checked by the max-flow feasibility test, not by
  /// the solver's own freezing logic, which is what went wrong above).
  @Test func randomInstancesArePareto() {
    var rng = Xoshiro256(seed: 42, key: 1)
    for _ in 0..<400 {
      let pcpus = 1 + Int(rng.below(4))
      let n = 2 + Int(rng.below(5))
      let domains = 1 + Int(rng.below(Int64(n)))
      var entities: [IdealShare.Entity] = []
      for i in 0..<n {
        var mask = CPUMask()
        for p in 0..<pcpus where rng.below(3) > 0 { mask.insert(PCPUID(p)) }
        if mask.isEmpty { mask.insert(PCPUID(Int(rng.below(Int64(pcpus))))) }
        let demand = [0.1, 0.3, 0.5, 0.8, 1.0][Int(rng.below(5))]
        entities.append(entity(i % domains, demand, [128, 256, 512][Int(rng.below(3))], mask))
      }
      let caps: [Double?] = (0..<domains).map { _ in rng.below(4) == 0 ? 0.25 * Double(1 + rng.below(4)) : nil }
      let x = IdealShare.solve(pcpus: pcpus, entities: entities, caps: caps)
      let check = Feasibility(pcpus: pcpus, entities: entities, caps: caps, unrestricted: false)
      #expect(check.feasible(x.map { $0 * (1 - 1e-9) }), "infeasible: \(x)")
      for i in entities.indices where x[i] < entities[i].demand - 1e-6 {
        var more = x
        more[i] += 1e-3
        #expect(!check.feasible(more), "vCPU \(i) could have more: \(x) for \(entities) caps \(caps)")
      }
    }
  }

  @Test func underloadedHostGivesEveryoneTheirDemand() {
    let x = IdealShare.solve(
      pcpus: 2, entities: [entity(0, 0.3, 1, all2), entity(1, 0.5, 1000, all2)], caps: [nil, nil])
    #expect(abs(x[0] - 0.3) < 1e-9 && abs(x[1] - 0.5) < 1e-9)
  }

  @Test func noVCPUAboveOnePCPU() {
    // One heavy single-vCPU domain and one light one on 4 pCPUs: both burn, neither can exceed 1.
    let all4 = CPUMask.first(4)
    let x = IdealShare.solve(pcpus: 4, entities: [entity(0, 1, 1000, all4), entity(1, 1, 1, all4)], caps: [nil, nil])
    #expect(abs(x[0] - 1) < 1e-9 && abs(x[1] - 1) < 1e-9)
  }

  @Test func capsAreRespectedAndTheRestRedistributed() {
    // Three burners on 2 pCPUs, equal weights; the first capped at 30%: 0.3, then 0.85 and 0.85.
    let x = IdealShare.solve(
      pcpus: 2, entities: [entity(0, 1, 1, all2), entity(1, 1, 1, all2), entity(2, 1, 1, all2)],
      caps: [0.3, nil, nil])
    #expect(abs(x[0] - 0.3) < 1e-6)
    #expect(abs(x[1] - 0.85) < 1e-6 && abs(x[2] - 0.85) < 1e-6)
  }

  @Test func capSpansTheDomainsVCPUs() {
    // A 2-vCPU domain capped at 50% beside one burner on 2 pCPUs: 0.25 + 0.25, and 1.0.
    let x = IdealShare.solve(
      pcpus: 2, entities: [entity(0, 1, 1, all2), entity(0, 1, 1, all2), entity(1, 1, 1, all2)], caps: [0.5, nil])
    #expect(abs(x[0] - 0.25) < 1e-6 && abs(x[1] - 0.25) < 1e-6 && abs(x[2] - 1) < 1e-6)
  }

  @Test func affinityConfinesPinnedVCPUs() {
    // A (w 2) and B (w 1) pinned to pCPU 0, C free, 2 pCPUs: A 2/3, B 1/3, C gets pCPU 1 whole.
    let cpu0 = CPUMask([PCPUID(0)])
    let x = IdealShare.solve(
      pcpus: 2, entities: [entity(0, 1, 2, cpu0), entity(1, 1, 1, cpu0), entity(2, 1, 1, all2)],
      caps: [nil, nil, nil])
    #expect(abs(x[0] - 2.0 / 3) < 1e-6 && abs(x[1] - 1.0 / 3) < 1e-6 && abs(x[2] - 1) < 1e-6)
  }

  @Test func affinityAndWeightsInteractThroughSharedPCPUs() {
    // 3 pCPUs. A, B pinned to {0,1}; C, D free; all burners, equal weights. Fair level 3/4 each is
    // feasible (A+B = 1.5 ≤ 2 pCPUs), so everyone gets 0.75.
    let all3 = CPUMask.first(3)
    let two = CPUMask.first(2)
    let x = IdealShare.solve(
      pcpus: 3, entities: [entity(0, 1, 1, two), entity(1, 1, 1, two), entity(2, 1, 1, all3), entity(3, 1, 1, all3)],
      caps: [nil, nil, nil, nil])
    for v in x { #expect(abs(v - 0.75) < 1e-6) }
    // Now pin three to pCPU 0 and leave one free on 2 pCPUs: 1/3 each, the free one gets 1.
    let cpu0 = CPUMask([PCPUID(0)])
    let y = IdealShare.solve(
      pcpus: 2, entities: [entity(0, 1, 1, cpu0), entity(1, 1, 1, cpu0), entity(2, 1, 1, cpu0), entity(3, 1, 1, all2)],
      caps: [nil, nil, nil, nil])
    for v in y.prefix(3) { #expect(abs(v - 1.0 / 3) < 1e-6) }
    #expect(abs(y[3] - 1) < 1e-6)
  }

  @Test func weightSemanticsFollowThePolicy() throws {
    // A 2-vCPU domain and a 1-vCPU domain, equal weight, burners, on 1 pCPU.
    let text = """
      host: {cores: 1}
      scheduler: credit2
      duration: 1s
      domains:
        - {name: two, vcpus: 2, demand: 200%, workloads: [{type: burner}]}
        - {name: one, demand: 100%, workloads: [{type: burner}]}
      """
    let scenario = try ScenarioLoader.parse(text, path: "inline.yaml")
    let demands = try Runner.measureDemands(scenario, scheduler: "credit2")
    let perVCPU = try Runner.idealShares(scenario, demands: demands, policy: PolicyRegistry.lookup("credit2")!)
    let equal = try Runner.idealShares(scenario, demands: demands, policy: PolicyRegistry.lookup("rr")!)
    #expect(abs(perVCPU[0] - 2.0 / 3) < 1e-6 && abs(perVCPU[1] - 1.0 / 3) < 1e-6)
    #expect(abs(equal[0] - 2.0 / 3) < 1e-6 && abs(equal[1] - 1.0 / 3) < 1e-6)
  }

  /// Guarantees served first, then the rest shared (`additive`, RTDS): the reservation example of
  /// property 2 (latency-boost.md §6), one 3 ms / 10 ms reservation without extra time and three
  /// best-effort VMs weighted 2:7:3 on one pCPU: 30 / 11.67 / 40.83 / 17.5 %, by hand (the 70 % left
  /// split 2:7:3).
  @Test func aReservationIsServedFirstAndTheRestSharedByWeight() {
    let all = CPUMask.first(1)
    let x = IdealShare.solve(
      pcpus: 1,
      entities: [
        IdealShare.Entity(domain: 0, demand: 1, weight: 0, affinity: all, reserve: 0.3),
        IdealShare.Entity(domain: 1, demand: 1, weight: 2, affinity: all),
        IdealShare.Entity(domain: 2, demand: 1, weight: 7, affinity: all),
        IdealShare.Entity(domain: 3, demand: 1, weight: 3, affinity: all),
      ], caps: [nil, nil, nil, nil], semantics: .additive)
    let expected = [0.3, 0.7 * 2 / 12, 0.7 * 7 / 12, 0.7 * 3 / 12]
    for i in 0..<4 { #expect(abs(x[i] - expected[i]) < 1e-9, "\(x)") }
    // A reserved vCPU that also shares the rest (extratime) gets its reservation plus a share, and
    // one that wants less than its reservation gets what it wants, the rest going to the others.
    let y = IdealShare.solve(
      pcpus: 1,
      entities: [
        IdealShare.Entity(domain: 0, demand: 1, weight: 1, affinity: all, reserve: 0.4),
        IdealShare.Entity(domain: 1, demand: 0.1, weight: 1, affinity: all, reserve: 0.3),
        IdealShare.Entity(domain: 2, demand: 1, weight: 1, affinity: all),
      ], caps: [nil, nil, nil], semantics: .additive)
    #expect(abs(y[0] - 0.65) < 1e-9 && abs(y[1] - 0.1) < 1e-9 && abs(y[2] - 0.25) < 1e-9, "\(y)")
  }

  /// Guarantees as a floor (credit-bcs): a vCPU gets the larger of its reservation and its weighted
  /// share. Two burners of equal weight on one pCPU: a 30 % reservation does not bind (0.5 each); a
  /// 70 % one does (0.7 / 0.3). Reservations over the host are scaled down together.
  @Test func aReservationIsAFloorUnderTheWeightedShare() {
    let all = CPUMask.first(1)
    func solve(_ reserve: Double, _ other: Double = 0) -> [Double] {
      IdealShare.solve(
        pcpus: 1,
        entities: [
          IdealShare.Entity(domain: 0, demand: 1, weight: 256, affinity: all, reserve: reserve),
          IdealShare.Entity(domain: 1, demand: 1, weight: 256, affinity: all, reserve: other),
        ], caps: [nil, nil], semantics: .floor)
    }
    #expect(solve(0.3).map { ($0 * 1e9).rounded() / 1e9 } == [0.5, 0.5])
    #expect(solve(0.7).map { ($0 * 1e9).rounded() / 1e9 } == [0.7, 0.3])
    let over = solve(0.9, 0.6)
    #expect(abs(over[0] - 0.6) < 1e-6 && abs(over[1] - 0.4) < 1e-6, "\(over)")
  }

  /// Credit1's weights count once per active vCPU (`csched_acct` sums weight × active units), so a
  /// 1-vCPU and a 4-vCPU burner domain of equal weight on 2 pCPUs are owed 0.4 and 1.6, and that is
  /// what SchedLab's credit1 gives them. The oracle used to split the weight over the domain's vCPUs
  /// (1.0 / 1.0) and report a ±0.6 unfairness that is not there.
  @Test func credit1WeightsCountPerActiveVCPU() throws {
    let text = """
      host: {cores: 2}
      scheduler: credit
      duration: 6s
      warmup: 1s
      domains:
        - {name: one, workloads: [{type: burner}]}
        - {name: four, vcpus: 4, workloads: [{type: burner}]}
      """
    let scenario = try ScenarioLoader.parse(text, path: "inline.yaml")
    let e = try Runner.evaluate(scenario)
    let ideal = try #require(e.ideal)
    #expect(e.policy.weights == .perActiveVCPU)
    #expect(abs(ideal[0] - 0.4) < 1e-6 && abs(ideal[1] - 1.6) < 1e-6)
    #expect(abs(e.result.domains[0].share - 0.4) < 0.02 && abs(e.result.domains[1].share - 1.6) < 0.02)
  }

  @Test func seedExampleScenarioEndToEnd() throws {
    let scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/seed-example.yaml")
    let e = try Runner.evaluate(scenario)
    let ideal = try #require(e.ideal)
    for (d, want) in [0.42, 0.40, 0.78, 0.40].enumerated() {
      #expect(abs(ideal[d] - want) < 0.005, "ideal of \(e.result.domains[d].name)")
      #expect(abs(e.result.domains[d].share - want) < 0.03, "credit2 share of \(e.result.domains[d].name)")
    }
    #expect(e.demands!.allSatisfy { $0.source == .measured })
  }
}

/// The package root, from this file's location.
let packageRoot: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)  // Tests/SchedLabTests/File.swift
  return parts.joined(separator: "/")
}()
