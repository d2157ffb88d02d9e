import Foundation
import SchedLabCore
import SchedLabEvaluation
import SchedLabReport
import SchedLabScenario
import Testing

@testable import SchedLabPolicies

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// credit2 with a bug: every vCPU burns credit as if it had the default weight (a credit2 extension,
/// as boost is one).
final class WeightBlind: Credit2Extension {
  func initialize(_ scheduler: Credit2Scheduler<WeightBlind>, context: SchedContext) {
    for v in scheduler.unitWeight.indices { scheduler.unitWeight[v] = 256 }
    for d in scheduler.domains.indices { scheduler.domains[d].weight = 256 }
  }

  static let weightBlind = PolicyDescriptor(
    name: "credit2-weight-blind", summary: "credit2 ignoring weights (a test's deliberate bug)", weights: .perVCPU,
    parameters: Credit2Tunables.specs,
    make: { Credit2Scheduler(parameters: $0.tunables, name: "credit2-weight-blind", extension: WeightBlind()) })
}

/// `schedlab check`: expectations, verdicts, baselines, seeds, XFAIL/XPASS and JUnit.
@Suite struct CheckTests {
  static let suite = packageRoot + "/scenarios/suite/"

  /// Two burners weighted 256:512 on one pCPU, with the given `expect:` entries.
  static func yaml(_ expect: String, name: String = "two-weights", duration: String = "2s") -> String {
    """
    name: \(name)
    host: {sockets: 1, cores: 1, threads: 1}
    scheduler: credit2
    duration: \(duration)
    warmup: 100ms
    domains:
      - {name: light, weight: 256, workloads: [{type: burner}]}
      - {name: heavy, weight: 512, workloads: [{type: burner}]}
    expect:
    \(expect)
    """
  }

  static func scenario(_ expect: String) throws -> Scenario {
    try ScenarioLoader.parse(yaml(expect), path: "two-weights.yaml")
  }

  /// The suite's weight scenarios pass under credit2 and fail under a credit2 that ignores weights,
  /// with a message naming scenario, expectation, measured value and bound.
  @Test func weightBlindPolicyFailsTheSuite() throws {
    let files = ["p02-weights.yaml", "p02-sedf-weights.yaml", "p03-demand-limited.yaml"]
    let scenarios = try files.map { try ScenarioLoader.load(path: Self.suite + $0) }
    let good = try Checker.check(scenarios, options: .init(policy: PolicyRegistry.lookup("credit2")!, jobs: 2))
    #expect(good.allSatisfy { $0.verdict == .pass }, "\(good.filter { $0.verdict != .pass }.map(\.message))")
    // The whole suite, as `schedlab check scenarios/suite` would run it with this policy plugged in.
    let all = try FileManager.default.contentsOfDirectory(atPath: Self.suite).filter { $0.hasSuffix(".yaml") }.sorted()
      .map { try ScenarioLoader.load(path: Self.suite + $0) }
    let bad = try Checker.check(all, options: .init(policy: WeightBlind.weightBlind, jobs: 2))
    let failures = bad.filter { $0.verdict == .fail }
    let weights = try #require(
      failures.first { $0.scenario == "p02-weights" && $0.expectation.name == "heavy gets 2/3" })
    // Equal weights: heavy gets 0.5 instead of 0.667.
    #expect(abs(try #require(weights.worst.value) - 0.5) < 0.01)
    #expect(weights.message.contains("p02-weights: heavy gets 2/3 under credit2-weight-blind: measured 0.50"))
    #expect(weights.message.contains("bound >= 0.647, <= 0.687 -> FAIL"))
    #expect(weights.message.hasPrefix(Self.suite + "p02-weights.yaml:"))
    #expect(failures.contains { $0.scenario == "p02-sedf-weights" })
    let table = CheckReport.table(bad, seeds: "seed 1")
    #expect(table.contains("FAIL: " + weights.message))
  }

  /// An expectation marked xfail that fails is XFAIL; one that passes is XPASS, a failure.
  @Test func xfailAndXpass() throws {
    let s = try Self.scenario(
      """
        - {name: fair, domain: all, metric: share_vs_ideal, max_abs: 0.02}
        - {name: impossible, domain: heavy, metric: share, min: 0.9, xfail: [credit2]}
        - {name: stale mark, domain: heavy, metric: share, min: 0.6, xfail: [credit2]}
        - {name: other scheduler's mark, domain: heavy, metric: share, min: 0.9, xfail: [credit]}
      """)
    let r = try Checker.check([s], options: .init(jobs: 1))
    #expect(r.map(\.verdict) == [.pass, .xfail, .xpass, .fail])
    #expect(r.map(\.verdict.isFailure) == [false, false, true, true])
  }

  /// With several seeds every seed is judged and the worst one is reported; results do not depend
  /// on the number of workers.
  @Test func seedsWorstAndJobs() throws {
    let s = try Self.scenario(
      """
        - {domain: all, metric: share_vs_ideal, max_abs: 0.02}
        - {domain: heavy, metric: share, baseline: rr, max_vs_baseline: 1.5}
      """)
    let one = try Checker.check([s, s], options: .init(seeds: 3...6, jobs: 1))
    let two = try Checker.check([s, s], options: .init(seeds: 3...6, jobs: 2))
    #expect(one.count == 4)
    #expect(one.map(\.message) == two.map(\.message))
    for r in one {
      #expect(r.seeds.map(\.seed) == [3, 4, 5, 6])
      #expect(r.worst.score == r.seeds.map(\.score).max())
    }
    // Round robin splits the pCPU equally: heavy gets 0.667 / 0.5 of rr's share.
    let relative = one[1]
    #expect(abs(try #require(relative.worst.ratio) - 4.0 / 3.0) < 0.02)
    #expect(relative.verdict == .pass)
  }

  /// A check that has nothing to measure fails instead of passing vacuously.
  @Test func nothingToMeasureFails() throws {
    let s = try Self.scenario("  - {domain: light, metric: wake_latency, max: 1ms}")
    let r = try Checker.check([s], options: .init(jobs: 1))
    #expect(r[0].verdict == .fail)
    #expect(r[0].measuredText.contains("not measurable: light: no wake-ups"))
  }

  @Test func badExpectationsAreOneLineErrors() throws {
    func error(_ expect: String) -> String {
      do {
        _ = try Self.scenario(expect)
        return ""
      } catch let error as ScenarioError {
        return error.description
      } catch {
        return "\(error)"
      }
    }
    #expect(
      error("  - {metric: shares, max: 1}").contains("two-weights.yaml:10: expect[0].metric: unknown metric 'shares'"))
    #expect(error("  - {metric: share, max: 1}").contains("expect[0].domain: metric share needs a domain"))
    #expect(error("  - {domain: light, metric: idle_fraction, max: 1}").contains("is host-wide"))
    #expect(error("  - {domain: light, metric: share}").contains("needs a bound"))
    #expect(error("  - {domain: nobody, metric: share, max: 1}").contains("no domain named 'nobody'"))
    #expect(error("  - {domain: light, metric: share, max_vs_baseline: 1}").contains("need a baseline"))
    #expect(
      error("  - {domain: light, metric: share, baseline: credit3, max_vs_baseline: 1}")
        .contains("expect[0].baseline: unknown scheduler 'credit3'"))
  }
}

