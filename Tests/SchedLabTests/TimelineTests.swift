import Foundation
import Testing

/// Timelines read by the real clients: Perfetto's own schema (with Google's protobuf runtime) and
/// Xen's xenalyze. `.ci/run` installs both and sets `SCHEDLAB_REAL_TOOLS=required`, so that a missing
/// tool fails there; elsewhere these tests run when the tools are present.
extension CLITests {
  static let toolsRequired = ProcessInfo.processInfo.environment["SCHEDLAB_REAL_TOOLS"] == "required"
  static let perfettoPython: String? = {
    let candidates = [
      ProcessInfo.processInfo.environment["SCHEDLAB_PERFETTO_PYTHON"], packageRoot + "/.build/ci-venv/bin/python",
    ]
    return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()
  static let xenalyze: String? = ["/usr/bin/xenalyze", "/usr/sbin/xenalyze", "/usr/local/bin/xenalyze"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// A two-pCPU host with a warm-up, burners, a request server and audio: switches, preemptions,
  /// blocking and wake-ups on both pCPUs.
  static let timelineScenario = """
    name: timeline
    host: {sockets: 1, cores: 2, threads: 1}
    scheduler: credit2
    duration: 3s
    warmup: WARMUP
    domains:
      - {name: hog, vcpus: 2, workloads: [{type: burner}]}
      - {name: web, workloads: [{type: server, rate: 800, service: 300us}]}
      - {name: audio, workloads: [{type: audio}]}
    """

  func traced(_ warmup: String, _ extra: [String]) throws -> (json: String, stderr: String) {
    let scenario = temporaryPath("timeline.yaml")
    try Self.timelineScenario.replacingOccurrences(of: "WARMUP", with: warmup)
      .write(toFile: scenario, atomically: true, encoding: .utf8)
    let json = temporaryPath("timeline.json")
    let out = try schedlab(["run", scenario, "--no-ideal", "--format", "json", "-o", json] + extra)
    #expect(out.status == 0, "\(out.stderr)")
    return (json, out.stderr)
  }

  @Test(.enabled(if: perfettoPython != nil || toolsRequired))
  func perfettoTraceDecodesWithPerfettosSchemaAndMatchesTheResult() throws {
    let python = try #require(Self.perfettoPython, "no Python with perfetto and protobuf (see .ci/run)")
    let trace = temporaryPath("timeline.pftrace")
    let (json, stderr) = try traced("500ms", ["--trace", trace])
    #expect(stderr.contains("trace \(trace): "))
    let check = try run(python, [packageRoot + "/Tests/tools/check_perfetto.py", trace, json])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    #expect(check.stdout.hasPrefix("ok: "), "\(check.stdout)")
    // The same run traced again writes the same bytes.
    let again = temporaryPath("timeline-again.pftrace")
    _ = try traced("500ms", ["--trace", again])
    #expect(FileManager.default.contents(atPath: trace) == FileManager.default.contents(atPath: again))
  }

  /// xenalyze --summary: each vCPU's running, runnable and blocked time as xenalyze adds it up from
  /// the runstate records, against the run's own (no warm-up, so both cover the whole run).
  @Test(.enabled(if: xenalyze != nil || toolsRequired))
  func xenalyzeSummaryMatchesTheResult() throws {
    let xenalyze = try #require(Self.xenalyze, "no xenalyze (Debian: xen-utils-common; see .ci/run)")
    let trace = temporaryPath("timeline.xentrace")
    let (json, _) = try traced("0s", ["--xentrace", trace, "--cpu-hz", "2400000000"])
    let summary = try run(xenalyze, ["--summary", "--cpu-hz=2.4G", trace])
    for bad in ["Strange", "short read", "FATAL", "skew"] {
      #expect(
        !summary.stderr.contains(bad),
        "xenalyze: \(summary.stderr.split(separator: "\n").filter { $0.contains(bad) }.prefix(3))")
    }
    let xen = Self.xenalyzeRunstates(summary.stdout)
    let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
    var compared = 0
    for (d, domain) in (result["domains"] as! [[String: Any]]).enumerated() {
      for vcpu in domain["vcpu_results"] as! [[String: Any]] {
        let v = vcpu["vcpu"] as! Int
        for state in ["running", "runnable", "blocked"] {
          let want = Double(vcpu["\(state)_ns"] as! Int)
          let got = xen["d\(d)v\(v) \(state)"] ?? 0
          #expect(
            abs(got - want) <= max(0.005 * want, 2e6), "d\(d)v\(v) \(state): xenalyze \(got) ns, SchedLab \(want)")
          compared += 1
        }
      }
    }
    #expect(compared == 12)
  }

