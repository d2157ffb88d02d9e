import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario

/// Shrinking: from a failing draw, keep taking the smallest one-step-smaller scenario that still fails
/// the same expectation (same seed), until none does.
extension Search {
  /// At most this many candidate judgements per counterexample.
  static let shrinkBudget = 300

  /// Parameters a workload may leave to the catalogue's default.
  static let optionalParameters: [String: Set<String>] = ["demand": ["burst"], "audio": ["period", "service"]]

  /// Every scenario one step smaller than `draw`: a domain, a vCPU or a pCPU less, a smaller host, a
  /// simpler workload (a burner, or a parameter left to its default), a rounder weight, no cap, the
  /// ideal host model, a shorter run.
  static func smaller(_ draw: ScenarioDraw) -> [ScenarioDraw] {
    var out: [ScenarioDraw] = []
    func variant(_ change: (inout ScenarioDraw) -> Void) {
      var c = draw
      change(&c)
      if c != draw { out.append(c) }
    }
    if draw.domains.count > 1 {
      for d in draw.domains.indices { variant { $0.domains.remove(at: d) } }
    }
    for d in draw.domains.indices where draw.domains[d].vcpus > 1 {
      variant {
        $0.domains[d].vcpus -= 1
        $0.domains[d].cap = min($0.domains[d].cap, 100 * $0.domains[d].vcpus)
      }
    }
    variant { $0.sockets = 1 }
    variant { $0.threads = 1 }
    if draw.cores > 1 { variant { $0.cores -= 1 } }
    variant { $0.model = "ideal" }
    for d in draw.domains.indices {
      variant { $0.domains[d].weight = 256 }
      variant { $0.domains[d].cap = 0 }
      variant { $0.domains[d].workloads = [.init(type: "burner", parameters: [])] }
      for (w, workload) in draw.domains[d].workloads.enumerated() {
        for (k, parameter) in workload.parameters.enumerated()
        where optionalParameters[workload.type]?.contains(parameter.key) == true {
          variant { $0.domains[d].workloads[w].parameters.remove(at: k) }
        }
      }
    }
    if draw.durationNs > Nanos.s(1) {
      variant {
        $0.durationNs = max(Nanos.s(1), $0.durationNs / 2)
        $0.warmupNs = min($0.warmupNs, $0.durationNs / 10)
      }
    }
    return out.sorted { $0.size < $1.size }
  }

  static func shrink(_ draw: ScenarioDraw, index: Int, failing name: String, _ options: Options) throws
    -> Counterexample
  {
    var current = draw
    var failure = try judge(draw, name: "search-\(options.seed)-\(index)", options)?.first {
      $0.expectation.name == name
    }
    var tried = 0
    var progress = true
    while progress && tried < shrinkBudget {
      progress = false
      for candidate in smaller(current) {
        tried += 1
        if let failed = try judge(candidate, name: "search-\(options.seed)-\(index)", options)?.first(where: {
          $0.expectation.name == name
        }) {
          current = candidate
          failure = failed
          progress = true
          break
        }
        if tried >= shrinkBudget { break }
      }
    }
    let measured = failure?.measuredText ?? "-"
    let bound = failure?.expectation.boundText ?? "-"
    let header = [
      "Found by schedlab search --scheduler \(options.policy.name) --seed \(options.seed): draw \(index) of the "
        + "default space, shrunk (\(tried) candidates judged).",
      "\(name) under \(options.policy.name): measured \(measured), bound \(bound).",
      "Original: \(draw.domains.count) domains on \(draw.pcpus) pCPUs, \(Nanos.format(draw.durationNs)).",
    ]
    let file = current.yaml(
      name: "search-\(options.seed)-\(index)", scheduler: fileScheduler(options),
      expectations: expectations(current, options).filter { $0.contains("name: \(name),") }, header: header)
    return Counterexample(
      index: index, original: draw, shrunk: current, property: name,
      message: "\(name): measured \(measured), bound \(bound)", file: file)
  }
}
