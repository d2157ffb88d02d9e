import Foundation
import SchedLabCore
import SchedLabReport
import SchedLabScenario
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `--set` overrides, sweep specs, `schedlab sweep` and `schedlab merge`, as a user runs them.
extension CLITests {
  /// A small sweep over the seed example: 3 schedulers, credit2-boost's ratio at 2 values, 2 seeds.
  func sweepSpec(_ name: String, extra: String = "") throws -> String {
    let directory = temporaryPath(name)
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let spec = directory + "/spec.yaml"
    try """
    name: \(name)
    base: [\(packageRoot)/scenarios/seed-example.yaml]
    seeds: 1..2
    axes:
      - {path: scheduler, values: [credit, credit2, credit2-boost]}
      - {path: parameters.credit2-boost.boost_ratio_pct, values: [10, 25]}
      - {path: duration, values: [3s]}
    \(extra)
    """.write(toFile: spec, atomically: true, encoding: .utf8)
    return spec
  }

  @Test func pathsParseAndRefuseWhatIsNotAPath() {
    guard case .success(let p) = ScenarioPath.parse("domains[web].workloads[0].rate") else {
      Issue.record("refused a path")
      return
    }
    #expect(p.steps == [.key("domains"), .named("web"), .key("workloads"), .index(0), .key("rate")])
    guard case .success(let q) = ScenarioPath.parse("domains[0].parameters.credit2-boost.boost_ratio_pct") else {
      Issue.record("refused a path")
      return
    }
    #expect(q.policy == "credit2-boost")
    for bad in ["", "a.", "a..b", "a[", "a[]", "a[-1]", "a b", "a]"] {
      if case .success = ScenarioPath.parse(bad) { Issue.record("accepted '\(bad)'") }
    }
  }

  /// `run --set` changes the file as if written so; a bad path or value is one line naming the
  /// override, exit 2.
  @Test func setOverridesAValueOrSaysWhyNot() throws {
    let base = ["run", "scenarios/seed-example.yaml", "--duration", "3s", "--format", "csv", "--no-ideal"]
    let plain = try schedlab(base)
    let heavier = try schedlab(base + ["--set", "domains[c].weight=130", "--set", "scheduler=credit"])
    #expect(plain.status == 0 && heavier.status == 0)
    #expect(heavier.stdout != plain.stdout)
    #expect(heavier.stdout.contains("credit,") && heavier.stdout.contains(",130,"))
    let cases: [([String], String)] = [
      (["--set", "domains[x].weight=1"], "--set: domains[x].weight: domains[x]: no item named 'x'"),
      (["--set", "domains[c].weight=abc"], "domains[c].weight=abc: domains[2].weight: expected a whole number"),
      (["--set", "domains[c.weight=1"], "--set: 'domains[c.weight=1': a '[' without its ']'"),
      (["--set", "weight"], "is not PATH=VALUE"),
    ]
    for (args, message) in cases {
      let out = try schedlab(base + args)
      #expect(out.status == 2, "\(args)")
      #expect(out.stderr.contains(message) && out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
    }
  }

