/// The metric table: every number SchedLab reports or checks, defined once. Expectations (`expect:`)
/// name these metrics, the checker measures them, and the run table and CSV show the columns they
/// declare, in this order. A new metric is one entry here.
public enum MetricTable {
  public static let all: [Metric] = shares + latencies + workloads + host

  /// The metric of a name, or nil.
  public static func named(_ name: String) -> Metric? { all.first { $0.name == name } }

  public static var names: [String] { all.map(\.name) }

  /// Every report column with its metric, in order (the run table and CSV show them in this order).
  public static let reportColumns: [(metric: Metric, column: MetricColumn)] = all.flatMap { metric in
    metric.columns.map { (metric, $0) }
  }

  // MARK: Shares

  static let shares: [Metric] = [
    Metric(
      "demand", .share, .domain, "CPU the domain uses alone (measured, or declared), in pCPUs", needsIdeal: true,
      columns: [share(table: "demand", csv: "demand")],
      domain: { input, d, _ in
        input.demand.map { Measured($0[d]) } ?? Measured(missing: "demand not measured")
      }),
    Metric(
      "share", .share, .domain, "CPU the domain got over the measured interval, in pCPUs",
      columns: [share(table: "share", csv: "share")],
      domain: { input, d, _ in Measured(input.run.domains[d].share) }),
    Metric(
      "ideal_share", .share, .domain, "the oracle's share: weighted max-min fair, capped by demand",
      needsIdeal: true, columns: [share(table: "ideal", csv: "ideal_share")],
      domain: { input, d, _ in ideal(input, d).map { Measured($0) } ?? Measured(missing: "ideal not computed") }),
    Metric(
      "share_vs_ideal", .share, .domain, "share − ideal share", needsIdeal: true,
      columns: [
        MetricColumn(
          table: "diff", csv: "share_minus_ideal", tableText: { Format.signed($0, 3) }, csvText: { Format.fixed($0, 6) }
        )
      ],
      domain: { input, d, _ in
        ideal(input, d).map { Measured(input.run.domains[d].share - $0) } ?? Measured(missing: "ideal not computed")
      }),
    Metric(
      "window_min", .share, .domain, "the domain's lowest share in a metrics window",
      columns: [share(table: "win min", csv: "window_min")],
      domain: { input, d, _ in window(input, d) { $0.min } }),
    Metric(
      "window_max", .share, .domain, "the domain's highest share in a metrics window",
      columns: [share(table: "win max", csv: "window_max")],
      domain: { input, d, _ in window(input, d) { $0.max } }),
    Metric(
      "window_stdev", .share, .domain, "standard deviation of the domain's window shares",
      columns: [share(csv: "window_stdev")],
      domain: { input, d, _ in window(input, d) { $0.stdev } }),
    Metric(
      "share_ratio", .share, .domain, "share / ideal share", needsIdeal: true,
      domain: { input, d, _ in
        guard let ideal = ideal(input, d), ideal > 0 else { return Measured(missing: "ideal share is 0") }
        return Measured(input.run.domains[d].share / ideal)
      }),
    Metric(
      "share_vs_demand", .share, .domain, "share / demand", needsIdeal: true,
      domain: { input, d, _ in
        guard let demand = input.demand?[d], demand > 0 else { return Measured(missing: "demand is 0") }
        return Measured(input.run.domains[d].share / demand)
      }),
    Metric(
      "window_min_vs_ideal", .share, .domain, "lowest window share / ideal share", needsIdeal: true,
      domain: { input, d, _ in
        guard let ideal = ideal(input, d), ideal > 0 else { return Measured(missing: "ideal share is 0") }
        return window(input, d) { $0.min / ideal }
      }),
  ]

  // MARK: Latencies

