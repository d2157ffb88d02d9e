public import SchedLabCore

/// Every periodic job of a run, one CSV row each, as it completes: which job, when it was released
/// and finished, and whether it met its deadline. What a real-time developer compares job by job
/// with another simulator (SimSo) or with a response-time analysis.
///
/// Columns: `domain,workload,vcpu,release_ns,completion_ns,response_ns,deadline_ns,missed` (the
/// absolute deadline; `missed` is 1 when the job finished after it). Rows come in completion order;
/// jobs completing in the same nanosecond in the order the engine ran them. Jobs released before a
/// trace window's start are left out, as are those completing after its end. The file is streamed:
/// memory stays at one buffer however long the run.
public final class JobLogWriter: TraceListener, TimelineWriter {
  private let file: TraceFile
  private let buffer = ByteBuffer(capacity: 1 << 16)
  private let window: ClosedRange<Int64>?
  private let prefixes: [[String]]
  private let vcpuNames: [String]
  private(set) var rows: Int64 = 0

  public init(path: String, config: SimulationConfig, window: ClosedRange<Int64>? = nil) throws {
    file = try TraceFile(path: path)
    self.window = window
    prefixes = config.domains.map { domain in
      domain.workloads.map { "\(Format.csvField(domain.name)),\(Format.csvField($0.name))," }
    }
    vcpuNames = config.domains.flatMap { domain in (0..<domain.vcpus).map { "v\($0)" } }
    append("domain,workload,vcpu,release_ns,completion_ns,response_ns,deadline_ns,missed\n")
  }

  private func append(_ text: String) {
    var text = text
    text.withUTF8 { buffer.bytes(UnsafeRawBufferPointer($0)) }
    if buffer.count > 1 << 16 { file.write(buffer) }
  }

  public func record(_ event: TraceEvent, now: Int64, engine: Engine) {
    guard case .jobCompleted(let vcpu, let domain, let workload, let release, let deadlineNs) = event else { return }
    if let window, release < window.lowerBound || now > window.upperBound { return }
    let deadline = release + deadlineNs
    append(
      prefixes[domain.index][workload] + vcpuNames[vcpu.index] + ",\(release),\(now),\(now - release),\(deadline),"
        + (now > deadline ? "1\n" : "0\n"))
    rows += 1
  }

  public var itemsWritten: (count: Int64, unit: String) { (rows, "jobs") }

  public func finish() -> Int64 {
    file.write(buffer)
    file.close()
    return file.written
  }
}