  /// The table is the same bytes with 1 or 2 jobs; a run resumes from the points it kept; the
  /// points of a policy-parameter axis are taken once by the other policies (8 points, not 12).
  @Test func sweepIsDeterministicAndResumes() throws {
    let spec = try sweepSpec("sweep-det")
    let directory = URL(fileURLWithPath: spec).deletingLastPathComponent().path
    let one = try schedlab(["sweep", spec, "-o", directory + "/j1", "--jobs", "1"])
    let two = try schedlab(["sweep", spec, "-o", directory + "/j2", "--jobs", "2"])
    #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
    let fm = FileManager.default
    let csv1 = fm.contents(atPath: directory + "/j1/results.csv")
    #expect(csv1 != nil && csv1 == fm.contents(atPath: directory + "/j2/results.csv"))
    #expect(
      fm.contents(atPath: directory + "/j1/results.jsonl") == fm.contents(atPath: directory + "/j2/results.jsonl"))
    #expect(one.stderr.contains("8 points (0 already done)"), "\(one.stderr)")
    let text = String(decoding: csv1 ?? Data(), as: UTF8.self)
    #expect(
      text.hasPrefix(
        "point,file,scheduler,parameters.credit2-boost.boost_ratio_pct,duration,seed,domain,metric,value\n"))
    #expect(text.contains("\n0,") && text.contains("\n7,") && !text.contains("\n8,"))
    // Resume: two points lost; only they run again, and the table is the same.
    try fm.removeItem(atPath: directory + "/j1/points/000002.csv")
    try fm.removeItem(atPath: directory + "/j1/points/000005.csv")
    try fm.removeItem(atPath: directory + "/j1/results.csv")
    let again = try schedlab(["sweep", spec, "-o", directory + "/j1"])
    #expect(again.stderr.contains("8 points (6 already done)"), "\(again.stderr)")
    #expect(fm.contents(atPath: directory + "/j1/results.csv") == csv1)
    // Another sweep's directory is refused rather than mixed.
    let other = try sweepSpec("sweep-other")
    let refused = try schedlab(["sweep", other, "-o", directory + "/j1"])
    #expect(refused.status == 2 && refused.stderr.contains("holds results of another sweep"), "\(refused.stderr)")
  }

  /// Shards (by --shard and by Slurm's variables) merged give the unsharded table; a missing or a
  /// duplicated point is one line naming it, exit 2.
  @Test func shardsMergeIntoTheSameTable() throws {
    let spec = try sweepSpec("sweep-shards")
    let directory = URL(fileURLWithPath: spec).deletingLastPathComponent().path
    _ = try schedlab(["sweep", spec, "-o", directory + "/all"])
    for k in 0..<3 { _ = try schedlab(["sweep", spec, "-o", directory + "/s\(k)", "--shard", "\(k)/3"]) }
    let merged = try schedlab([
      "merge", directory + "/s0", directory + "/s1", directory + "/s2", "-o", directory + "/m",
    ])
    #expect(merged.status == 0, "\(merged.stderr)")
    let fm = FileManager.default
    #expect(fm.contents(atPath: directory + "/m/results.csv") == fm.contents(atPath: directory + "/all/results.csv"))
    #expect(
      fm.contents(atPath: directory + "/m/results.jsonl") == fm.contents(atPath: directory + "/all/results.jsonl"))
    let missing = try schedlab(["merge", directory + "/s0", directory + "/s1", "-o", directory + "/m2"])
    #expect(
      missing.status == 2
        && missing.stderr == "schedlab: merge: point 2 is in none of the directories (2 of 8 missing)\n")
    let twice = try schedlab([
      "merge", directory + "/s0", directory + "/s1", directory + "/s2", directory + "/all", "-o", directory + "/m3",
    ])
    #expect(twice.status == 2 && twice.stderr.contains("merge: point 0 is in both"), "\(twice.stderr)")
    // SLURM_ARRAY_TASK_ID/COUNT pick the same shard as --shard.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = ["sweep", spec, "-o", directory + "/env1"]
    process.environment = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"]
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    for name in ["000001.csv", "000004.csv", "000007.csv"] {
      #expect(
        fm.contents(atPath: directory + "/env1/points/" + name) == fm.contents(atPath: directory + "/s1/points/" + name)
      )
    }
    #expect((try? fm.contentsOfDirectory(atPath: directory + "/env1/points"))?.count == 3)
  }

  /// A bad axis value is refused before anything runs, at its line in the spec; so is a bad path.
  @Test func aBadAxisIsRefusedAtItsLine() throws {
    let directory = temporaryPath("sweep-bad")
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let spec = directory + "/bad.yaml"
    try """
    name: bad
    base: [\(packageRoot)/scenarios/seed-example.yaml]
    axes:
      - path: domains[c].weight
        values: [256, abc]
    """.write(toFile: spec, atomically: true, encoding: .utf8)
    let out = try schedlab(["sweep", spec, "-o", directory + "/out"])
    #expect(out.status == 2)
    #expect(out.stderr.hasPrefix("schedlab: \(spec):5: domains[c].weight=abc: domains[2].weight: "), "\(out.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/out"))
    try "name: bad\nbase: [\(packageRoot)/scenarios/seed-example.yaml]\naxes:\n  - {path: 'a[', values: [1]}\n"
      .write(toFile: spec, atomically: true, encoding: .utf8)
    let path = try schedlab(["sweep", spec])
    #expect(
      path.status == 2 && path.stderr.contains("bad.yaml:4: axes[0].path: a '[' without its ']'"), "\(path.stderr)")
  }

  /// The emitted job scripts: a Slurm array of N tasks running the shards; a Kubernetes Indexed Job
  /// of N completions (no cluster here: its structure only).
  @Test func emittedJobScriptsRunTheShards() throws {
    let spec = try sweepSpec("sweep-emit")
    let directory = URL(fileURLWithPath: spec).deletingLastPathComponent().path
    let slurm = try schedlab(["sweep", spec, "--emit", "slurm", "--shards", "5", "-o", directory + "/out"])
    #expect(slurm.status == 0)
    #expect(slurm.stdout.hasPrefix("#!/bin/bash\n") && slurm.stdout.contains("#SBATCH --array=0-4\n"))
    #expect(slurm.stdout.contains("-o \(directory)/out/shard-${SLURM_ARRAY_TASK_ID}"))
    let k8s = try schedlab(["sweep", spec, "--emit", "k8s", "--shards", "3"])
    for line in [
      "kind: Job", "completions: 3", "parallelism: 3", "completionMode: Indexed", "SCHEDLAB_SHARD_COUNT, value: \"3\"",
      "$JOB_COMPLETION_INDEX",
    ] {
      #expect(k8s.stdout.contains(line), "\(line)")
    }
    let bad = try schedlab(["sweep", spec, "--emit", "lsf"])
    #expect(bad.status == 2 && bad.stderr.contains("--emit: 'lsf' is not one of slurm, k8s"))
  }
}

