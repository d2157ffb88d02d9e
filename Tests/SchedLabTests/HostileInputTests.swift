import Foundation
import Testing

/// Hostile and careless input, as a user would type it: each case must end with exit status 2 and
/// exactly one line on stderr naming the file, the right line and key, and what is wrong; no crash,
/// no stack trace, nothing written.
extension CLITests {
  static let header = "host: {cores: 2}\nscheduler: credit2\nduration: 1s\n"
  static let burner = "domains: [{name: a, workloads: [{type: burner}]}]\n"

  /// (name, scenario text, expected stderr fragment): run through `schedlab validate` and `run`.
  static let hostileScenarios: [(String, String, String)] = [
    (
      "backend cycle",
      header
        + "domains:\n  - {name: h, backend: g}\n  - {name: g, backend: k}\n  - {name: k, backend: g}\n"
        + "  - {name: app, workloads: [{type: net-rr, backend: h}]}\n",
      ":6: domains[1].backend: a cycle of backends: g → k → g"
    ),
    (
      "own backend", header + "domains:\n  - {name: h, backend: h}\n",
      ":5: domains[0].backend: a domain cannot be its own backend"
    ),
    (
      "a backend hop with no backend", header + "domains:\n  - {name: h, backend_hop: 20us}\n",
      ":5: domains[0].backend_hop: 'backend_hop' needs 'backend'"
    ),
    (
      "backend vCPU out of range", header + "domains:\n  - {name: h, backend: g, backend_vcpu: 2}\n  - {name: g}\n",
      ":5: domains[0].backend_vcpu: 2 is outside 0...0"
    ),
    ("window longer than the run", header + "window: 5s\n" + burner, ":4: window: a window of 5s is longer"),
    ("absurd context switch", header + "context_switch: 10s\n" + burner, ":4: context_switch: 10s is more than 10ms"),
    (
      "absurd host cost", "host: {cores: 2, wake_ipi: 1s}\nscheduler: credit2\nduration: 1s\n" + burner, "host.wake_ipi"
    ),
    (
      "newline in a name", header + "domains:\n  - {name: \"a\\nb\", workloads: [{type: burner}]}\n",
      ":5: domains[0].name: a name cannot contain control characters"
    ),
    ("empty name", header + "domains:\n  - {name: \"\", workloads: [{type: burner}]}\n", "a name cannot be empty"),
    (
      "tab in a workload name", header + "domains:\n  - {name: a, workloads: [{type: burner, name: \"x\\ty\"}]}\n",
      ":5: domains[0].workloads[0].name: a name cannot contain control characters"
    ),
    (
      "a domain parameter the policy lacks",
      header + "domains:\n  - {name: a, parameters: {credit2: {weight: 3}}, workloads: [{type: burner}]}\n",
      ":5: domains[0].parameters.credit2.weight: unknown parameter (credit2 has none here)"
    ),
    (
      "a domain parameter out of range",
      header + "domains:\n  - {name: a, parameters: {credit2-boost: {boost_ratio_pct: 300}}}\n",
      ":5: domains[0].parameters.credit2-boost.boost_ratio_pct: 300 is outside 0...100"
    ),
    (
      "two dom0", header + "domains:\n  - {name: d0, dom0: true}\n  - {name: d1, dom0: true}\n",
      ":6: domains[1].dom0: 'd0' is already the control domain"
    ),
    (
      "an argument the operation ignores",
      header + "domains:\n  - {name: d0, dom0: true}\n  - {name: a, workloads: [{type: burner}]}\ncontrol:\n"
        + "  - {at: 0s, caller: d0, op: get_counters, target: a, ratio: 25%}\n",
      ":8: control[0].ratio: get_counters takes no 'ratio'"
    ),
    (
      "a call without the argument it needs",
      header + "domains:\n  - {name: d0, dom0: true}\n  - {name: a, workloads: [{type: burner}]}\ncontrol:\n"
        + "  - {at: 0s, caller: d0, op: set_weight, target: a}\n",
      ":8: control[0].op: set_weight needs a weight"
    ),
    (
      "a cap above the target's vCPUs",
      header + "domains:\n  - {name: d0, dom0: true}\n  - {name: a, workloads: [{type: burner}]}\ncontrol:\n"
        + "  - {at: 0s, caller: d0, op: sched_adjust, target: a, cap: 150}\n",
      ":8: control[0].cap: 150 is outside 0...100"
    ),
    (
      "service longer than the period",
      header + "domains:\n  - {name: a, workloads: [{type: periodic, period: 1ms, service: 2ms}]}\n",
      ":5: domains[0].workloads[0].service: 2ms of work every 1ms is more than one pCPU can do"
    ),
    (
      "min above max", header + burner + "expect:\n  - {domain: a, metric: share, min: 0.9, max: 0.1}\n",
      ":6: expect[0].max: min (0.9) is above max (0.1)"
    ),
    (
      "negative max_abs", header + burner + "expect:\n  - {domain: a, metric: share_vs_ideal, max_abs: -1}\n",
      ":6: expect[0].max_abs: a bound on |value| cannot be negative"
    ),
    (
      "unknown scheduler in xfail",
      header + burner + "expect:\n  - {domain: a, metric: share, max: 1, xfail: [bvt]}\n",
      ":6: expect[0].xfail: unknown scheduler 'bvt'"
    ),
    (
      "unknown host model in xfail",
      header + burner + "expect:\n  - {domain: a, metric: share, max: 1, xfail: [credit@fast]}\n",
      "'credit@fast': a host model after @ must be one of ideal, realistic"
    ),
    (
      "latency bound without a unit",
      header + burner + "expect:\n  - {domain: a, metric: wake_latency, percentile: p99, max: 250}\n",
      ":6: expect[0].max: '250' needs a unit"
    ),
    (
      "duplicate key", "host: {cores: 2}\nscheduler: credit2\nscheduler: credit\nduration: 1s\n" + burner,
      ":3: scheduler: duplicate key"
    ),
    (
      "zero duration", "host: {cores: 2}\nscheduler: credit2\nduration: 0s\n" + burner, ":3: duration: must be positive"
    ),
    ("warm-up as long as the run", header + "warmup: 1s\n" + burner, ":4: warmup: the warm-up (1s) must be shorter"),
    ("zero window", header + "window: 0s\n" + burner, ":4: window: must be positive"),
    ("zero guest tick", header + "guest_tick: 0ns\n" + burner, ":4: guest_tick: must be positive"),
    (
      "fraction written as a percentage without %",
      header + "domains: [{name: a, workloads: [{type: demand, fraction: 100}]}]\n", "for a percentage write 100%"
    ),
    ("NUL byte", header + burner + "\u{0}\n", ":5: a NUL byte: this is not a text file"),
    ("unknown key", header + burner + "colour: blue\n", ":5: colour: unknown key"),
    (
      "weight out of range", header + "domains: [{name: a, weight: 70000}]\n", ":4: domains[0].weight: 70000 is outside"
    ),
    ("not YAML", "host: [\n", "YAML syntax"),
    (
      "a value spanning lines (found by the fuzzer)",
      "host: {cores: 2}\nscheduler: credit2\nduration: 1s\nseed: \"5\\n\\n 0\"\n" + burner,
      ":4: seed: expected a whole number, got '5\\n"
    ),
  ]

