import SchedLabCore

/// A trace-bus listener that writes a timeline file: finished (flushed and closed) after the run.
public protocol TimelineWriter: TraceListener {
  /// What the file holds, counted, for the size report (trace events, xentrace records).
  var itemsWritten: (count: Int64, unit: String) { get }
  /// Write what is pending and close the file; returns its size in bytes.
  func finish() -> Int64
}

extension PerfettoWriter: TimelineWriter {
  public var itemsWritten: (count: Int64, unit: String) { (events, "trace events") }
}

extension XentraceWriter: TimelineWriter {
  public var itemsWritten: (count: Int64, unit: String) { (records, "records") }
}