  static let latencies: [Metric] = [
    Metric(
      "wake_latency", .ns, .domain, "from a blocked vCPU's wake-up to its dispatch", usesPercentile: true,
      columns: [
        latency(.p50, table: "wake p50", csv: "wake_p50_ns"), latency(.p90, csv: "wake_p90_ns"),
        latency(.p99, table: "p99", csv: "wake_p99_ns"), latency(.p999, table: "p99.9", csv: "wake_p999_ns"),
        latency(.max, table: "max", csv: "wake_max_ns"),
      ],
      domain: { input, d, q in summary(input.run.domains[d].wakeLatency, q, "no wake-ups") }),
    Metric(
      "preempt_wait", .ns, .domain, "from a runnable vCPU losing its pCPU to its next dispatch", usesPercentile: true,
      columns: [latency(.p99, csv: "preempt_wait_p99_ns")],
      domain: { input, d, q in summary(input.run.domains[d].preemptWait, q, "never preempted") }),
    Metric(
      "idle_wait", .ns, .domain,
      "work conservation: the longest a vCPU waited runnable while a pCPU its affinity allows was idle",
      needsIdleWait: true,
      domain: { input, d, _ in
        input.run.domains[d].idleWaitMaxNs.map { Measured(Double($0)) } ?? Measured(missing: "not measured")
      }),
  ]

  // MARK: Workloads

  static let workloads: [Metric] = [
    total(
      "deadline_misses", "periodic jobs that finished after their deadline", csv: "deadline_misses", .jobs,
      \.deadlineMisses),
    total("jobs_completed", "periodic jobs completed", csv: "jobs_completed", .jobs, \.completed),
    total(
      "requests_completed", "requests served (server, server-mix, net-rr)", csv: "server_completed", .requests,
      \.completed),
    Metric(
      "request_response", .ns, .domain, "the worst request workload's response time", usesPercentile: true,
      columns: [latency(.p99, csv: "server_p99_ns")],
      domain: { input, d, q in
        let servers = selected(input, d, q, .requests)
        guard !servers.isEmpty else { return Measured(missing: "no request workload") }
        return Measured(Double(servers.map { q.percentile.of($0.response) }.max()!))
      }),
    Metric(
      "miss_ratio", .fraction, .domainOrHost, "deadline misses per completed periodic job",
      domain: { input, d, q in missRatio(selected(input, d, q, .jobs), none: "no completed jobs") },
      host: { input, q in
        missRatio(
          input.run.domains.indices.flatMap { selected(input, $0, q, .jobs) }, none: "no domain has such a workload")
      }),
    Metric(
      "underruns_per_min", .perMinute, .domainOrHost,
      "periodic jobs (audio quanta) finished after their deadline or never, per minute of measured time",
      domain: { input, d, q in underrunRate(input, selected(input, d, q, .jobs), none: "no periodic-job workload") },
      host: { input, q in
        underrunRate(
          input, input.run.domains.indices.flatMap { selected(input, $0, q, .jobs) },
          none: "no domain has such a workload")
      }),
    Metric(
      "latency_tolerance", .ns, .domain,
      "the smallest deadline the worst periodic-job workload would have met for 99.9% of its jobs (its p99.9 response)",
      domain: { input, d, q in
        let jobs = selected(input, d, q, .jobs).filter { $0.response.count > 0 }
        guard !jobs.isEmpty else { return Measured(missing: "no completed periodic job") }
        return Measured(Double(jobs.map(\.latencyTolerance999Ns).max()!))
      }),
    Metric(
      "throughput", .perSecond, .domainOrHost,
      "completions per second: requests and streams, or the named workload's",
      domain: { input, d, q in rate(selectedThroughput(input, d, q), none: "no request or stream workload") },
      host: { input, q in
        // Summed per domain, then over domains.
        let perDomain = input.run.domains.indices.map { selectedThroughput(input, $0, q) }.filter { !$0.isEmpty }
        guard !perDomain.isEmpty else { return Measured(missing: "no domain has such a workload") }
        return Measured(perDomain.reduce(0) { total, w in total + w.reduce(0) { $0 + $1.throughputPerS } })
      }),
    Metric(
      "completions_per_s", .perSecond, .domainOrHost,
      "work items done per second: requests, stream batches and script iterations",
      domain: { input, d, q in rate(completing(input, d, q), none: "no request, stream or script workload") },
      host: { input, q in
        Measured(
          input.run.domains.indices.reduce(0) { total, d in
            total + completing(input, d, q).reduce(0) { $0 + $1.throughputPerS }
          })
      }),
    Metric(
      "completion_time", .ns, .domain,
      "the slowest of the domain's requests, stream batches and script iterations, at the percentile",
      usesPercentile: true,
      domain: { input, d, q in
        let w = completing(input, d, q)
        guard !w.isEmpty else { return Measured(missing: "no request, stream or script workload") }
        return Measured(Double(w.map { q.percentile.of($0.response) }.max()!))
      }),
    Metric(
      "response", .ns, .domain, "response time of the first workload that completed anything (or the named one)",
      usesPercentile: true,
      domain: { input, d, q in
        guard let w = selected(input, d, q, nil).first(where: { $0.response.count > 0 }) else {
          return Measured(missing: "no completed job or request")
        }
        return Measured(Double(q.percentile.of(w.response)))
      }),
    Metric(
      "holder_preemptions", .count, .domainOrHost, "times a vCPU lost its pCPU while holding a guest spinlock",
      domain: { input, d, q in
        let locks = selected(input, d, q, .lock)
        guard !locks.isEmpty else { return Measured(missing: "no spinlock workload") }
        return Measured(Double(locks.reduce(0) { $0 + $1.holderPreemptions }))
      },
      host: { input, q in
        let locks = input.run.domains.indices.flatMap { selected(input, $0, q, .lock) }
        guard !locks.isEmpty else { return Measured(missing: "no domain has such a workload") }
        return Measured(Double(locks.reduce(0) { $0 + $1.holderPreemptions }))
      }),
    Metric(
      "counter", .count, .domainOrHost, "a policy counter: per-vCPU ones summed per domain, or host-wide",
      usesCounter: true,
      domain: { input, d, q in
        guard let c = input.run.domains[d].policyCounters.first(where: { $0.name == q.counter }) else {
          return Measured(missing: "\(input.run.scheduler) has no per-vCPU counter '\(q.counter ?? "")'")
        }
        return Measured(Double(c.value))
      },
      host: { input, q in
        guard let c = input.run.counters.first(where: { $0.name == q.counter }) else {
          return Measured(missing: "\(input.run.scheduler) has no counter '\(q.counter ?? "")'")
        }
        return Measured(Double(c.value))
      }),
  ]

