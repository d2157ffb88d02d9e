import SchedLabCore
import SchedLabEvaluation
import SchedLabScenario

/// Shrinking: from a failing draw, keep taking the smallest one-step-smaller scenario that still fails
/// the same expectation (same seed), until none does.
extension Search {
  /// At most this many candidate judgements per counterexample.
  static let shrinkBudget = 300

  /// Parameters a workload may leave to the catalogue's default.
  static let optionalParameters: [String: Set<String>] = [
    "demand": ["burst"], "audio": ["period", "service", "dont_desched", "deboost_yield"],
    "periodic": ["dont_desched", "deboost_yield"], "server-mix": ["load"], "video": ["fps", "decode"],
  ]

  /// Every scenario one step smaller than `draw`: a domain, a workload, a vCPU or a pCPU less, a
  /// smaller host, a simpler workload (a burner, a parameter left to its default or made rounder), a
  /// default weight, no cap, no pinning, the ideal host model, a shorter run.
  static func smaller(_ draw: ScenarioDraw) -> [ScenarioDraw] {
    var out: [ScenarioDraw] = []
    func variant(_ change: (inout ScenarioDraw) -> Void) {
      var c = draw
      change(&c)
      if c != draw { out.append(c) }
    }
    /// A smaller host keeps each pinning on the pCPUs that remain (or drops it).
    func host(_ change: (inout ScenarioDraw) -> Void) {
      variant { c in
        change(&c)
        for d in c.domains.indices {
          guard let a = c.domains[d].affinity else { continue }
          c.domains[d].affinity = a.lowerBound < c.pcpus ? a.lowerBound...min(a.upperBound, c.pcpus - 1) : nil
        }
      }
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
    for d in draw.domains.indices where draw.domains[d].workloads.count > 1 {
      for w in draw.domains[d].workloads.indices { variant { $0.domains[d].workloads.remove(at: w) } }
    }
    host { $0.sockets = 1 }
    host { $0.threads = 1 }
    if draw.cores > 1 { host { $0.cores -= 1 } }
    variant { $0.model = "ideal" }
    variant { $0.runqueue = nil }
    for d in draw.domains.indices {
      variant { $0.domains[d].weight = 256 }
      variant { $0.domains[d].cap = 0 }
      variant { $0.domains[d].affinity = nil }
      variant { $0.domains[d].workloads = [.init(type: "burner", parameters: [])] }
      for (w, workload) in draw.domains[d].workloads.enumerated() {
        for (k, parameter) in workload.parameters.enumerated() {
          if optionalParameters[workload.type]?.contains(parameter.key) == true {
            variant { $0.domains[d].workloads[w].parameters.remove(at: k) }
          }
          if let round = rounder(parameter.value) {
            variant { $0.domains[d].workloads[w].parameters[k].value = round }
          }
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

  /// A rounder value for a parameter: the number kept to one significant digit, with its unit
  /// (5.33ms → 5ms, 1500 → 2000, 300us stays), or nil when it is already that round.
  static func rounder(_ value: String) -> String? {
    let digits = value.prefix { $0.isNumber || $0 == "." }
    guard let number = Double(digits), number > 0 else { return nil }
    var scale = 1.0
    while number >= scale * 10 { scale *= 10 }
    while number < scale { scale /= 10 }
    let rounded = (number / scale).rounded() * scale
    guard abs(rounded - number) > 1e-9 * number else { return nil }
    let text = rounded >= 1 ? String(Int(rounded)) : String(rounded)
    return text + value.dropFirst(digits.count)
  }

  /// Shrink `draw`, which fails `failed` (as judged already), to the smallest scenario that still
  /// fails the same expectation.
  static func shrink(_ draw: ScenarioDraw, index: Int, failing failed: CheckResult, _ options: Options) throws
    -> Counterexample
  {
    let name = failed.expectation.name
    var current = draw
    var failure = failed
    // Candidates are judged `jobs` at a time; the step taken is the first that fails in order, and
    // `tried` counts as if they had been judged one by one, so the result does not depend on `jobs`.
    var tried = 0
    var progress = true
    while progress && tried < shrinkBudget {
      progress = false
      let candidates = Array(smaller(current).prefix(shrinkBudget - tried))
      var start = 0
      while start < candidates.count && !progress {
        let batch = Array(candidates[start..<min(candidates.count, start + max(1, options.jobs))])
        let verdicts = try Checker.parallelMap(batch, jobs: options.jobs) { candidate throws(ScenarioError) in
          try judge(candidate, name: "search-\(options.seed)-\(index)", options)?.first { $0.expectation.name == name }
        }.map { $0 ?? nil }
        if let k = verdicts.firstIndex(where: { $0 != nil }) {
          current = batch[k]
          failure = verdicts[k]!
          tried += k + 1
          progress = true
        } else {
          tried += batch.count
        }
        start += batch.count
      }
    }
    let measured = failure.measuredText
    let bound = failure.expectation.boundText
    let against =
      options.tunables.map { " --param \($0.key)=\($0.value)" }.joined()
      + (options.reference.map { " --reference \($0.name)" } ?? "")
    var header = [
      "Found by schedlab search --scheduler \(options.policy.name)\(against) --seed \(options.seed): draw \(index) of "
        + "\(options.spaceName), shrunk (\(tried) candidates judged).",
      "\(name) under \(options.policy.name): measured \(measured), bound \(bound).",
      "Original: \(draw.domains.count) domains on \(draw.pcpus) pCPUs, \(Nanos.format(draw.durationNs)).",
    ]
    if let reference = options.reference {
      header.append("Kept because \(reference.name) passes it, or fails it by less than half as much.")
    }
    let file = current.yaml(
      name: "search-\(options.seed)-\(index)", scheduler: fileScheduler(options), tunables: options.tunables,
      expectations: expectations(current, options).filter { $0.contains("name: \(name),") }, header: header)
    return Counterexample(
      index: index, original: draw, shrunk: current, property: name, worstDomain: failure.worst.domain,
      value: failure.worst.value, message: "\(name): measured \(measured), bound \(bound)", file: file,
      signature: Counterexample.signature(
        property: name, worstDomain: failure.worst.domain, value: failure.worst.value, shrunk: current))
  }
}