  @Test(arguments: hostileScenarios.indices)
  func hostileScenarioIsOneClearLine(index: Int) throws {
    let (name, text, fragment) = Self.hostileScenarios[index]
    let path = temporaryPath("hostile-\(index).yaml")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for command in [["validate", path], ["run", path, "--no-ideal"]] {
      let out = try schedlab(command)
      #expect(out.status == 2, "\(name): status \(out.status)")
      let lines = out.stderr.split(separator: "\n")
      #expect(lines.count == 1, "\(name): \(out.stderr)")
      #expect(out.stderr.hasPrefix("schedlab: \(path)"), "\(name): \(out.stderr)")
      #expect(out.stderr.contains(fragment), "\(name): \(out.stderr)")
      #expect(out.stdout.isEmpty, "\(name): wrote \(out.stdout.prefix(80))")
    }
  }

  /// Runaway scenarios the loader accepts (each value is legal) but that would run for hours: `run`,
  /// `compare`, `ideal` and `check` refuse them before simulating, with the estimate, the workload
  /// responsible and the flag; with the ceiling raised (and the run shortened) they run.
  static let runaways: [(String, String, String)] = [
    ("storm at 1e9/s", "domains: [{name: a, workloads: [{type: storm, rate: 1e9}]}]\n", "domain a, workload storm"),
    (
      "video at 1e9 fps", "domains: [{name: a, workloads: [{type: video, fps: 1e9, decode: 1ns}]}]\n",
      "domain a, workload video"
    ),
    ("1 ns window", "window: 1ns\n" + burner, "the metrics window"),
    (
      "1 ns guest tick",
      "guest_tick: 1ns\ndomains: [{name: a, workloads: [{type: burner}, {type: burner, name: b}]}]\n",
      "domain a's guest tick"
    ),
    (
      "1 ns demand bursts", "domains: [{name: a, workloads: [{type: demand, fraction: 50%, burst: 1ns}]}]\n",
      "domain a, workload demand"
    ),
  ]

