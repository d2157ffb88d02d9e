import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabPolicies
import SchedLabScenario
import SchedLabSearch

struct SearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search",
    abstract: "Draw scenarios, judge them against generic properties, and shrink the first that fails.",
    discussion: """
      Properties: fairness (every domain within 0.05 of a pCPU of its ideal share), latency (light
      audio wakers dispatched within 2 ms at p99; credit and credit2-boost only), boost-budget (boost
      policies), throughput (request throughput >= 90% of --baseline's). Exit 0: nothing found; 1: a
      counterexample (written to -o DIR); 2: bad input.

      Examples:
        schedlab search --scheduler credit --property fairness --runs 200
        schedlab search --scheduler credit2-boost --baseline credit2 --budget 10m -o found/
        schedlab search --space spaces/two-sockets.yaml --scheduler credit2 --runs 500
      """)

  @Option(name: .long, help: "A search space file (YAML; default: the shipped space, see the README).")
  var space: String?

  @Option(name: .long, help: "The scheduler to search (\(PolicyRegistry.names.joined(separator: ", "))).")
  var scheduler: String

  @Option(name: .long, help: "A property to judge (repeatable; default: all that apply).")
  var property: [String] = []

  @Option(name: .long, help: "A tunable of the searched scheduler, NAME=VALUE (repeatable; see schedlab list).")
  var param: [String] = []

  @Option(name: .long, help: "Baseline scheduler for the throughput property.")
  var baseline: String?

  @Option(
    name: .long,
    help:
      "Reference scheduler: keep only failures it passes or fails by less than half as much (sfq: not the oracle's limits)."
  )
  var reference: String?

  @Option(name: .long, help: "Scenarios to draw at most.")
  var runs: Int = 1000

  @Option(name: .long, help: "Wall-clock budget, e.g. 10m or 90s (default: only --runs bounds the search).")
  var budget: String?

  @Option(name: .long, help: "Seed of the draws.")
  var seed: UInt64 = 1

  @Option(name: .long, help: "Index of the first draw (replay draw N with --from N --runs 1).")
  var from: Int = 0

  @Option(name: .long, help: "Scenarios judged at once.")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(
    name: .customLong("keep-going"),
    help: "Collect every counterexample within the budget, grouped in classes (one file per class).")
  var keepGoing = false

  @Option(name: [.short, .customLong("output")], help: "Directory for the shrunk scenario files.")
  var output: String?

  func run() throws {
    func lookup(_ name: String, _ flag: String) throws -> PolicyDescriptor {
      guard let found = PolicyRegistry.lookup(name) else {
        throw CLIError(message: "--\(flag): \(PolicyRegistry.unknown(name))")
      }
      return found
    }
    let policy = try lookup(scheduler, "scheduler")
    if let baseline { _ = try lookup(baseline, "baseline") }
    let referencePolicy = try reference.map { try lookup($0, "reference") }
    var properties: [SearchProperty] = []
    for name in property {
      guard let p = SearchProperty(rawValue: name) else {
        throw CLIError(
          message:
            "--property: unknown property '\(name)' (known: \(SearchProperty.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
      }
      properties.append(p)
    }
    if properties.isEmpty { properties = SearchProperty.allCases }
    properties = properties.filter { $0.applies(to: policy, baseline: baseline) }
    guard !properties.isEmpty else {
      throw CLIError(
        message: "--property: none of those applies to \(policy.name) (latency: credit and credit2-boost; "
          + "boost-budget: boost policies; throughput: needs --baseline)")
    }
    guard runs >= 1 else { throw CLIError(message: "--runs: at least 1") }
    guard jobs >= 1 else { throw CLIError(message: "--jobs: at least 1") }
    var seconds: Double?
    if let budget {
      // Minutes and hours as well as the scenario durations (90s, 500ms).
      let scale: Double = budget.hasSuffix("h") ? 3600 : (budget.hasSuffix("m") && !budget.hasSuffix("ms") ? 60 : 0)
      if scale > 0, let n = Double(budget.dropLast()), n > 0 {
        seconds = n * scale
      } else if let ns = ScenarioValues.duration(budget), ns > 0 {
        seconds = Double(ns) / 1e9
      } else {
        throw CLIError(message: "--budget: '\(budget)' is not a duration such as 10m or 90s")
      }
    }
    if let output {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError(message: "-o: \(output) is not a directory")
      }
    }
    var options = Search.Options(policy: policy, properties: properties, runs: runs)
    if let space { options.space = try SearchSpace.load(path: space) }
    options.baseline = baseline
    options.reference = referencePolicy
    for p in param {
      let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw CLIError(message: "--param: '\(p)' is not NAME=VALUE")
      }
      options.tunables.append(.init(key: parts[0], value: parts[1]))
    }
    // Each checked as a scenario file's `parameters:` would be, so that a wrong name or value is one
    // line now rather than an error about a generated file later.
    let probe = ScenarioDraw(
      sockets: 1, cores: 1, threads: 1, model: "ideal", durationNs: Nanos.s(1), warmupNs: 0,
      domains: [.init(name: "d", vcpus: 1, workloads: [.init(type: "burner", parameters: [])])])
    for tunable in options.tunables {
      do {
        _ = try ScenarioLoader.parse(
          probe.yaml(name: "probe", scheduler: policy.name, tunables: [tunable], expectations: []), path: "probe.yaml")
      } catch {
        throw CLIError(message: "--param \(tunable.key): \(error.message)")
      }
    }
    options.seed = seed
    guard from >= 0 else { throw CLIError(message: "--from: at least 0") }
    options.from = from
    options.budgetSeconds = seconds
    options.jobs = jobs
    options.keepGoing = keepGoing
    if let space { options.spaceName = space }
    let terminal = isatty(STDERR_FILENO) != 0
    options.progress = { p in
      guard terminal else { return }
      let rate = p.seconds > 0 ? Double(p.judged) / p.seconds : 0
      var line = "\r\u{1B}[K\(p.judged) judged (\(Format.fixed(rate, 1))/s), \(p.counterexamples) failing"
      if p.counterexamples > 0 { line += " in \(p.classes) class(es); smallest: \(p.best ?? "")" }
      FileHandle.standardError.write(Data(line.utf8))
    }
    let outcome = try Search.run(options)
    if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    let classes = Search.classes(outcome.counterexamples)
    print(
      "\(outcome.judged) of \(outcome.drawn) scenarios drawn judged in \(Format.fixed(outcome.seconds, 1)) s "
        + "(\(Format.fixed(outcome.judgeRate, 1))/s judging with \(jobs) job(s); \(Format.fixed(outcome.shrinkSeconds, 1)) s "
        + "shrinking) under \(policy.name), properties \(properties.map(\.rawValue).joined(separator: ", ")): "
        + "\(outcome.counterexamples.count) counterexample(s) in \(classes.count) class(es)")
    // One file per class: its smallest member; the other members are listed by draw.
    for (signature, members) in classes {
      let c = members[0]
      print("\(members.count) x \(signature)")
      print(
        "  draw \(c.index): \(c.message); shrunk to \(c.shrunk.domains.count) domain(s) on \(c.shrunk.pcpus) pCPU(s)")
      if members.count > 1 {
        let others = members.dropFirst().map { String($0.index) }
        print("  also draws \(others.prefix(20).joined(separator: ", "))\(others.count > 20 ? ", ..." : "")")
      }
      if let output {
        let path = (output as NSString).appendingPathComponent("search-\(seed)-\(c.index).yaml")
        try OutputFile(path, inputs: [], force: false).write(c.file)
        print("  written: \(path)")
      } else {
        print(c.file)
      }
    }
    if !outcome.counterexamples.isEmpty { throw ExitCode(1) }
  }
}
