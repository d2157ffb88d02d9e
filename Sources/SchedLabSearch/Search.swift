import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario

/// `schedlab search`: draw scenarios, judge each against the properties, shrink what fails.
public enum Search {
  public struct Options: Sendable {
    public var space = SearchSpace.standard
    public var policy: PolicyDescriptor
    public var baseline: String?
    /// A reference policy: a failure counts only if the same scenario passes that expectation under
    /// it, or fails it by less than half as much (a regression search: what does this policy break
    /// that the reference does not? With `sfq`: what is not the oracle's limit?).
    public var reference: PolicyDescriptor?
    public var properties: [SearchProperty]
    /// Tunables of the searched policy (the reference keeps its defaults).
    public var tunables: [ScenarioDraw.Parameter] = []
    public var seed: UInt64 = 1
    /// The first draw's index (to replay a draw: its index and `runs` 1).
    public var from = 0
    public var runs: Int
    /// Stop drawing after this many seconds of wall clock (nil: only `runs` bounds the search).
    public var budgetSeconds: Double?
    public var jobs = 1
    public var keepGoing = false
    /// How the space is named in a counterexample's header ("the default space", a file's path).
    public var spaceName = "the default space"
    /// Called after each batch.
    public var progress: @Sendable (Progress) -> Void = { _ in }

    public init(policy: PolicyDescriptor, properties: [SearchProperty], runs: Int) {
      self.policy = policy
      self.properties = properties
      self.runs = runs
    }
  }

  /// Where a search stands, for a progress line.
  public struct Progress: Sendable {
    public var judged: Int
    public var seconds: Double
    public var counterexamples: Int
    public var classes: Int
    /// The smallest counterexample so far: its draw and message.
    public var best: String?
  }

  /// A scenario that broke a property: where it came from, what failed, and its shrunk form.
  public struct Counterexample: Sendable {
    public var index: Int
    public var original: ScenarioDraw
    public var shrunk: ScenarioDraw
    /// The failing expectation's name, the domain where it failed worst and the value there, and a
    /// message with the bound, on the shrunk scenario.
    public var property: String
    public var worstDomain: String?
    public var value: Double?
    public var message: String
    public var file: String

    /// Its class: the property (for shares, whether the domain got too little or too much), the
    /// shape of the domain it failed worst on (workload kinds, capped, pinned) and the kinds of the
    /// others, whatever the sizes, weights and parameter values. A long search finds the same
    /// failure many times over; classes are what there is to explain. Set once, when it is shrunk.
    public var signature: String
    /// Which of two counterexamples is the smaller: shrunk size, then draw.
    var rank: (Int, Int) { (shrunk.size, index) }

    static func signature(property: String, worstDomain: String?, value: Double?, shrunk: ScenarioDraw) -> String {
      func shape(_ d: ScenarioDraw.Domain) -> String {
        d.workloads.map(\.type).sorted().joined(separator: "+") + (d.cap > 0 ? " capped" : "")
          + (d.affinity != nil ? " pinned" : "")
      }
      // Per-domain expectations are named after their domain ("latency vm3").
      let words = property.split(separator: " ")
      let named = words.count == 2 && shrunk.domains.contains { $0.name == words[1] }
      let domain = worstDomain ?? (named ? String(words[1]) : nil)
      var text = named ? String(words[0]) : property
      if property == "fairness", let value { text += value < 0 ? " (short)" : " (over)" }
      if let victim = shrunk.domains.first(where: { $0.name == domain }) { text += ": " + shape(victim) }
      let others = Set(shrunk.domains.filter { $0.name != domain }.map(shape)).sorted()
      if !others.isEmpty { text += " with " + others.joined(separator: ", ") }
      return text
    }
  }

  /// Counterexamples grouped by class, each class smallest first, classes in order of their first
  /// draw.
  public static func classes(_ found: [Counterexample]) -> [(signature: String, members: [Counterexample])] {
    var order: [String] = []
    var members: [String: [Counterexample]] = [:]
    for c in found {
      if members[c.signature] == nil { order.append(c.signature) }
      members[c.signature, default: []].append(c)
    }
    return order.map { key in
      (key, members[key]!.sorted { $0.rank < $1.rank })
    }
  }

  public struct Outcome: Sendable {
    /// Scenarios drawn, and those with something to judge (the others had no workload a property
    /// concerns).
    public var drawn: Int
    public var judged: Int
    public var seconds: Double
    /// Of which shrinking (the rest is drawing and judging the draws).
    public var shrinkSeconds: Double
    public var counterexamples: [Counterexample]