/// The `check` command as a user runs it.
extension CLITests {
  func writeScenario(_ name: String, _ expect: String) throws -> String {
    let path = temporaryPath(name)
    try CheckTests.yaml(expect, name: name, duration: "1s").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func checkExitStatusFollowsVerdicts() throws {
    let passing = try writeScenario("pass.yaml", "  - {domain: heavy, metric: share, min: 0.6}")
    let xfail = try writeScenario("xfail.yaml", "  - {domain: heavy, metric: share, min: 0.9, xfail: [credit2]}")
    let xpass = try writeScenario("xpass.yaml", "  - {domain: heavy, metric: share, min: 0.6, xfail: [credit2]}")
    defer { for p in [passing, xfail, xpass] { try? FileManager.default.removeItem(atPath: p) } }
    #expect(try schedlab(["check", passing, xfail]).status == 0)
    let bad = try schedlab(["check", passing, xpass])
    #expect(bad.status == 1)
    #expect(bad.stdout.contains("XPASS: ") && bad.stdout.contains("drop the mark"))
    let usage = try schedlab(["check", passing, "--seeds", "5..2"])
    #expect(usage.status == 2)
    #expect(usage.stderr == "schedlab: --seeds: '5..2' is not a seed or a range A..B with A <= B\n")
  }

  @Test func junitIsWellFormedWithOneTestcasePerExpectation() throws {
    let a = try writeScenario(
      "junit-a.yaml",
      """
        - {name: "heavy <share> & \\"more\\"", domain: heavy, metric: share, min: 0.6}
        - {domain: heavy, metric: share, min: 0.9, xfail: [credit2], why: "weights cap it at 2/3"}
      """)
    let b = try writeScenario("junit-b.yaml", "  - {domain: light, metric: share, min: 0.9}")
    let xml = temporaryPath("junit.xml")
    defer { for p in [a, b, xml] { try? FileManager.default.removeItem(atPath: p) } }
    let out = try schedlab(["check", a, b, "--junit", xml, "--seeds", "1..2"])
    #expect(out.status == 1)
    let doc = try XMLDocument(contentsOf: URL(fileURLWithPath: xml))
    let cases = try doc.nodes(forXPath: "//testcase")
    #expect(cases.count == 3)
    #expect(try doc.nodes(forXPath: "//testsuite").count == 2)
    #expect(try doc.nodes(forXPath: "//testcase/skipped").count == 1)
    let skipped = try #require(try doc.nodes(forXPath: "//testcase/skipped").first as? XMLElement)
    #expect(
      skipped.attribute(forName: "message")?.stringValue == "expected to fail under credit2: weights cap it at 2/3")
    #expect(try doc.nodes(forXPath: "//testcase/failure").count == 1)
    let root = try #require(doc.rootElement())
    #expect(root.attribute(forName: "tests")?.stringValue == "3")
    #expect(root.attribute(forName: "failures")?.stringValue == "1")
    let names = cases.compactMap { ($0 as? XMLElement)?.attribute(forName: "name")?.stringValue }
    #expect(names.contains("heavy <share> & \"more\""))
  }
}

