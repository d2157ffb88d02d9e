import SchedLabCore
import SchedLabEvaluation
import SchedLabReport
import SchedLabScenario
import Testing

/// The metric table: one definition per metric, used by expectations, the checker and the reports.
@Suite struct MetricTableTests {
  @Test func namesAndColumnsAreUnique() {
    #expect(Set(MetricTable.names).count == MetricTable.all.count)
    let csv = MetricTable.reportColumns.compactMap(\.column.csv)
    #expect(Set(csv).count == csv.count)
    // The CSV header is the identity fields, the table's columns in order, and the host model.
    #expect(
      CSVReport.header == ["scenario", "scheduler", "seed", "domain", "weight", "cap", "vcpus"] + csv + ["host_model"])
  }

  /// Every metric can be named in `expect:` where its scope allows, and is refused where it does not.
  @Test func everyMetricParsesWhereItApplies() throws {
    for metric in MetricTable.all {
      let extra =
        (metric.usesCounter ? ", counter: credit_resets" : "") + (metric.unit == .ns ? ", max: 1s" : ", max: 1e9")
      let onDomain = "  - {domain: light, metric: \(metric.name)\(extra)}"
      let onHost = "  - {metric: \(metric.name)\(extra)}"
      func parses(_ expect: String) -> Bool { (try? CheckTests.scenario(expect)) != nil }
      #expect(parses(onDomain) == (metric.scope != .host), "\(metric.name) on a domain")
      #expect(parses(onHost) == (metric.scope != .domain), "\(metric.name) host-wide")
    }
  }

  /// One pCPU, credit2: a burner and a 10 ms / 1 ms periodic job (ideal share 0.1, never late), and
  /// a 1,000/s request server holding a second pCPU to itself. Counts and rates by hand.
  @Test func workloadMetricsCountWhatRan() throws {
    let yaml = """
      name: counts
      host: {sockets: 1, cores: 2, threads: 1}
      scheduler: credit2
      duration: 2100ms
      warmup: 100ms
      domains:
        - {name: mix, vcpus: 1, affinity: "0", workloads: [{type: burner}, {type: periodic, name: job, period: 10ms, service: 1ms, deadline: 10ms, realtime: true}]}
        - {name: web, vcpus: 1, affinity: "1", workloads: [{type: server, rate: 1000, service: 100us, service_dist: constant}]}
      """
    let scenario = try ScenarioLoader.parse(yaml, path: "counts.yaml")
    let report = RunReport(try Runner.evaluate(scenario))
    func value(_ name: String, _ d: Int, _ q: MetricQuery = MetricQuery()) -> Double? {
      report.value(name, domain: d, q)
    }
    // 2 s measured: 200 jobs (±1 at the edges), none late: a real-time task on its own pCPU.
    let jobs = try #require(value("jobs_completed", 0))
    #expect(abs(jobs - 200) <= 1)
    #expect(value("deadline_misses", 0) == 0)
    #expect(value("miss_ratio", 0) == 0)
    #expect(value("requests_completed", 0) == 0)
    #expect(value("request_response", 0) == nil)
    #expect(value("completions_per_s", 0) == nil)
    // The server: ~2,000 requests (Poisson at 1,000/s), 1,000/s, none faster than its 100 us service.
    let served = try #require(value("requests_completed", 1))
    #expect(abs(served - 2000) < 200)
    #expect(abs(try #require(value("throughput", 1)) - served / 2) < 1e-6)
    #expect(value("completions_per_s", 1) == value("throughput", 1))
    #expect(try #require(value("request_response", 1, MetricQuery(percentile: .p50))) >= 100_000)
    #expect(value("jobs_completed", 1) == 0)
    // Host-wide sums.
    let mt = MetricTable.self
    #expect(mt.named("requests_completed")!.measureHost(report.input, MetricQuery()).value == served)
    #expect(mt.named("jobs_completed")!.measureHost(report.input, MetricQuery()).value == jobs)
    // The burner shares the pCPU with the job: together they use it all.
    #expect(abs(try #require(value("share", 0)) - 1) < 0.001)
    // The server blocks between requests and wakes for each.
    #expect(value("wake_latency", 1) != nil)
  }

  /// Burners never block: no wake latency at all, which the table and CSV show as "-" and an empty
  /// field, and an expectation on it fails as not measurable rather than reading 0 ns.
  @Test func aDomainThatNeverWokeHasNoWakeLatency() throws {
    let scenario = try CheckTests.scenario("  - {domain: light, metric: wake_latency, max: 1ms}")
    let report = RunReport(try Runner.evaluate(scenario, ideal: false))
    #expect(report.value("wake_latency", domain: 0) == nil)
    let csv = CSVReport.render([report]).split(separator: "\n")[1].split(
      separator: ",", omittingEmptySubsequences: false)
    let p99 = CSVReport.header.firstIndex(of: "wake_p99_ns")!
    #expect(csv[p99] == "")
    let result = try Checker.check([scenario], options: .init(jobs: 1))[0]
    #expect(result.verdict == .fail)
    #expect(result.measuredText == "not measurable: light: no wake-ups")
  }
}
