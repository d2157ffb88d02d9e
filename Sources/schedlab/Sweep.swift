import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabReport
import SchedLabScenario
import Synchronization

let sweepInterrupted = Atomic<Bool>(false)

/// `schedlab sweep`: run every point of a sweep spec into a directory, resumably.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run a sweep (base scenarios x axes of overrides x seeds) into a tidy results table, resumably.",
    discussion: """
      Each finished point is kept in DIR/points/; a run that stops (Ctrl-C, a killed job) is resumed
      by running the same command again. Without sharding, DIR/results.csv and DIR/results.jsonl
      hold every row in point order, the same bytes whatever --jobs. With --shard K/N (default from
      SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX/SCHEDLAB_SHARD_COUNT) only
      the points whose number is K modulo N run; `schedlab merge` combines the shards' directories.
      --emit slurm|k8s prints a job-array script or an Indexed Job manifest that runs the shards.
      """)

  @Argument(help: "The sweep spec (YAML).") var spec: String
  @Option(name: [.short, .customLong("output")], help: "Results directory (default: <spec name>.sweep).")
  var output: String?
  @Option(name: .long, help: "Points run at once (default: the CPUs).") var jobs: Int?
  @Option(name: .long, help: "Run only shard K of N (points K, K+N, ...), e.g. 0/4.") var shard: String?
  @Option(name: .long, help: "Print a job script that runs the sweep's shards: slurm (sbatch) or k8s.") var emit:
    String?
  @Option(name: .long, help: "Number of shards of the emitted script.") var shards: Int = 4
  @Flag(name: .long, help: "List the points and exit.") var list = false

  func run() throws {
    let sweep = try SweepSpec.load(path: spec)
    let (points, scenarios) = try Sweep.points(sweep)
    let directory = output ?? (sweep.name + ".sweep")
    if let emit {
      print(try Sweep.script(emit, sweep: sweep, directory: directory, shards: shards), terminator: "")
      return
    }
    if list {
      let header = ["point", "file"] + sweep.axes.map(\.path.text) + ["seed"]
      print(
        Format.table(
          [header]
            + points.map { p in
              ["\(p.index)", SweepTable.relative(p.file, to: sweep)] + p.values.map { $0 ?? "-" } + ["\(p.seed)"]
            }))
      return
    }
    let (k, n) = try Sweep.shard(shard, environment: ProcessInfo.processInfo.environment)
    let mine = points.filter { $0.index % n == k }
    let store = try SweepStore(directory: directory, sweep: sweep, points: points.count)
    let todo = mine.filter { !store.has($0.index) }
    let workers = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    signal(SIGINT) { _ in sweepInterrupted.store(true, ordering: .relaxed) }
    let progress = SweepProgress(total: mine.count, done: mine.count - todo.count)
    let started = Date()
    let stop: @Sendable () -> Bool = { sweepInterrupted.load(ordering: .relaxed) }
    _ = try Checker.parallelMap(todo, jobs: workers, stop: stop) { (point) throws(ScenarioError) -> Void in
      var scenario = try Runner.override(scenarios[Sweep.key(point)]!, seed: point.seed)
      scenario.simulation.maxEvents = EventBudget.defaultMaxEvents
      let evaluation = try Runner.evaluate(scenario)
      store.write(point.index, SweepTable.rows(sweep, point, evaluation))
      progress.step()
    }
    progress.finish()
    let seconds = Date().timeIntervalSince(started)
    if sweepInterrupted.load(ordering: .relaxed) {
      FileHandle.standardError.write(
        Data("interrupted: \(progress.count) of \(mine.count) points done in \(directory); run again to resume\n".utf8))
      throw ExitCode(130)
    }
    let rate =
      todo.isEmpty
      ? "" : String(format: " in %.1f s (%.2f runs/s, %d jobs)", seconds, Double(todo.count) / seconds, workers)
    if n == 1 {
      try store.assemble(header: SweepTable.header(sweep))
      FileHandle.standardError.write(
        Data(
          "sweep \(sweep.name): \(points.count) points (\(points.count - todo.count) already done)\(rate); \(directory)/results.csv and results.jsonl\n"
            .utf8))
    } else {
      FileHandle.standardError.write(
        Data(
          "sweep \(sweep.name): shard \(k)/\(n), \(mine.count) of \(points.count) points\(rate); merge the shards with `schedlab merge`\n"
            .utf8))
    }
  }
}

/// `schedlab merge`: the shards' directories into one results table.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the directories of a sharded sweep into one results table (the unsharded run's bytes).")

  @Argument(help: "The shards' results directories.") var directories: [String]
  @Option(name: [.short, .customLong("output")], help: "The merged results directory.") var output: String

  func run() throws {
    try SweepStore.merge(directories, into: output)
  }
}