/// The shipped regression suite, as `.ci/run` runs it (through `swift test`).
extension CLITests {
  /// The suite under every registered Xen policy. credit2-boost passes everything on the ideal
  /// host but the latency a `dont_desched` hog imposes on an audio VM (one XFAIL, found by search)
  /// and the reservation files, which need a reservation it does not have; credit2 passes with the
  /// latency properties XFAIL; credit2-boost-proposal with its share properties XFAIL; credit
  /// (credit1) with its own, credit-bcs with credit1's where it has no reservation, rtds with those
  /// its default servers miss, and null with every expectation that needs the vCPUs it leaves
  /// waiting (the suite overcommits), explained in the files. Marks hold for the seeds that fail,
  /// so runs whose verdicts differ by seed check seeds 1..8, as the README's verdict table does for
  /// every policy on both host models (a release build, by hand: ~10 s each).
  @Test(arguments: [
    ("credit2-boost", "ideal", false), ("credit2", "ideal", false), ("credit2-boost-proposal", "ideal", false),
    ("credit", "ideal", true), ("credit2-boost", "realistic", true), ("null", "ideal", false),
    ("credit-bcs", "ideal", true), ("rtds", "ideal", true),
  ])
  func shippedSuitePasses(scheduler: String, hostModel: String, allSeeds: Bool) throws {
    var arguments = ["check", "scenarios/suite", "--scheduler", scheduler, "--host-model", hostModel]
    if allSeeds { arguments += ["--seeds", "1..8"] }
    let out = try schedlab(arguments)
    #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
    #expect(out.stdout.contains(" 0 failed, 0 passed unexpectedly"))
    if scheduler == "credit2" {
      for file in ["p04-light-waker-08", "p04-light-waker-16", "p10-storm-8k"] {
        let row = try #require(
          out.stdout.split(separator: "\n").first { $0.hasPrefix(file + " ") && $0.contains("audio wake_latency p99") })
        #expect(row.hasSuffix("XFAIL"))
      }
    }
    if scheduler == "credit2-boost" && hostModel == "ideal" {
      let xfails = out.stdout.split(separator: "\n").filter { $0.hasSuffix("XFAIL") }
      let files = Set(xfails.map { String($0.prefix { $0 != " " }) })
      #expect(
        files == ["p07-dont-desched-hog-latency", "p02-reservation", "p02-reservation-video", "p02-reservation-rogue"],
        "\(xfails)")
      #expect(xfails.filter { $0.hasPrefix("p07-dont-desched-hog-latency ") }.count == 1)
    }
  }

  /// `xfail: [NAME@MODEL]` holds on that host model only: the same mark is XFAIL on one and, where
  /// the expectation passes, XPASS on the other.
  @Test func xfailMarksCanNameAHostModel() throws {
    let text = """
      host: {cores: 1, threads: 2}
      scheduler: credit2
      duration: 2s
      domains:
        - {name: w, affinity: [0], workloads: [{type: phases, steps: ['run 1ms', 'block 1ms']}]}
        - {name: s, affinity: [1], workloads: [{type: burner}]}
      expect:
        # 0.5 on the ideal host; 0.606 on the realistic one, whose busy sibling slows w to 65%.
        - {domain: w, metric: share, max: 0.55, xfail: [credit2@realistic]}
      """
    let path = temporaryPath("model-mark.yaml")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let ideal = try schedlab(["check", path])
    #expect(ideal.status == 0 && ideal.stdout.contains("PASS"), "\(ideal.stdout)")
    let realistic = try schedlab(["check", path, "--host-model", "realistic"])
    #expect(realistic.status == 0 && realistic.stdout.contains("XFAIL"), "\(realistic.stdout)")
    let wrong = try schedlab(["check", path, "--host-model", "fast"])
    #expect(wrong.status == 2 && wrong.stderr.contains("--host-model: unknown host model 'fast'"))
  }

  /// Loosening one of credit2's XFAIL latency bounds until credit2 meets it turns it into XPASS,
  /// and the check exits 1.
  @Test func loosenedXfailBecomesXpass() throws {
    let original = try String(contentsOfFile: packageRoot + "/scenarios/suite/p04-light-waker-08.yaml", encoding: .utf8)
    let loosened = original.replacingOccurrences(
      of: "max: 250us, xfail: [credit2, credit, credit-bcs, rtds]",
      with: "max: 2ms, xfail: [credit2, credit, credit-bcs, rtds]")
    #expect(loosened != original)
    let path = temporaryPath("loosened.yaml")
    try loosened.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let out = try schedlab(["check", path, "--scheduler", "credit2"])
    #expect(out.status == 1)
    #expect(out.stdout.contains("XPASS: \(path):"))
    #expect(out.stdout.contains("audio wake_latency p99 under credit2"))
  }
}
