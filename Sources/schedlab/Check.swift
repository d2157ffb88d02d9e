import ArgumentParser
import Foundation
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabReport
import SchedLabScenario
import Synchronization

/// Set by Ctrl-C during `schedlab check`.
let checkInterrupted = Atomic<Bool>(false)

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check scenarios' expectations (`expect:`): exit 0 when all pass, 1 when any fails or XPASSes.",
    discussion:
      "Every scenario runs under --scheduler (default: its own) for every seed, with baseline runs for relative "
      + "bounds; the table shows each expectation's worst seed. An expectation marked `xfail: [name]` is expected "
      + "to fail under that scheduler (XFAIL); if it passes it is XPASS, which fails the check so that stale marks "
      + "get noticed.\n\nExamples:\n  schedlab check scenarios/suite --scheduler credit2-boost --seeds 1..8\n"
      + "  schedlab check scenarios/suite --scheduler credit --host-model realistic --junit suite.xml")

  @Argument(help: "Scenario file(s) or directories.")
  var paths: [String]

  @Option(
    name: .long, help: "Scheduler to check instead of each file's (\(PolicyRegistry.names.joined(separator: ", "))).")
  var scheduler: String?

  @Option(name: .long, help: "Seeds to run, e.g. 1..5 or 7 (default: each file's seed).")
  var seeds: String?

  @Option(name: .long, help: "Scenario runs in parallel (the default is this machine's core count).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(name: .long, help: "Also write JUnit XML (one testcase per expectation) to this file.")
  var junit: String?

  @Option(
    name: .customLong("html"),
    help: "Also write an HTML page (each expectation's headroom per seed, the verdicts) to this file.")
  var html: String?

  @Flag(name: .long, help: "Let --junit or --html write through a symbolic link.")
  var force = false

  @OptionGroup var host: HostOptions

  func run() throws {
    guard jobs >= 1 else { throw CLIError(message: "--jobs: must be at least 1") }
    let range = try seeds.map(Self.parseSeeds)
    var policy: PolicyDescriptor?
    if let scheduler {
      guard let p = PolicyRegistry.lookup(scheduler) else {
        throw CLIError(
          message:
            "--scheduler: " + PolicyRegistry.unknown(scheduler))
      }
      policy = p
    }
    _ = try HostModelOption.parse(host.hostModel)  // a bad model is reported before any file is read
    let files = try scenarioFiles(paths)
    let junitFile = try junit.map { try OutputFile($0, inputs: files, force: force) }
    let htmlFile = try html.map { try OutputFile($0, inputs: files, force: force) }
    var scenarios: [Scenario] = []
    for file in files {
      var scenario = try ScenarioLoader.load(path: file)
      try host.apply(to: &scenario)
      scenarios.append(scenario)
    }
    guard scenarios.contains(where: { !$0.expectations.isEmpty }) else {
      throw CLIError(message: "\(paths.joined(separator: " ")): no scenario has an `expect:` list")
    }
    // Ctrl-C: stop starting runs, report the scenarios that finished, exit 130.
    signal(SIGINT) { _ in checkInterrupted.store(true, ordering: .relaxed) }
    let results = try Checker.check(
      scenarios,
      options: .init(
        policy: policy, policyName: scheduler, seeds: range, jobs: jobs,
        shouldStop: { checkInterrupted.load(ordering: .relaxed) }))
    let seedText =
      range.map { $0.count == 1 ? "seed \($0.lowerBound)" : "seeds \($0.lowerBound)..\($0.upperBound)" }
      ?? "each file's seed"
    if checkInterrupted.load(ordering: .relaxed) {
      print(CheckReport.table(results, seeds: seedText), terminator: "")
      let done = Set(results.map(\.file)).count
      let total = scenarios.filter { !$0.expectations.isEmpty }.count
      FileHandle.standardError.write(
        Data(
          "schedlab: interrupted: \(done) of \(total) scenarios checked (shown above), no verdict for the rest\n".utf8))
      throw ExitCode(130)
    }
    if let junitFile { try emit(CheckReport.junit(results), to: junitFile) }
    if let htmlFile {
      let title = "SchedLab check: " + paths.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
      try emit(CheckHTMLReport.render(results, title: title), to: htmlFile)
    }
    print(CheckReport.table(results, seeds: seedText), terminator: "")
    if results.contains(where: { $0.verdict.isFailure }) { throw ExitCode(1) }
  }

  static func parseSeeds(_ text: String) throws -> ClosedRange<UInt64> {
    guard let seeds = ScenarioValues.seeds(text) else {
      throw CLIError(message: "--seeds: '\(text)' is not a seed or a range A..B with A <= B")
    }
    return seeds
  }
}