extension CLITests {
  /// The sweep table's golden output: `sweeps/smoke.yaml` run afresh writes exactly
  /// `Fixtures/smoke-results.csv` (also the HTML report's golden input).
  @Test func smokeSweepMatchesItsGoldenTable() throws {
    let directory = temporaryPath("smoke-golden")
    try? FileManager.default.removeItem(atPath: directory)
    let out = try schedlab(["sweep", "sweeps/smoke.yaml", "-o", directory])
    #expect(out.status == 0, "\(out.stderr)")
    let fixture = packageRoot + "/Tests/SchedLabTests/Fixtures/smoke-results.csv"
    let produced = try String(contentsOfFile: directory + "/results.csv", encoding: .utf8)
    if ProcessInfo.processInfo.environment["SCHEDLAB_UPDATE_GOLDEN"] != nil {
      try produced.write(toFile: fixture, atomically: true, encoding: .utf8)
      return
    }
    #expect(produced == (try String(contentsOfFile: fixture, encoding: .utf8)), "diff it, then update deliberately")
  }

  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// The report as a browser renders it (headless Chromium from a file URL): the DOM has one plot per
  /// expected figure, each with data marks, axis labels and a legend, no script; the screenshot is not
  /// blank; Chromium logs no console error.
  @Test(.enabled(if: chromium != nil || toolsRequired))
  func reportRendersInChromium() throws {
    let chromium = try #require(Self.chromium, "no chromium (Debian: chromium; see .ci/run)")
    let html = temporaryPath("report.html")
    let out = try schedlab(["report", "Tests/SchedLabTests/Fixtures/smoke-results.csv", "-o", html])
    #expect(out.status == 0, "\(out.stderr)")
    let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    let dom = try run(chromium, flags + ["--dump-dom", "file://" + html])
    #expect(dom.status == 0, "\(dom.stderr)")
    #expect(!dom.stderr.contains("CONSOLE") && !dom.stderr.contains("Uncaught"), "\(dom.stderr)")
    let domFile = temporaryPath("report.dom.html")
    try dom.stdout.write(toFile: domFile, atomically: true, encoding: .utf8)
    let png = temporaryPath("report.png")
    let shot = try run(chromium, flags + ["--screenshot=" + png, "--window-size=1400,1800", "file://" + html])
    #expect(shot.status == 0 && FileManager.default.fileExists(atPath: png), "\(shot.stderr)")
    // 2 sweep-wide plots + the fairness/latency trade-off of the one base scenario (the seed example
    // has no workload with a throughput, so no throughput trade-off).
    let check = try run("/usr/bin/python3", [packageRoot + "/Tests/tools/check_report.py", domFile, png, "3"])
    #expect(check.status == 0 && check.stdout.hasPrefix("ok: 3 plots"), "\(check.stdout)\(check.stderr)")
    // A single run's page (`compare --html`): per scheduler, share against ideal, share over time and
    // wake-up percentiles.
    let runPage = temporaryPath("compare.html")
    let compare = try schedlab([
      "compare", "scenarios/seed-example.yaml", "--schedulers", "credit,credit2", "--duration", "5s", "--html", runPage,
    ])
    #expect(compare.status == 0, "\(compare.stderr)")
    let runDom = try run(chromium, flags + ["--dump-dom", "file://" + runPage])
    try runDom.stdout.write(toFile: domFile, atomically: true, encoding: .utf8)
    _ = try run(chromium, flags + ["--screenshot=" + png, "--window-size=1400,1800", "file://" + runPage])
    let runCheck = try run("/usr/bin/python3", [packageRoot + "/Tests/tools/check_report.py", domFile, png, "6"])
    #expect(runCheck.status == 0 && runCheck.stdout.hasPrefix("ok: 6 plots"), "\(runCheck.stdout)\(runCheck.stderr)")
    // A check's page: one headroom plot per scenario.
    let checkPage = temporaryPath("check.html")
    let checked = try schedlab([
      "check", "scenarios/suite/p02-weights.yaml", "scenarios/suite/p04-light-waker-04.yaml", "--seeds", "1..3",
      "--html", checkPage,
    ])
    #expect(checked.status == 0, "\(checked.stdout)")
    let checkDom = try run(chromium, flags + ["--dump-dom", "file://" + checkPage])
    try checkDom.stdout.write(toFile: domFile, atomically: true, encoding: .utf8)
    _ = try run(chromium, flags + ["--screenshot=" + png, "--window-size=1400,1800", "file://" + checkPage])
    let pageCheck = try run("/usr/bin/python3", [packageRoot + "/Tests/tools/check_report.py", domFile, png, "2"])
    #expect(
      pageCheck.status == 0 && pageCheck.stdout.hasPrefix("ok: 2 plots"), "\(pageCheck.stdout)\(pageCheck.stderr)")
  }
}