  @Test(arguments: runaways.indices)
  func runawayScenarioIsRefusedWithItsEstimate(index: Int) throws {
    let (name, body, culprit) = Self.runaways[index]
    let path = temporaryPath("runaway-\(index).yaml")
    try ("host: {cores: 2}\nscheduler: credit2\nduration: 10s\n" + body).write(
      toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for command in [
      ["run", path], ["compare", path, "--schedulers", "credit2,rr"], ["ideal", path], ["check", path],
    ] {
      let out = try schedlab(command)
      if command[0] == "check" {
        // No expectations: check refuses the file for that first.
        #expect(out.status == 2, "\(name): check: status \(out.status)")
        continue
      }
      #expect(out.status == 2, "\(name): \(command[0]): status \(out.status)")
      #expect(out.stderr.split(separator: "\n").count == 1, "\(name): \(out.stderr)")
      #expect(out.stderr.contains("would simulate about"), "\(name): \(out.stderr)")
      #expect(out.stderr.contains(culprit) && out.stderr.contains("--max-events"), "\(name): \(out.stderr)")
      #expect(out.stdout.isEmpty)
    }
    let raised = try schedlab(["run", path, "--duration", "20us", "--no-ideal", "--max-events", "1e12"])
    #expect(raised.status == 0, "\(name): with the ceiling raised: \(raised.stderr)")
  }

  @Test func aSeedRangeIsCountedNotAllocated() throws {
    let out = try schedlab(["check", packageRoot + "/scenarios/suite", "--seeds", "1..100000000"])
    #expect(out.status == 2)
    #expect(out.stderr.contains("× 100000000 seeds 1..100000000), above the ceiling of 2.0e9"), "\(out.stderr)")
    let zero = try schedlab(["run", packageRoot + "/scenarios/seed-example.yaml", "--max-events", "0"])
    #expect(zero.status == 2 && zero.stderr.contains("--max-events"), "\(zero.stderr)")
  }

  /// Accepted spellings that used to be refused.
  @Test func ratesMayCarryTheirUnitAndDirectoriesTheirCase() throws {
    let dir = temporaryPath("upper")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let text = Self.header + "domains: [{name: a, workloads: [{type: server, rate: 2000/s, service: 100us}]}]\n"
    try text.write(toFile: dir + "/A.YAML", atomically: true, encoding: .utf8)
    let out = try schedlab(["validate", dir])
    #expect(out.status == 0 && out.stdout.contains("A.YAML"), "\(out.stdout)\(out.stderr)")
    let empty = temporaryPath("empty-dir")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: empty) }
    let none = try schedlab(["run", empty])
    #expect(none.status == 2 && none.stderr.contains("the directory has no .yaml or .yml scenario"), "\(none.stderr)")
    let loop = temporaryPath("loop.yaml")
    try? FileManager.default.removeItem(atPath: loop)
    try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
    defer { try? FileManager.default.removeItem(atPath: loop) }
    let looped = try schedlab(["run", loop])
    #expect(looped.status == 2 && looped.stderr.contains("leads nowhere (or in a loop)"), "\(looped.stderr)")
  }

  /// `-o` never clobbers what is not a report file, and checks before simulating.
  @Test func outputRefusesWhatItMustNotReplace() throws {
    let fm = FileManager.default
    let dir = temporaryPath("out")
    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer {
      try? fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/ro")
      try? fm.removeItem(atPath: dir)
    }
    let scenario = dir + "/s.yaml"
    let text = Self.header + Self.burner
    try text.write(toFile: scenario, atomically: true, encoding: .utf8)
    // A symbolic link to a file: refused, and the file untouched; with --force its target is written.
    let target = dir + "/target.txt"
    try "keep".write(toFile: target, atomically: true, encoding: .utf8)
    try fm.createSymbolicLink(atPath: dir + "/link", withDestinationPath: target)
    let linked = try schedlab(["run", scenario, "--no-ideal", "-o", dir + "/link"])
    #expect(linked.status == 2 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    #expect((try? fm.destinationOfSymbolicLink(atPath: dir + "/link")) == target)
    let forced = try schedlab(["run", scenario, "--no-ideal", "-o", dir + "/link", "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("scenario s"))
    #expect((try? fm.destinationOfSymbolicLink(atPath: dir + "/link")) == target)
    // A FIFO: refused, left a FIFO.
    let fifo = dir + "/fifo"
    #expect(mkfifo(fifo, 0o644) == 0)
    let piped = try schedlab(["run", scenario, "--no-ideal", "-o", fifo])
    #expect(piped.status == 2 && piped.stderr.contains("is not a regular file"), "\(piped.stderr)")
    var info = stat()
    #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
    // The input scenario itself: refused, unchanged.
    let own = try schedlab(["run", scenario, "--no-ideal", "-o", scenario])
    #expect(own.status == 2 && own.stderr.contains("is an input of this command"), "\(own.stderr)")
    #expect(try String(contentsOfFile: scenario, encoding: .utf8) == text)
    // A directory: refused with a plain message.
    let asDir = try schedlab(["run", scenario, "--no-ideal", "-o", dir])
    #expect(asDir.status == 2 && asDir.stderr.contains("is a directory"), "\(asDir.stderr)")
    // A read-only directory: refused before simulating. Root may write anywhere, so as root the
    // command runs as `nobody` (through runuser) when that user can reach the binary at all.
    let ro = dir + "/ro"
    try fm.createDirectory(atPath: ro, withIntermediateDirectories: true)
    try fm.setAttributes([.posixPermissions: 0o555], ofItemAtPath: ro)
    try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
    try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: scenario)
    let readOnlyArguments = ["run", scenario, "--no-ideal", "-o", ro + "/r.txt"]
    let readOnly: Output
    if getuid() == 0 {
      readOnly = try run("/usr/sbin/runuser", ["-u", "nobody", "--", Self.binary] + readOnlyArguments)
    } else {
      readOnly = try schedlab(readOnlyArguments)
    }
    if getuid() != 0 || readOnly.stderr.contains("cannot write in") {
      #expect(readOnly.status == 2 && readOnly.stderr.contains("permission denied"), "\(readOnly.stderr)")
    }
    #expect((try fm.contentsOfDirectory(atPath: ro)).isEmpty)
    // An existing report keeps its permissions.
    let report = dir + "/report.txt"
    try "old".write(toFile: report, atomically: true, encoding: .utf8)
    try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: report)
    let rewritten = try schedlab(["run", scenario, "--no-ideal", "-o", report])
    #expect(rewritten.status == 0, "\(rewritten.stderr)")
    #expect((try fm.attributesOfItem(atPath: report)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    #expect(try String(contentsOfFile: report, encoding: .utf8).hasPrefix("scenario s"))
  }
}

