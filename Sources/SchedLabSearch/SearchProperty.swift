import SchedLabCore
import SchedLabPolicies
import SchedLabScenario

/// Generic properties a generated scenario is judged by, written as ordinary expectations so the
/// checker measures them. Each says what it assumes and where it does not apply.
public enum SearchProperty: String, CaseIterable, Sendable {
  /// Every domain within `fairnessBound` (of one pCPU) of its ideal share: weighted max-min fairness
  /// with measured demand, under the policy's own weight semantics (rr's ideal is equal shares).
  /// Applies to every policy.
  case fairness
  /// A light real-time waker (audio: ≤ 20% of a vCPU) is dispatched within 2 ms at p99. Applies to the
  /// policies that claim low latency for light wakers (credit1's BOOST, credit2-boost); credit2 makes
  /// no such claim.
  case latency
  /// Boost stays within its budget: no boost outlives its interval and no credit epoch's boosted time
  /// exceeds its bucket. Applies to boost policies.
  case boostBudget = "boost-budget"
  /// Request throughput at least 90% of the baseline scheduler's on the same scenario and seed.
  /// Applies when a baseline is given and a domain serves requests.
  case throughput

  public static let fairnessBound = 0.05

  /// Whether the property means anything for `policy`.
  public func applies(to policy: PolicyDescriptor, baseline: String?) -> Bool {
    switch self {
    case .fairness: return true
    case .latency: return policy.name == "credit" || policy.name.hasPrefix("credit2-boost")
    case .boostBudget: return policy.name.hasPrefix("credit2-boost")
    case .throughput: return baseline != nil
    }
  }

  /// The expectations that state the property for `draw` (none where nothing in it is concerned).
  public func expectations(_ draw: ScenarioDraw, baseline: String?) -> [String] {
    switch self {
    case .fairness:
      return ["{name: fairness, domain: all, metric: share_vs_ideal, max_abs: \(Self.fairnessBound)}"]
    case .latency:
      return draw.domains.filter { d in d.workloads.contains { $0.type == "audio" } }.map {
        "{name: latency \($0.name), domain: \($0.name), metric: wake_latency, percentile: p99, max: 2ms}"
      }
    case .boostBudget:
      return [
        "{name: boost within interval, domain: all, metric: counter, counter: boosts_over_interval, max: 0}",
        "{name: boost within bucket, domain: all, metric: counter, counter: boost_budget_overruns, max: 0}",
      ]
    case .throughput:
      guard let baseline, draw.domains.contains(where: { d in d.workloads.contains { $0.type == "server" } })
      else { return [] }
      return draw.domains.filter { d in d.workloads.contains { $0.type == "server" } }.map {
        "{name: throughput \($0.name), domain: \($0.name), metric: throughput, baseline: \(baseline), min_vs_baseline: 0.9}"
      }
    }
  }
}