  // MARK: Host

  static let host: [Metric] = [
    Metric(
      "context_switches_per_s", .perSecond, .host, "dispatches of another vCPU (idle included), per second",
      host: { input, _ in Measured(input.run.host.contextSwitchesPerS) }),
    Metric(
      "migrations_per_s", .perSecond, .host, "dispatches on another pCPU than the vCPU last ran on, per second",
      host: { input, _ in Measured(input.run.host.migrationsPerS) }),
    Metric(
      "idle_fraction", .share, .host, "pCPU time spent idle",
      host: { input, _ in Measured(input.run.host.idleFraction) }),
    Metric(
      "time_conserved", .error, .host, "|Σ vCPU running + Σ pCPU idle − pCPUs × measured| / (pCPUs × measured)",
      host: { input, _ in
        // Context-switch time, when the host model charges it, is neither and shows up here.
        let run = input.run
        let capacity = Double(run.measuredNs) * Double(run.host.pcpus)
        let accounted = Double(run.domains.reduce(0) { $0 + $1.runningNs } + run.host.pcpuIdleNs.reduce(0, +))
        return Measured(abs(accounted - capacity) / capacity)
      }),
    Metric(
      "deterministic", .count, .host, "1 if a second run with the same seed was identical",
      host: { input, _ in input.deterministic.map { Measured($0 ? 1 : 0) } ?? Measured(missing: "not run twice") }),
  ]
}

// MARK: Extraction helpers

extension MetricTable {
  static func ideal(_ input: MetricInput, _ d: Int) -> Double? { input.ideal?[d] }