extension CLITests {
  /// Hostile command lines: one line, exit 2.
  @Test(arguments: [
    (["run", "scenarios/seed-example.yaml", "--seed", "-1"], "--seed: '-1' cannot be negative"),
    (["check", "scenarios/suite", "--jobs", "0"], "--jobs: must be at least 1"),
    (["run", "scenarios/seed-example.yaml", "--host-model", "fast"], "--host-model: unknown host model 'fast'"),
    (["ideal", "scenarios/seed-example.yaml", "--format", "csv"], "--format: ideal prints a table or json"),
    (["run", "no-such-file.yaml"], "no-such-file.yaml: no such file or directory"),
  ])
  func hostileCommandLineIsOneClearLine(arguments: [String], fragment: String) throws {
    let out = try schedlab(arguments)
    #expect(out.status == 2, "\(arguments): \(out.status)")
    #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains(fragment), "\(out.stderr)")
  }

  /// `ideal --format json` gives the oracle's answer alone (credit1's per-active-vCPU weights here).
  @Test func idealAsJSON() throws {
    let out = try schedlab(["ideal", "scenarios/credit1/seed-example.yaml", "--format", "json"])
    #expect(out.status == 0, "\(out.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
    #expect(json?["weight_semantics"] as? String == "per-active-vcpu")
    let domains = json?["domains"] as? [[String: Any]] ?? []
    #expect(domains.count == 4)
    #expect(abs((json?["total_ideal"] as? Double ?? 0) - 2.0) < 0.01)
  }
}