enum Sweep {
  /// The spec's points, and each distinct combination's scenario (a base file with its overrides),
  /// loaded once: a bad value is refused before anything runs, at its line; the points of a
  /// combination differ only by seed.
  static func points(_ sweep: SweepSpec) throws -> (points: [SweepSpec.Point], scenarios: [[String?]: Scenario]) {
    var schedulers: [String: String] = [:]
    for file in sweep.files { schedulers[file] = try ScenarioLoader.load(path: file).scheduler }
    let points = sweep.points { schedulers[$0]! }
    var scenarios: [[String?]: Scenario] = [:]
    for point in points where scenarios[key(point)] == nil {
      scenarios[key(point)] = try ScenarioLoader.load(path: point.file, overrides: sweep.overrides(point))
    }
    return (points, scenarios)
  }

  /// A point's combination: its base file and axis values.
  static func key(_ point: SweepSpec.Point) -> [String?] { [point.file] + point.values }

  /// K and N from `--shard K/N`, or the job engine's environment, or 0/1.
  static func shard(_ text: String?, environment: [String: String]) throws -> (Int, Int) {
    func parse(_ k: String?, _ n: String?, _ what: String) throws -> (Int, Int) {
      guard let k = k.flatMap({ Int($0) }), let n = n.flatMap({ Int($0) }), n >= 1, (0..<n).contains(k) else {
        throw CLIError(message: "\(what): not a shard K of N with 0 <= K < N")
      }
      return (k, n)
    }
    if let text {
      let parts = text.split(separator: "/").map(String.init)
      return try parse(parts.first, parts.count == 2 ? parts[1] : nil, "--shard \(text)")
    }
    if let k = environment["SLURM_ARRAY_TASK_ID"] {
      return try parse(k, environment["SLURM_ARRAY_TASK_COUNT"], "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT")
    }
    if let k = environment["JOB_COMPLETION_INDEX"] {
      return try parse(k, environment["SCHEDLAB_SHARD_COUNT"], "JOB_COMPLETION_INDEX/SCHEDLAB_SHARD_COUNT")
    }
    return (0, 1)
  }

  /// A Slurm job-array script or a Kubernetes Indexed Job manifest running `shards` shards, each
  /// into DIRECTORY/shard-K.
  static func script(_ kind: String, sweep: SweepSpec, directory: String, shards: Int) throws -> String {
    guard shards >= 1 && shards <= 1000 else { throw CLIError(message: "--shards: \(shards) is not 1...1000") }
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    let spec = URL(fileURLWithPath: sweep.path).standardizedFileURL.path
    let out = URL(fileURLWithPath: directory).standardizedFileURL.path
    switch kind {
    case "slurm":
      // Slurm opens each task's --output file before the script runs: its directory must exist.
      do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      } catch {
        throw CLIError(message: "\(directory): cannot create it for the job's output (\(error.localizedDescription))")
      }
      return """
        #!/bin/bash
        # schedlab sweep \(sweep.name): \(shards) shards as a Slurm job array (the output directory exists:
        # `--emit slurm` made it). Merge the shards afterwards with
        #   \(binary) merge \(out)/shard-* -o \(out)
        #SBATCH --job-name=schedlab-\(sweep.name)
        #SBATCH --array=0-\(shards - 1)
        #SBATCH --cpus-per-task=1
        #SBATCH --output=\(out)/slurm-%A_%a.out
        set -euo pipefail
        mkdir -p \(out)
        exec \(binary) sweep \(spec) -o \(out)/shard-${SLURM_ARRAY_TASK_ID} --jobs ${SLURM_CPUS_PER_TASK:-1}

        """
    case "k8s":
      return """
        # schedlab sweep \(sweep.name): \(shards) shards as a Kubernetes Indexed Job. The image must hold
        # schedlab and the spec's files at the paths below, and /results a shared volume; merge with
        #   schedlab merge /results/shard-* -o /results/merged
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: schedlab-\(sweep.name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined())
        spec:
          completions: \(shards)
          parallelism: \(shards)
          completionMode: Indexed
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: schedlab
                  image: schedlab:latest
                  env:
                    - {name: SCHEDLAB_SHARD_COUNT, value: "\(shards)"}
                  command: [sh, -c, 'exec schedlab sweep \(spec) -o /results/shard-$JOB_COMPLETION_INDEX --jobs 1']

        """
    default:
      throw CLIError(message: "--emit: '\(kind)' is not one of slurm, k8s")
    }
  }
}

/// The progress line on a terminal: points done, rate, time left.
final class SweepProgress: @unchecked Sendable {
  private let lock = NSLock()
  private let total: Int
  private(set) var count: Int
  private let start = Date()
  private let first: Int
  private let terminal = isatty(STDERR_FILENO) != 0

