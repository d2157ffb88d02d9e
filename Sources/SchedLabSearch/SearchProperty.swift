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
  /// A light real-time waker (a domain running only audio: ≤ 20% of a vCPU) is dispatched within 2 ms
  /// at p99. A domain that also runs other work is not a light waker and is not judged, nor is one
  /// whose audio needs more than half of what its weight guarantees (weight 128 against two vCPUs of
  /// 512 on one pCPU: 0.11 guaranteed for 0.2 needed; it never catches up to block and wake). Applies to the
  /// policies that claim low latency for light wakers (credit1's BOOST, credit2-boost); credit2 makes
  /// no such claim.
  case latency
  /// Boost stays within its budget: no boost outlives its interval and no credit epoch's boosted time
  /// exceeds its bucket. Applies to boost policies.
  case boostBudget = "boost-budget"
  /// Work conservation: no vCPU waits runnable longer than `idleWaitBound` while a pCPU its affinity
  /// allows is idle (the bound leaves room for a tickle's IPI and the softirq). Applies to every
  /// policy; assumes the pCPUs share a runqueue or the policy balances between them at once (credit2
  /// balances runqueues only at its periodic load balance, so on several sockets it may fail by design).
  case workConservation = "work-conservation"
  /// Request throughput at least 90% of the baseline scheduler's on the same scenario and seed.
  /// Applies when a baseline is given and a domain serves requests (server, server-mix).
  case throughput
  /// Request response time at p99 at most 1.25 times the baseline scheduler's. Applies as
  /// `throughput` does. The two are the 2024 mail's "server workloads don't suffer".
  case response

  public static let fairnessBound = 0.05
  public static let idleWaitBound = "1ms"
  /// Whether `domain` runs only audio and needs at most half of what its weight guarantees each of
  /// its vCPUs even if every other vCPU burns (pCPUs × its weight / the sum of every vCPU's weight):
  /// a waker with no headroom queues behind its own backlog, whatever the scheduler.
  static func lightWaker(_ domain: ScenarioDraw.Domain, in draw: ScenarioDraw) -> Bool {
    guard domain.workloads.allSatisfy({ $0.type == "audio" }) else { return false }
    func ns(_ w: ScenarioDraw.Workload, _ key: String, _ fallback: Int64) -> Double {
      Double(w.parameters.first { $0.key == key }.flatMap { ScenarioValues.duration($0.value) } ?? fallback)
    }
    let need = domain.workloads.reduce(0.0) { $0 + ns($1, "service", Nanos.us(200)) / ns($1, "period", Nanos.us(5330)) }
    let weights = draw.domains.reduce(0.0) { $0 + Double($1.weight * $1.vcpus) }
    let guaranteed = min(1, Double(draw.pcpus) * Double(domain.weight) / weights)
    return need <= guaranteed / 2
  }

  /// The workloads that serve requests.
  static let requestKinds: Set<String> = ["server", "server-mix"]

  /// Whether the property means anything for `policy`.
  public func applies(to policy: PolicyDescriptor, baseline: String?) -> Bool {
    switch self {
    case .fairness, .workConservation: return true
    case .latency: return policy.name == "credit" || policy.name.hasPrefix("credit2-boost")
    case .boostBudget: return policy.name.hasPrefix("credit2-boost")
    case .throughput, .response: return baseline != nil
    }
  }

  /// The expectations that state the property for `draw` (none where nothing in it is concerned).
  public func expectations(_ draw: ScenarioDraw, baseline: String?) -> [String] {
    switch self {
    case .fairness:
      return ["{name: fairness, domain: all, metric: share_vs_ideal, max_abs: \(Self.fairnessBound)}"]
    case .workConservation:
      return ["{name: work conservation, domain: all, metric: idle_wait, max: \(Self.idleWaitBound)}"]
    case .latency:
      return draw.domains.filter { Self.lightWaker($0, in: draw) }.map {
        "{name: latency \($0.name), domain: \($0.name), metric: wake_latency, percentile: p99, max: 2ms}"
      }
    case .boostBudget:
      return [
        "{name: boost within interval, domain: all, metric: counter, counter: boosts_over_interval, max: 0}",
        "{name: boost within bucket, domain: all, metric: counter, counter: boost_budget_overruns, max: 0}",
      ]
    case .throughput, .response:
      guard let baseline else { return [] }
      let servers = draw.domains.filter { d in d.workloads.contains { Self.requestKinds.contains($0.type) } }
      return servers.map {
        self == .throughput
          ? "{name: throughput \($0.name), domain: \($0.name), metric: throughput, baseline: \(baseline), min_vs_baseline: 0.9}"
          : "{name: response \($0.name), domain: \($0.name), metric: request_response, percentile: p99, baseline: \(baseline), max_vs_baseline: 1.25}"
      }
    }
  }
}