  static func window(_ input: MetricInput, _ d: Int, _ pick: (WindowSummary) -> Double) -> Measured {
    let w = input.run.domains[d].window
    return w.windows > 0 ? Measured(pick(w)) : Measured(missing: "no complete window")
  }

  /// Completions per second summed over `workloads`, or `none` when there are none.
  static func rate(_ workloads: [WorkloadResult], none: String) -> Measured {
    workloads.isEmpty ? Measured(missing: none) : Measured(workloads.reduce(0) { $0 + $1.throughputPerS })
  }

  /// Deadline misses per completed job over `jobs`, or `none` when none completed.
  static func missRatio(_ jobs: [WorkloadResult], none: String) -> Measured {
    let completed = jobs.reduce(0) { $0 + $1.completed }
    guard completed > 0 else { return Measured(missing: none) }
    return Measured(Double(jobs.reduce(0) { $0 + $1.deadlineMisses }) / Double(completed))
  }

  static func underrunRate(_ input: MetricInput, _ jobs: [WorkloadResult], none: String) -> Measured {
    guard !jobs.isEmpty else { return Measured(missing: none) }
    return Measured(Double(jobs.reduce(0) { $0 + $1.underruns }) / input.run.measuredMinutes)
  }

  static func summary(_ s: LatencySummary, _ q: MetricQuery, _ none: String) -> Measured {
    s.count > 0 ? Measured(Double(q.percentile.of(s))) : Measured(missing: none)
  }

  /// Domain `d`'s workloads of a category (nil: any), only the one the query names if it names one.
  static func selected(_ input: MetricInput, _ d: Int, _ q: MetricQuery, _ category: WorkloadCategory?)
    -> [WorkloadResult]
  {
    input.run.domains[d].workloads.filter { w in
      (q.workload == nil || w.name == q.workload) && (category == nil || w.category == category)
    }
  }

  /// What `throughput` counts: a named workload whatever it completes; by default requests and streams.
  static func selectedThroughput(_ input: MetricInput, _ d: Int, _ q: MetricQuery) -> [WorkloadResult] {
    selected(input, d, q, nil).filter { q.workload != nil || $0.category == .requests || $0.category == .stream }
  }

  /// The workloads that complete work items other than periodic jobs: requests, streams, scripts.
  static func completing(_ input: MetricInput, _ d: Int, _ q: MetricQuery) -> [WorkloadResult] {
    selected(input, d, q, nil).filter { $0.category == .requests || $0.category == .stream || $0.category == .script }
  }

  /// A count summed over a category's workloads (0 when there are none), per domain or host-wide.
  static func total(
    _ name: String, _ doc: String, csv: String, _ category: WorkloadCategory,
    _ field: @escaping @Sendable (WorkloadResult) -> Int64
  ) -> Metric {
    @Sendable func of(_ input: MetricInput, _ d: Int, _ q: MetricQuery) -> Double {
      Double(selected(input, d, q, category).reduce(0) { $0 + field($1) })
    }
    return Metric(
      name, .count, .domainOrHost, doc, columns: [count(csv: csv)],
      domain: { input, d, q in Measured(of(input, d, q)) },
      host: { input, q in Measured(input.run.domains.indices.reduce(0) { $0 + of(input, $1, q) }) })
  }

  static func share(table: String? = nil, csv: String) -> MetricColumn {
    MetricColumn(table: table, csv: csv, tableText: { Format.fixed($0, 3) }, csvText: { Format.fixed($0, 6) })
  }

  static func latency(_ p: Percentile, table: String? = nil, csv: String) -> MetricColumn {
    MetricColumn(
      table: table, csv: csv, query: MetricQuery(percentile: p), tableText: { Format.duration(Int64($0)) },
      csvText: { String(Int64($0)) })
  }

  static func count(csv: String) -> MetricColumn {
    MetricColumn(csv: csv, tableText: { String(Int64($0)) }, csvText: { String(Int64($0)) })
  }
}
