public import SchedLabCore
public import SchedLabEvaluation

/// The report model: what every output format shows about one run, computed once. Numbers come from
/// the metric table (``MetricTable``); the workloads are grouped once, by how they are reported.
public struct RunReport: Sendable {
  public let evaluation: Evaluation
  /// What the metric table measures this run on.
  public let input: MetricInput
  /// Each domain's value of each report column (``MetricTable/columns``, in order); nil: none.
  public let values: [[Double?]]
  /// The run's workloads, with their domain's name, by report section.
  public let jobs: [(domain: String, workload: WorkloadResult)]
  public let requests: [(domain: String, workload: WorkloadResult)]
  /// Streams and scripts: work done per second.
  public let throughput: [(domain: String, workload: WorkloadResult)]
  public let locks: [(domain: String, workload: WorkloadResult)]

  public init(_ e: Evaluation) {
    evaluation = e
    input = MetricInput(run: e.result, ideal: e.ideal, demand: e.demands?.map(\.total))
    let columns = MetricTable.reportColumns
    let input = input
    values = e.result.domains.indices.map { d in
      columns.map { metric, column in metric.measure(input, domain: d, column.query).value }
    }
    let all = e.result.domains.flatMap { dom in dom.workloads.map { (domain: dom.name, workload: $0) } }
    jobs = all.filter { ReportSection(of: $0.workload) == .jobs }
    requests = all.filter { ReportSection(of: $0.workload) == .requests }
    throughput = all.filter { ReportSection(of: $0.workload) == .throughput }
    locks = all.filter { ReportSection(of: $0.workload) == .locks }
  }

  public var result: RunResult { evaluation.result }

  /// Domain `d`'s value of a metric, asked with `query` (for reports beyond the standard columns).
  public func value(_ metric: String, domain d: Int, _ query: MetricQuery = MetricQuery()) -> Double? {
    MetricTable.named(metric)!.measure(input, domain: d, query).value
  }

  /// The header row and each domain's row of the columns a format shows (`header` picks the
  /// format's header; nil: not shown), as text, with `missing` for no value.
  func columnCells(
    header: (MetricColumn) -> String?, text: (MetricColumn) -> (Double) -> String, missing: String
  ) -> (header: [String], rows: [[String]]) {
    let shown = MetricTable.reportColumns.indices.filter { header(MetricTable.reportColumns[$0].column) != nil }
    let titles = shown.map { header(MetricTable.reportColumns[$0].column)! }
    let rows = values.map { row in
      shown.map { i in row[i].map(text(MetricTable.reportColumns[i].column)) ?? missing }
    }
    return (titles, rows)
  }
}

/// Where a workload is reported (every format groups workloads the same way): periodic jobs,
/// requests, work done per second (streams and scripts), spinlocks; open-loop load is only a share.
enum ReportSection {
  case jobs, requests, throughput, locks, none

  init(of w: WorkloadResult) {
    switch w.category {
    case .jobs: self = .jobs
    case .requests: self = .requests
    case .stream, .script: self = .throughput
    case .lock: self = .locks
    case .load: self = .none
    }
  }
}