extension CLITests {
  /// `report --svg-dir`: every plot of the page as a standalone SVG file (XML with the SVG namespace),
  /// named by its number and title; a table that is not a sweep's is one line, exit 2.
  @Test func reportWritesEachPlotAsSVG() throws {
    let directory = temporaryPath("svgs")
    try? FileManager.default.removeItem(atPath: directory)
    let out = try schedlab([
      "report", "Tests/SchedLabTests/Fixtures/smoke-results.csv", "-o", temporaryPath("svgs.html"), "--svg-dir",
      directory,
    ])
    #expect(out.status == 0, "\(out.stderr)")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(
      files == [
        "01-share-against-ideal-every-vm-of-every-run.svg", "02-wake-up-latency-p99-of-every-vm-that-woke-cdf.svg",
        "03-seed-example-worst-wake-p99-us-vs-worst-share-error.svg",
      ])
    for file in files {
      let document = try XMLDocument(contentsOf: URL(fileURLWithPath: directory + "/" + file), options: [])
      #expect(document.rootElement()?.name == "svg")
      let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
      #expect(text.contains("<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\""))
    }
    let bad = temporaryPath("bad.csv")
    try "a,b\n1,2\n".write(toFile: bad, atomically: true, encoding: .utf8)
    let refused = try schedlab(["report", bad, "-o", temporaryPath("bad.html")])
    #expect(refused.status == 2 && refused.stderr.contains("not a sweep results table"), "\(refused.stderr)")
  }
}