  init(total: Int, done: Int) {
    self.total = total
    count = done
    first = done
  }

  func step() {
    lock.lock()
    count += 1
    let done = count - first
    let elapsed = Date().timeIntervalSince(start)
    let left = total - count
    lock.unlock()
    guard terminal else { return }
    let eta = done > 0 ? elapsed / Double(done) * Double(left) : 0
    FileHandle.standardError.write(
      Data(
        String(format: "\r[%d/%d] %.1f runs/s, %.0f s left   ", count, total, Double(done) / max(elapsed, 1e-9), eta)
          .utf8))
  }

  func finish() { if terminal { FileHandle.standardError.write(Data("\n".utf8)) } }
}

/// `schedlab report`: the HTML page of a sweep's results.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write one self-contained HTML page (inline SVG plots, no script) from a sweep's results.",
    discussion: """
      Plots: share against ideal, wake-up p99 CDFs on a log axis per policy, and per base scenario
      the trade-offs chosen with --tradeoff X,Y (default: worst_share_error,worst_wake_p99_us and
      worst_share_error,total_throughput_per_s) with their Pareto front; a summary table per scenario.
      Figures: \(SweepHTMLReport.Figure.named.map(\.name).joined(separator: ", ")), or one domain's metric as the \
      table names it, DOMAIN:METRIC (build:share, call:audio.underruns_per_min).
      """)

  @Argument(help: "A sweep's results directory, or its results.csv.") var results: String
  @Option(name: [.short, .customLong("output")], help: "The HTML file (default: report.html).") var output =
    "report.html"
  @Option(name: .long, help: "A pair of figures to plot against each other, X,Y (repeatable).") var tradeoff: [String] =
    []
  @Flag(name: .long, help: "Let -o write through a symbolic link.") var force = false
  @Option(name: .customLong("svg-dir"), help: "Also write each plot as its own SVG file into this directory.")
  var svgDirectory: String?

  func run() throws {
    var isDirectory: ObjCBool = false
    let file =
      FileManager.default.fileExists(atPath: results, isDirectory: &isDirectory) && isDirectory.boolValue
      ? results + "/results.csv" : results
    guard let data = FileManager.default.contents(atPath: file) else {
      throw CLIError(message: "\(file): cannot read it")
    }
    let pairs = try
      (tradeoff.isEmpty
      ? ["worst_share_error,worst_wake_p99_us", "worst_share_error,total_throughput_per_s"] : tradeoff)
      .map { text -> (SweepHTMLReport.Figure, SweepHTMLReport.Figure) in
        let parts = text.split(separator: ",").map { SweepHTMLReport.Figure(String($0)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1] else {
          throw CLIError(
            message:
              "--tradeoff: '\(text)' is not X,Y with X and Y among \(SweepHTMLReport.Figure.named.map(\.name).joined(separator: ", ")) or DOMAIN:METRIC"
          )
        }
        return (x, y)
      }
    let destination = try OutputFile(output, inputs: [file], force: force)
    // The sweep's name from its directory's sweep.txt, else the table's file name.
    let manifest = FileManager.default.contents(
      atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path + "/sweep.txt")
    let name =
      manifest.flatMap { data in
        String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("sweep: ") }.map {
          String($0.dropFirst(7))
        }
      } ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    let title = "SchedLab sweep: " + name
    let page: String
    switch Result(catching: { () throws(ReportError) -> String in
      try SweepHTMLReport.render(csv: String(decoding: data, as: UTF8.self), title: title, tradeoffs: pairs)
    }) {
    case .success(let text): page = text
    case .failure(let error): throw CLIError(message: "\(file): \(error.description)")
    }
    try destination.write(page)
    if let svgDirectory { try Self.writePlots(page, into: svgDirectory) }
  }

  /// Each `<svg class="plot">` of the page as a standalone file, `NN-<title>.svg`.
  static func writePlots(_ page: String, into directory: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw CLIError(message: "\(directory): cannot create it")
    }
    var rest = page[...]
    var n = 0
    while let start = rest.range(of: "<svg class=\"plot\""),
      let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
    {
      let svg = String(rest[start.lowerBound..<end.upperBound])
      n += 1
      let label =
        svg.range(of: "aria-label=\"").flatMap { a in
          svg[a.upperBound...].firstIndex(of: "\"").map { String(svg[a.upperBound..<$0]) }
        } ?? "plot"
      let slug = label.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        .split(separator: "-").joined(separator: "-")
      try SweepStore.write(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg,
        to: directory + "/" + String(format: "%02d", n) + "-" + String(slug.prefix(60)) + ".svg")
      rest = rest[end.upperBound...]
    }
  }
}