    /// Draws judged per second of judging (shrinking left out).
    public var judgeRate: Double { seconds > shrinkSeconds ? Double(judged) / (seconds - shrinkSeconds) : 0 }
  }

  /// The expectations of `draw` under the options' properties.
  static func expectations(_ draw: ScenarioDraw, _ options: Options) -> [String] {
    options.properties.filter { $0.applies(to: options.policy, baseline: options.baseline) }
      .flatMap { $0.expectations(draw, baseline: options.baseline) }
  }

  /// The scheduler a scenario file names: the searched policy, or credit2 for a policy plugged in from
  /// Swift without being registered (the checker runs the plugged-in one either way).
  static func fileScheduler(_ options: Options) -> String {
    PolicyRegistry.lookup(options.policy.name) != nil ? options.policy.name : "credit2"
  }

  /// The failed checks of `draw` (empty: it holds every property; nil: no property concerns it), as
  /// the scenario file reproduces it; with a reference policy, only those the reference passes or
  /// fails by less than half as much.
  static func judge(_ draw: ScenarioDraw, name: String, _ options: Options) throws(ScenarioError)
    -> [CheckResult]?
  {
    let expect = expectations(draw, options)
    guard !expect.isEmpty else { return nil }
    let text = draw.yaml(
      name: name, scheduler: fileScheduler(options), tunables: options.tunables, expectations: expect)
    let scenario = try ScenarioLoader.parse(text, path: name + ".yaml")
    let results = try Checker.check([scenario], options: .init(policy: options.policy, jobs: 1))
    let failed = results.filter { $0.verdict == .fail }
    guard let reference = options.reference, !failed.isEmpty else { return failed }
    // The reference runs with its own defaults: the searched policy's tunables are left out.
    let plain = try ScenarioLoader.parse(
      draw.yaml(name: name, scheduler: fileScheduler(options), expectations: expect), path: name + ".yaml")
    var referenceScore: [String: Double] = [:]
    for r in try Checker.check([plain], options: .init(policy: reference, jobs: 1)) where r.verdict == .fail {
      referenceScore[r.expectation.name] = r.worst.score
    }
    // Where both fail, the failure is the policy's only if it goes at least twice as far past the bound.
    return failed.filter { f in referenceScore[f.expectation.name].map { f.worst.score > 2 * $0 } ?? true }
  }

  /// Run the search: draws in index order, `jobs` at a time; the first failure (or all, with
  /// `keepGoing`) is shrunk. The same options give the same counterexamples whatever `jobs`.
  public static func run(_ options: Options) throws -> Outcome {
    let start = Date()
    var found: [Counterexample] = []
    var drawn = 0
    var judged = 0
    var shrinkSeconds = 0.0
    // For the progress line, kept as counterexamples come rather than recounted each batch.
    var classes = Set<String>()
    var best: Counterexample?
    var index = options.from
    let end = options.from + options.runs
    while index < end {
      if let budget = options.budgetSeconds, Date().timeIntervalSince(start) >= budget { break }
      let batch = Array(index..<min(end, index + max(1, options.jobs)))
      // Judged concurrently, results in index order (what is found does not depend on `jobs`).
      let judgements = try Checker.parallelMap(batch, jobs: options.jobs) { i throws(ScenarioError) in
        let draw = options.space.draw(seed: options.seed, index: i)
        return (draw, try judge(draw, name: "search-\(options.seed)-\(i)", options))
      }.map { $0! }
      drawn += batch.count
      judged += judgements.filter { $0.1 != nil }.count
      index += batch.count
      for (i, (draw, result)) in zip(batch, judgements) {
        guard let failed = result, !failed.isEmpty else { continue }
        let shrinkStart = Date()
        let c = try shrink(draw, index: i, failing: failed[0], options)
        shrinkSeconds += Date().timeIntervalSince(shrinkStart)
        found.append(c)
        classes.insert(c.signature)
        if best.map({ c.rank < $0.rank }) ?? true { best = c }
        if !options.keepGoing { break }
      }
      options.progress(
        Progress(
          judged: judged, seconds: Date().timeIntervalSince(start), counterexamples: found.count,
          classes: classes.count, best: best.map { "draw \($0.index): \($0.message)" }))
      if !found.isEmpty && !options.keepGoing { break }
    }
    return Outcome(
      drawn: drawn, judged: judged, seconds: Date().timeIntervalSince(start), shrinkSeconds: shrinkSeconds,
      counterexamples: found)
  }
}