/// The sweep page's sections: one per base file and, when the sweep varies the host model, per model.
@Test func reportSplitsSectionsByHostModel() throws {
  let csv = """
    point,file,host.model,scheduler,seed,domain,metric,value
    0,a.yaml,ideal,credit2,1,vm,share,0.5
    0,a.yaml,ideal,credit2,1,vm,share_minus_ideal,0.01
    0,a.yaml,ideal,credit2,1,vm,wake_p99_ns,1000
    1,a.yaml,realistic,credit2,1,vm,share,0.4
    1,a.yaml,realistic,credit2,1,vm,share_minus_ideal,0.02
    1,a.yaml,realistic,credit2,1,vm,wake_p99_ns,3000

    """
  let page = try SweepHTMLReport.render(
    csv: csv, title: "t", tradeoffs: [(.worstShareError, .worstWakeP99)])
  #expect(page.contains("<h2>a.yaml (ideal host)</h2>") && page.contains("<h2>a.yaml (realistic host)</h2>"))
  #expect(page.contains("a, ideal: worst_wake_p99_us vs worst_share_error"))
  #expect(page.contains("a, realistic: worst_wake_p99_us vs worst_share_error"))
}

/// A trade-off may plot one domain's metric from the table (`DOMAIN:METRIC`), averaged over seeds;
/// shares and throughputs are better larger, so the Pareto front keeps the configuration with the
/// most build share and the fewest underruns, and the summary table gains the figures asked for.
@Test func reportPlotsADomainsMetric() throws {
  let csv = """
    point,file,scheduler,seed,domain,metric,value
    0,q.yaml,credit,1,build,share,1.0
    0,q.yaml,credit,1,call,audio.underruns_per_min,600
    1,q.yaml,credit,2,build,share,2.0
    1,q.yaml,credit,2,call,audio.underruns_per_min,400
    2,q.yaml,credit2,1,build,share,2.5
    2,q.yaml,credit2,1,call,audio.underruns_per_min,0
    3,q.yaml,credit2,2,build,share,2.5
    3,q.yaml,credit2,2,call,audio.underruns_per_min,0

    """
  let x = try #require(SweepHTMLReport.Figure("build:share"))
  let y = try #require(SweepHTMLReport.Figure("call:audio.underruns_per_min"))
  #expect(SweepHTMLReport.Figure("worst_underruns_per_min") == .worstUnderruns)
  #expect(SweepHTMLReport.Figure("nonsense") == nil && SweepHTMLReport.Figure(":share") == nil)
  let page = try SweepHTMLReport.render(csv: csv, title: "t", tradeoffs: [(x, y)])
  #expect(page.contains("q: call:audio.underruns_per_min vs build:share"))
  #expect(page.contains("<th>build: share</th><th>call: audio.underruns_per_min</th>"))
  // credit: the mean of its two seeds (1.5 pCPUs, 500/min); credit2: 2.5 and 0.
  #expect(page.contains("<td>1.50</td><td>500</td>") && page.contains("<td>2.50</td><td>0.0000</td>"))
  #expect(x.maximized && !y.maximized && SweepHTMLReport.Figure.throughput.maximized)
}

/// One CSV quoting for every CSV SchedLab writes (run CSV, jobs log, sweep table), read back by the
/// report's parser: plain fields as they are, the others quoted with quotes doubled.
@Test func csvFieldsRoundTrip() {
  let cells = ["plain", "a,b", "say \"hi\"", "two\nlines", ""]
  #expect(cells.map(Format.csvField) == ["plain", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", ""])
  #expect(CSVText.parse(SweepTable.csvLine(cells)) == [cells])
}
