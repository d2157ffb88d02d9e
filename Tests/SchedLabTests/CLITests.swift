import Foundation
import Testing

/// The `schedlab` executable as a user runs it.
@Suite struct CLITests {
  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static let binary = packageRoot + "/.build/debug/schedlab"

  func schedlab(_ arguments: [String]) throws -> Output { try run(Self.binary, arguments) }

  /// Run a program from the package root and collect its output.
  func run(_ program: String, _ arguments: [String]) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "schedlab-test-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
  }

  @Test func sameSeedIsByteIdenticalAndAnotherSeedDiffers() throws {
    let args = ["run", "scenarios/seed-example.yaml", "--format", "json", "--duration", "5s"]
    let a = try schedlab(args)
    let b = try schedlab(args)
    #expect(a.status == 0, "\(a.stderr)")
    #expect(a.stdout == b.stdout)
    let c = try schedlab(args + ["--seed", "2"])
    #expect(c.status == 0)
    #expect(c.stdout != a.stdout)
    #expect(a.stdout.contains("\"scheduler\": \"credit2\""))
    #expect(a.stdout.contains("\"wake_latency_ns\""))
  }

  @Test func badScenarioIsOneLineExit2AndNoOutputFile() throws {
    let scenario = temporaryPath("bad.yaml")
    let output = temporaryPath("out.json")
    try "host: {cores: 2}\nscheduler: credit2\nduration: 1s\ndomains:\n  - {name: a, weight: 0}\n"
      .write(toFile: scenario, atomically: true, encoding: .utf8)
    let r = try schedlab(["run", scenario, "--format", "json", "-o", output])
    #expect(r.status == 2)
    #expect(r.stderr.hasSuffix("\n") && r.stderr.dropLast().split(separator: "\n").count == 1, "\(r.stderr)")
    #expect(r.stderr.contains("bad.yaml:5: domains[0].weight: 0 is outside 1...65535"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func badFlagsAndMissingFilesExit2() throws {
    let missing = try schedlab(["run", "no-such-file.yaml"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("no-such-file.yaml: no such file or directory"))
    let flag = try schedlab(["run", "scenarios/seed-example.yaml", "--format", "xml"])
    #expect(flag.status == 2)
    let duration = try schedlab(["run", "scenarios/seed-example.yaml", "--duration", "1s"])
    #expect(duration.status == 2)
    #expect(duration.stderr.contains("warm-up"))
    let scheduler = try schedlab(["run", "scenarios/seed-example.yaml", "--scheduler", "nope"])
    #expect(scheduler.status == 2)
    #expect(scheduler.stderr.contains("unknown scheduler 'nope'"))
  }

  @Test func outputFileIsWrittenWhole() throws {
    let output = temporaryPath("good.csv")
    let r = try schedlab([
      "run", "scenarios/burners-mixed-weights.yaml", "--format", "csv", "-o", output, "--duration", "3s",
    ])
    #expect(r.status == 0)
    let text = try String(contentsOfFile: output, encoding: .utf8)
    #expect(text.split(separator: "\n").count == 7)
    try? FileManager.default.removeItem(atPath: output)
  }

  @Test func versionListCompareAndIdeal() throws {
    let version = try schedlab(["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("0."))
    let list = try schedlab(["list"])
    #expect(list.stdout.contains("credit2") && list.stdout.contains("ratelimit_us") && list.stdout.contains("periodic"))
    let compare = try schedlab([
      "compare", "scenarios/seed-example.yaml", "--schedulers", "credit2,rr", "--duration", "4s",
    ])
    #expect(compare.status == 0, "\(compare.stderr)")
    #expect(compare.stdout.contains("credit2 share") && compare.stdout.contains("rr share"))
    // rr ignores weights: its own ideal column (0.5 each here), not credit2's 0.42 / 0.78.
    let header = compare.stdout.split(separator: "\n")[1]
    #expect(header.contains("rr share  ideal"), "\(header)")
    let ideal = try schedlab(["ideal", "scenarios/seed-example.yaml", "--duration", "4s"])
    #expect(ideal.stdout.contains("0.420") && ideal.stdout.contains("0.780"))
  }
}
