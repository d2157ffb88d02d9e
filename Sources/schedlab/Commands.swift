import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabReport
import SchedLabScenario

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run scenario files (or directories of them) and report shares, ideal and latencies.",
    discussion: """
      Examples:
        schedlab run scenarios/seed-example.yaml
        schedlab run scenarios/matrix --scheduler credit2-boost --format csv -o matrix.csv
        schedlab run scenarios/boost/storm.yaml --seed 3 --duration 5s --host-model realistic
      """)

  @Argument(help: "Scenario file(s) or directories.")
  var paths: [String]

  @Option(
    name: .long, help: "Scheduler to use instead of the file's (\(PolicyRegistry.names.joined(separator: ", "))).")
  var scheduler: String?

  @OptionGroup var options: RunOptions

  @Option(name: .long, help: "Output format: \(ReportFormats.names.joined(separator: ", ")).")
  var format: ReportFormatName = .table

  @Option(name: [.short, .customLong("output")], help: "Write the report to this file (atomically) instead of stdout.")
  var output: String?

  @Flag(name: .long, help: "Let -o write through a symbolic link.")
  var force = false

  @Flag(name: .customLong("no-ideal"), help: "Skip the ideal-share oracle (and the demand runs it needs).")
  var noIdeal = false

  @OptionGroup(title: "Timelines") var trace: TraceOptions

  @Option(
    name: .customLong("html"),
    help: "Also write a self-contained HTML page of the runs (shares, share over time, wake-up latency) to this file.")
  var html: String?

  @Option(
    name: .customLong("dump-at"),
    help: "Print the scheduler's state (Xen's debug-key 'r' dump) at this simulated time, e.g. 5s, on standard error.")
  var dumpAt: [String] = []

  func run() throws {
    let files = try scenarioFiles(paths)
    let destination = try output.map { try OutputFile($0, inputs: files, force: force) }
    let page = try RunPage(html, inputs: files, force: force)
    let dumpTimes = try dumpAt.map { text in
      guard let ns = ScenarioValues.duration(text), ns >= 0 else {
        throw CLIError(message: "--dump-at: '\(text)' is not a time (use e.g. 5s or 500ms)")
      }
      return ns
    }
    var evaluations: [Evaluation] = []
    for file in files {
      let scenario = try options.load(file)
      if let late = dumpTimes.first(where: { $0 > scenario.simulation.durationNs }) {
        throw CLIError(message: "--dump-at: \(Nanos.format(late)) is after the end of \(file)'s run")
      }
      var session: TraceSession?
      if trace.wanted {
        guard files.count == 1 else { throw CLIError(message: "--trace/--xentrace: give one scenario file") }
        session = try TraceSession(trace, scenario: scenario, inputs: files, force: force)
      }
      let evaluation: Evaluation
      do {
        evaluation = try Runner.evaluate(
          scenario, scheduler: scheduler, ideal: !noIdeal,
          listeners: (session?.listeners ?? []) + (page?.listener(for: scenario) ?? []), dumpAt: dumpTimes)
      } catch {
        session?.discard()
        throw error
      }
      try session?.finish()
      for dump in evaluation.result.dumps {
        FileHandle.standardError.write(
          Data("--- \(evaluation.policy.name) dump at \(Nanos.format(dump.timeNs)) (\(file)) ---\n\(dump.text)\n".utf8))
      }
      evaluations.append(evaluation)
    }
    try emit(format.format.run(evaluations.map(RunReport.init), version: schedlabVersion), to: destination)
    try page?.write(
      evaluations,
      title: "SchedLab: " + files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
  }
}

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run one scenario under several schedulers, side by side.",
    discussion: """
      Examples:
        schedlab compare scenarios/seed-example.yaml --schedulers credit,credit2
        schedlab compare scenarios/boost/abuse.yaml --schedulers credit2,credit2-boost,credit2-boost-proposal
      """)

  @Argument(help: "Scenario file.")
  var path: String

  @Option(name: .long, help: "Comma-separated schedulers, e.g. credit2,rr.")
  var schedulers: String

  @OptionGroup var options: RunOptions

  @Option(name: .long, help: "Output format: \(ReportFormats.names.joined(separator: ", ")).")
  var format: ReportFormatName = .table

  @Option(name: [.short, .customLong("output")], help: "Write the report to this file (atomically) instead of stdout.")
  var output: String?

  @Flag(name: .long, help: "Let -o write through a symbolic link.")
  var force = false

  @Option(name: .customLong("html"), help: "Also write a self-contained HTML page of the runs to this file.")
  var html: String?

  func run() throws {
    let destination = try output.map { try OutputFile($0, inputs: [path], force: force) }
    let page = try RunPage(html, inputs: [path], force: force)
    let scenario = try options.load(path)
    let names = schedulers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    guard !names.isEmpty else { throw CLIError(message: "--schedulers: name at least one scheduler") }
    let count = Double(names.count)
    try EventBudget.check(scenario, runs: count, demandRuns: count, what: "\(names.count) schedulers")
    var evaluations: [Evaluation] = []
    for name in names {
      evaluations.append(try Runner.evaluate(scenario, scheduler: name, listeners: page?.listener(for: scenario) ?? []))
    }
    try emit(format.format.compare(evaluations.map(RunReport.init), version: schedlabVersion), to: destination)
    try page?.write(
      evaluations,
      title: "SchedLab: \(URL(fileURLWithPath: path).lastPathComponent) under \(names.joined(separator: ", "))")
  }
}

