public import SchedLabCore
public import SchedLabPolicies

/// The ideal scheduler of the 2009 seed, as an oracle: weighted max-min fairness ("water-filling").
///
/// Every vCPU gets its demand or its weighted share of what is left, whichever is less, raised
/// together until each is either satisfied or blocked by a limit: no vCPU above one pCPU (demands are
/// per vCPU, at most 1), a domain's cap, and hard affinity (the vCPUs pinned to a set of pCPUs can
/// use at most that many pCPUs between them, checked exactly as a bipartite max-flow). This is
/// progressive filling: find the largest level λ at which every unfrozen vCPU can have
/// min(demand, weight·λ), freeze the vCPUs that cannot grow beyond it, repeat.
///
/// Weights follow the policy being judged (``WeightSemantics``): credit2 gives each vCPU its domain's
/// weight; credit1 divides a domain's weight among its vCPUs that want CPU; rr ignores weights.
///
/// Policies with guarantees (RTDS's budget/period, credit-bcs's reservation) are judged by the
/// guaranteed minimum first: each vCPU starts at min(demand, guarantee), then the rest is shared as
/// above — on top of the guarantee for RTDS (budgets are served at level 0, extra time after, and
/// only among extratime units), or as a floor under the weighted share for credit-bcs (reserved
/// time is charged to credit like any other). See ``GuaranteeSemantics``.
public enum IdealShare {
  public struct Entity: Hashable, Sendable {
    public var domain: Int
    /// What the vCPU would use alone, as a fraction of one pCPU (0...1).
    public var demand: Double
    public var weight: Double
    public var affinity: CPUMask
    /// A guaranteed minimum, as a fraction of one pCPU (0: none). A vCPU with weight 0 gets its
    /// guarantee and nothing more.
    public var reserve: Double

    public init(domain: Int, demand: Double, weight: Double, affinity: CPUMask, reserve: Double = 0) {
      self.domain = domain
      self.demand = demand
      self.weight = weight
      self.affinity = affinity
      self.reserve = reserve
    }
  }

  /// The ideal allocation of each entity, as a fraction of one pCPU.
  /// - Parameters:
  ///   - caps: per domain, its cap as a fraction of one pCPU, or nil.
  ///   - semantics: how guarantees combine with the shared rest: the larger of the two (`floor`) or
  ///     the guarantee plus a share of what guarantees leave (`additive`). Guarantees are served
  ///     first: each vCPU starts at min(demand, reserve); if even those do not fit (reservations
  ///     over the host), they are scaled down together until they do.
  public static func solve(
    pcpus: Int, entities: [Entity], caps: [Double?], semantics: GuaranteeSemantics = .floor
  ) -> [Double] {
    let n = entities.count
    let allCPUs = CPUMask.first(pcpus)
    let unrestricted = entities.allSatisfy { allCPUs.isSubset(of: $0.affinity) }
    let feasibility = Feasibility(pcpus: pcpus, entities: entities, caps: caps, unrestricted: unrestricted)
    var base = entities.map { min($0.demand, $0.reserve) }
    if !feasibility.feasible(base) {
      var lo = 0.0
      var hi = 1.0
      for _ in 0..<100 {
        let mid = (lo + hi) / 2
        if feasibility.feasible(base.map { $0 * mid }) { lo = mid } else { hi = mid }
      }
      base = base.map { $0 * lo }
      return base
    }
    // Where a vCPU's allocation at level λ would be, before demand and freezing.
    func grown(_ i: Int, _ lambda: Double) -> Double {
      let e = entities[i]
      switch semantics {
      case .floor: return max(base[i], e.weight * lambda)
      case .additive: return base[i] + e.weight * lambda
      }
    }
    // The level at which a vCPU reaches its demand.
    func satisfiedAt(_ i: Int) -> Double {
      let e = entities[i]
      switch semantics {
      case .floor: return e.demand / e.weight
      case .additive: return (e.demand - base[i]) / e.weight
      }
    }
    var x = base
    var frozen = entities.indices.map { entities[$0].demand <= base[$0] || entities[$0].weight <= 0 }

    func allocation(_ lambda: Double) -> [Double] {
      (0..<n).map { frozen[$0] ? x[$0] : min(entities[$0].demand, grown($0, lambda)) }
    }
    var low = 0.0
    for _ in 0..<(n + 1) where frozen.contains(false) {
      let high = (0..<n).filter { !frozen[$0] }.map(satisfiedAt).max()!
      var level = high
      if !feasibility.feasible(allocation(high)) {
        var lo = low
        var hi = high
        for _ in 0..<200 {
          let mid = (lo + hi) / 2
          if mid <= lo || mid >= hi { break }
          if feasibility.feasible(allocation(mid)) { lo = mid } else { hi = mid }
        }
        level = lo
      }
      x = allocation(level)
      low = level
      let tight = feasibility.blocked(x)
      var progress = false
      for i in 0..<n where !frozen[i] {
        if grown(i, level) >= entities[i].demand * (1 - 1e-12) || tight[i] {
          frozen[i] = true
          progress = true
        }
      }
      if !progress { for i in 0..<n { frozen[i] = true } }
    }
    return x
  }
}

/// Feasibility of an allocation under one-pCPU-per-vCPU, caps and affinity, and which entities are
/// blocked (cannot grow) at a feasible allocation.
struct Feasibility {
  let pcpus: Int
  let entities: [IdealShare.Entity]
  let caps: [Double?]
  let unrestricted: Bool
  static let epsilon = 1e-9

  /// How far past a limit a feasible allocation may reach: rounding only. It must be far below the
  /// margins `blocked` reads (1e-7): the level of each round is the largest feasible one, so whatever
  /// it may overshoot stays frozen into the next rounds, and an overshoot as large as this tolerance
  /// made every later level infeasible (a free domain was held at a pinned pair's level on 3 pCPUs).
  static let slack = 1e-12

  func capsHold(_ x: [Double]) -> Bool {
    var sums = Array(repeating: 0.0, count: caps.count)
    for (i, e) in entities.enumerated() { sums[e.domain] += x[i] }
    for (d, cap) in caps.enumerated() { if let cap, sums[d] > cap * (1 + Self.slack) { return false } }
    return true
  }

  func feasible(_ x: [Double]) -> Bool {
    guard capsHold(x) else { return false }
    let total = x.reduce(0, +)
    if unrestricted { return total <= Double(pcpus) * (1 + Self.slack) }
    var flow = BipartiteFlow(pcpus: pcpus, entities: entities, supply: x)
    return flow.maxFlow() >= total * (1 - Self.slack)
  }

  /// Per entity: true if it cannot get more without breaking a limit.
  func blocked(_ x: [Double]) -> [Bool] {
    var sums = Array(repeating: 0.0, count: caps.count)
    for (i, e) in entities.enumerated() { sums[e.domain] += x[i] }
    var result = entities.enumerated().map { i, e in
      x[i] >= 1 - Self.epsilon || (caps[e.domain].map { sums[e.domain] >= $0 - 1e-7 } ?? false)
    }
    if unrestricted {
      if x.reduce(0, +) >= Double(pcpus) - 1e-7 { result = result.map { _ in true } }
      return result
    }
    var flow = BipartiteFlow(pcpus: pcpus, entities: entities, supply: x)
    _ = flow.maxFlow()
    let canGrow = flow.entitiesReachingSink()
    for i in result.indices where !canGrow[i] { result[i] = true }
    return result
  }
}
