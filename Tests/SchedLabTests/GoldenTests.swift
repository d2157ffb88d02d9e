import Foundation
import Testing

/// Golden outputs: every renderer (run's table, summary, JSON and CSV; compare's table and CSV; ideal's
/// table and JSON; check's table and JUnit; bench's CSV header) on a few shipped scenarios, compared
/// byte for byte with `Tests/SchedLabTests/Golden/`. A deliberate change of output is recorded with
/// `SCHEDLAB_UPDATE_GOLDEN=1 swift test --filter GoldenTests`, and the diff is reviewed like code.
extension CLITests {
  struct GoldenCase: Sendable, CustomStringConvertible {
    var file: String
    var arguments: [String]
    var status: Int32 = 0
    /// The report goes to this option's file (JUnit) instead of stdout.
    var outputOption: String? = nil
    var description: String { file }
  }

  static let goldenCases: [GoldenCase] = [
    GoldenCase(file: "run-seed-example.txt", arguments: ["run", "scenarios/seed-example.yaml", "--duration", "5s"]),
    GoldenCase(
      file: "run-seed-example.json",
      arguments: ["run", "scenarios/seed-example.yaml", "--duration", "5s", "--format", "json"]),
    GoldenCase(
      file: "run-seed-example.csv",
      arguments: ["run", "scenarios/seed-example.yaml", "--duration", "5s", "--format", "csv"]
    ),
    // Request, job and stream workloads: the table's and CSV's per-workload columns.
    GoldenCase(
      file: "run-server-among-burners.txt",
      arguments: ["run", "scenarios/server-among-burners.yaml", "--duration", "3s"]
    ),
    GoldenCase(
      file: "run-server-among-burners.csv",
      arguments: ["run", "scenarios/server-among-burners.yaml", "--duration", "3s", "--format", "csv"]),
    GoldenCase(
      file: "run-audio-among-burners.json",
      arguments: [
        "run", "scenarios/audio-among-burners.yaml", "--duration", "3s", "--format", "json", "--host-model",
        "realistic",
      ]),
    // Several files: the summary table.
    GoldenCase(
      file: "run-matrix-summary.txt",
      arguments: [
        "run", "scenarios/matrix/s1-one-batch.yaml", "scenarios/matrix/s2-two-batch-apart.yaml", "--duration", "2s",
      ]),
    GoldenCase(
      file: "compare-seed-example.txt",
      arguments: ["compare", "scenarios/seed-example.yaml", "--schedulers", "credit,credit2,rr", "--duration", "5s"]),
    GoldenCase(
      file: "compare-seed-example.csv",
      arguments: [
        "compare", "scenarios/seed-example.yaml", "--schedulers", "credit,credit2", "--duration", "5s", "--format",
        "csv",
      ]),
    // Requests (offered load, served, tail) and scripts (done per second) side by side.
    GoldenCase(
      file: "compare-server-among-burners.txt",
      arguments: [
        "compare", "scenarios/server-among-burners.yaml", "--schedulers", "credit,credit2", "--duration", "3s",
      ]),
    GoldenCase(
      file: "compare-schedbench.txt",
      arguments: [
        "compare", "scenarios/suite/p01-schedbench.yaml", "--schedulers", "credit2,credit2-boost", "--duration", "3s",
      ]),
    GoldenCase(
      file: "ideal-seed-example.txt", arguments: ["ideal", "scenarios/seed-example.yaml", "--duration", "5s"]),
    GoldenCase(
      file: "ideal-seed-example.json",
      arguments: ["ideal", "scenarios/seed-example.yaml", "--duration", "5s", "--format", "json"]),
    GoldenCase(
      file: "check-weights-and-light-waker.txt",
      arguments: ["check", "scenarios/suite/p02-weights.yaml", "scenarios/suite/p04-light-waker-04.yaml"]),
    // Expected failures (credit1 ignores caps' window bound), and real ones (rr ignores weights).
    GoldenCase(
      file: "check-credit-xfail.txt", arguments: ["check", "scenarios/suite/p02-cap.yaml", "--scheduler", "credit"]),
    GoldenCase(
      file: "check-rr-fails.txt", arguments: ["check", "scenarios/suite/p02-weights.yaml", "--scheduler", "rr"],
      status: 1),
    // The sweep's HTML report, from the smoke sweep's table (Fixtures/smoke-results.csv, itself the
    // sweep table's golden output: smokeSweepMatchesItsGoldenTable).
    GoldenCase(
      file: "report-smoke.html", arguments: ["report", "Tests/SchedLabTests/Fixtures/smoke-results.csv"],
      outputOption: "-o"),
    GoldenCase(
      file: "compare-seed-example.html",
      arguments: ["compare", "scenarios/seed-example.yaml", "--schedulers", "credit,credit2", "--duration", "5s"],
      outputOption: "--html"),
    GoldenCase(
      file: "check-weights-and-light-waker.html",
      arguments: [
        "check", "scenarios/suite/p02-weights.yaml", "scenarios/suite/p04-light-waker-04.yaml", "--seeds", "1..3",
      ],
      outputOption: "--html"),
    GoldenCase(
      file: "check-weights-and-light-waker.junit.xml",
      arguments: ["check", "scenarios/suite/p02-weights.yaml", "scenarios/suite/p04-light-waker-04.yaml"],
      outputOption: "--junit"),
  ]

  static let goldenDirectory = packageRoot + "/Tests/SchedLabTests/Golden/"

  @Test(arguments: goldenCases)
  func rendererMatchesItsGoldenOutput(_ golden: GoldenCase) throws {
    var arguments = golden.arguments
    var reportFile: String?
    if let option = golden.outputOption {
      let path = temporaryPath("golden-" + golden.file)
      try? FileManager.default.removeItem(atPath: path)
      arguments += [option, path]
      reportFile = path
    }
    let out = try schedlab(arguments)
    #expect(out.status == golden.status, "\(golden.file): status \(out.status): \(out.stderr)")
    var text = out.stdout
    if let reportFile {
      text = try String(contentsOfFile: reportFile, encoding: .utf8)
      try? FileManager.default.removeItem(atPath: reportFile)
    }
    let path = Self.goldenDirectory + golden.file
    if ProcessInfo.processInfo.environment["SCHEDLAB_UPDATE_GOLDEN"] != nil {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == expected, "\(golden.file) differs from its golden output; diff it, then update deliberately")
  }

  /// Every golden file belongs to a case (a renamed case leaves no orphan behind).
  @Test func everyGoldenFileHasItsCase() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.goldenDirectory).sorted()
    #expect(files == Self.goldenCases.map(\.file).sorted())
  }
}