struct Ideal: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print each domain's demand and its ideal share (weighted max-min fairness).",
    discussion: """
      Examples:
        schedlab ideal scenarios/seed-example.yaml
        schedlab ideal scenarios/credit1/seed-example.yaml --scheduler credit
      """)

  @Argument(help: "Scenario file.")
  var path: String

  @Option(name: .long, help: "Judge for this scheduler's weight semantics (default: the file's scheduler).")
  var scheduler: String?

  @OptionGroup var options: RunOptions

  @Option(name: .long, help: "Output format: table or json.")
  var format: OutputFormat = .table

  func run() throws {
    guard format != .csv else { throw CLIError(message: "--format: ideal prints a table or json") }
    let scenario = try options.load(path)
    let (descriptor, _) = try scenario.makePolicy(scheduler)
    try EventBudget.check(scenario, runs: 0, demandRuns: 1, what: "the demand runs")
    let demands = try Runner.measureDemands(scenario, scheduler: descriptor.name)
    let ideal = try Runner.idealShares(scenario, demands: demands, policy: descriptor)
    if format == .json {
      print(JSONReport.ideal(scenario, weights: descriptor, demands: demands, ideal: ideal, version: schedlabVersion))
      return
    }
    var rows = [["domain", "weight", "cap", "vcpus", "demand", "source", "ideal"]]
    for (d, domain) in scenario.simulation.domains.enumerated() {
      rows.append([
        domain.name, String(domain.weight), domain.capPercent > 0 ? "\(domain.capPercent)%" : "-",
        String(domain.vcpus), Format.fixed(demands[d].total, 3), demands[d].source.rawValue, Format.fixed(ideal[d], 3),
      ])
    }
    let t = scenario.simulation.topology
    print(
      "scenario \(scenario.name) | \(t.pcpuCount) pCPUs | weights \(descriptor.weights.rawValue) (\(descriptor.name))")
    print(Format.table(rows, rightAligned: [1, 2, 3, 4, 6]))
    print("total ideal \(Format.fixed(ideal.reduce(0, +), 3)) of \(t.pcpuCount) pCPUs")
  }
}

struct List: ParsableCommand {
  static func opRow(_ op: ControlOpSpec) -> [String] {
    ["      " + op.name, op.arguments.map(\.key).joined(separator: ", "), op.doc]
  }

  static let configuration = CommandConfiguration(
    abstract: "List policies and their tunables, and workloads and theirs.")

  enum What: String, ExpressibleByArgument, CaseIterable { case all, policies, workloads, metrics }

  @Argument(help: "What to list: all, policies, workloads or metrics.")
  var what: What = .all

  func run() {
    if what == .all || what == .policies {
      print("Policies (scenario key `scheduler`, tunables under `parameters.<policy>`):")
      for p in PolicyRegistry.all {
        let alias = p.aliases.isEmpty ? "" : " (alias: \(p.aliases.joined(separator: ", ")))"
        print("\n  \(p.name)\(alias): \(p.summary); weights \(p.weights.rawValue)")
        var rows: [[String]] = []
        for spec in p.parameters {
          rows.append(["    " + spec.name, spec.defaultValue.description, spec.rangeText, spec.doc])
        }
        if !rows.isEmpty { print(Format.table(rows)) }
        if !p.domainParameters.isEmpty {
          print("    per-domain parameters (`parameters: {\(p.name): {...}}` in a domain; default: the tunable):")
          print(Format.table(p.domainParameters.map { ["      " + $0.name, $0.rangeText, $0.doc] }))
        }
        if !p.controlOps.isEmpty {
          print("    control operations (`control:` in a scenario):")
          print(Format.table(p.controlOps.map(Self.opRow)))
        }
      }
      print("\n  every policy, control operation:")
      print(Format.table([Self.opRow(ControlCall.schedAdjustSpec)]))
    }
    if what == .all || what == .workloads {
      if what == .all { print("") }
      print("Workloads (under a domain's `workloads:`; keys every workload takes:")
      print(Format.table(WorkloadCatalog.common.map { ["    " + $0.key, $0.defaultValue, $0.doc] }) + ")")
      for w in WorkloadCatalog.entries {
        print("\n  \(w.type): \(w.summary)\n    reports: \(w.metrics)")
        let rows = w.parameters.map { ["    " + $0.key, $0.defaultValue, $0.doc] }
        if !rows.isEmpty { print(Format.table(rows)) }
      }
    }
    if what == .all || what == .metrics {
      if what == .all { print("") }
      print("Metrics (`metric:` of an expectation; `percentile:` where it says so; report columns):")
      let rows = MetricTable.all.map { m in
        let scope =
          switch m.scope {
          case .domain: "domain"
          case .domainOrHost: "domain|host"
          case .host: "host"
          }
        let columns = m.columns.compactMap { $0.csv }.joined(separator: " ")
        return [
          "  " + m.name, scope, m.usesPercentile ? "percentile" : (m.usesCounter ? "counter" : ""),
          m.doc
            + (columns.isEmpty ? "" : " [CSV: \(columns)]"),
        ]
      }
      print(Format.table(rows))
    }
  }
}

/// `--html` of run and compare: a share timeline listening to each run, and the page once all ran.
final class RunPage {
  private let file: OutputFile
  private var timelines: [ShareTimeline] = []

  /// nil when no page was asked for.
  init?(_ path: String?, inputs: [String], force: Bool) throws {
    guard let path else { return nil }
    file = try OutputFile(path, inputs: inputs, force: force)
  }

  /// The listeners for the next run.
  func listener(for scenario: Scenario) -> [any TraceListener] {
    let timeline = ShareTimeline(config: scenario.simulation)
    timelines.append(timeline)
    return [timeline]
  }

  func write(_ evaluations: [Evaluation], title: String) throws {
    try file.write(RunHTMLReport.render(evaluations, timelines: timelines, title: title))
  }
}