  /// Three pCPUs with very different record rates (a 5 kHz interrupt domain, a request server pinned
  /// to pCPU 1, burners): xentrace drains every CPU's buffer on each pass, and so must the writer, or
  /// xenalyze meets the quiet CPU's first window late and stops ("p->current not NULL").
  @Test(.enabled(if: xenalyze != nil || toolsRequired))
  func xenalyzeReadsATraceWhereOnePCPUIsQuiet() throws {
    let xenalyze = try #require(Self.xenalyze, "no xenalyze (Debian: xen-utils-common; see .ci/run)")
    let file = temporaryPath("quiet-pcpu.yaml")
    try """
    host: {sockets: 1, cores: 3, threads: 1}
    scheduler: credit2
    duration: 2s
    domains:
      - {name: low, weight: 128, workloads: [{type: burner}]}
      - {name: high, weight: 512, workloads: [{type: burner}]}
      - {name: irq, workloads: [{type: interrupts, rate: 5000, handler: 50us}]}
      - {name: web, affinity: 1, workloads: [{type: server, rate: 1000, service: 100us}]}
    """.write(toFile: file, atomically: true, encoding: .utf8)
    let trace = temporaryPath("quiet-pcpu.xentrace")
    let out = try schedlab(["run", file, "--no-ideal", "--xentrace", trace])
    #expect(out.status == 0, "\(out.stderr)")
    let dump = try run(xenalyze, ["--dump-all", trace])
    for bad in ["Strange", "FATAL", "skew"] {
      #expect(!(dump.stdout + dump.stderr).contains(bad), "xenalyze --dump-all: \(bad)")
    }
    // The dump reaches the end of the run (timestamps in seconds lead each record line).
    let last = dump.stdout.split(separator: "\n").reversed().lazy.compactMap {
      Double($0.split(separator: " ").first ?? "")
    }.first
    #expect((last ?? 0) > 1.9, "last record at \(last ?? 0) s")
  }

  /// Per-vCPU runstate totals from `xenalyze --summary`: "running: COUNT Xs AVG_CYCLES {...}" under
  /// "|-- Domain D --|" and "-- vN --", in ns (count × average cycles at 2.4 GHz).
  static func xenalyzeRunstates(_ text: String) -> [String: Double] {
    var out: [String: Double] = [:]
    var domain = -1
    var vcpu = -1
    for line in text.split(separator: "\n") {
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      if line.hasPrefix("|-- Domain "), words.count >= 3, let d = Int(words[2]) {
        domain = d
        vcpu = -1
      }
      if line.hasPrefix("-- v"), let v = Int(line.dropFirst(4).prefix { $0.isNumber }) { vcpu = v }
      guard domain >= 0, vcpu >= 0, words.count >= 4, let state = words.first, state.hasSuffix(":"),
        ["running:", "runnable:", "blocked:"].contains(String(state)), let count = Double(words[1]),
        let average = Double(words[3])
      else { continue }
      out["d\(domain)v\(vcpu) \(state.dropLast())"] = count * average / 2.4
    }
    return out
  }

  @Test func aTraceWindowThatIsNotAnIntervalIsOneLine() throws {
    let trace = temporaryPath("bad-window.pftrace")
    let out = try schedlab(["run", "scenarios/seed-example.yaml", "--trace", trace, "--trace-window", "3s-2s"])
    #expect(out.status == 2)
    #expect(out.stderr == "schedlab: --trace-window: '3s-2s' is not an interval such as 2s..3s\n")
    #expect(!FileManager.default.fileExists(atPath: trace))
  }
}
