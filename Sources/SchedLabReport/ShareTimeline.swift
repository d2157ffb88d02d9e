public import SchedLabCore

/// Each domain's share over time, for a run's HTML page: a trace listener that adds up every vCPU's
/// running time into windows of the measured interval. Memory is bounded whatever the run's length:
/// at most `capacity` windows are kept; when they fill up, neighbours are merged and the window
/// doubles.
public final class ShareTimeline: TraceListener {
  public private(set) var windowNs: Int64
  let start: Int64
  let end: Int64
  let capacity: Int
  let domainOf: [Int]
  let vcpusPerDomain: [Int]
  /// Per window, each domain's running ns (the last window is open).
  private(set) var windows: [[Int64]] = []
  private var runningSince: [Int64]

  public init(config: SimulationConfig, capacity: Int = 256) {
    start = config.warmupNs
    end = config.durationNs
    self.capacity = max(8, capacity)
    let measured = max(1, config.durationNs - config.warmupNs)
    var w = config.windowNs > 0 ? config.windowNs : measured / 100
    while measured / max(1, w) > Int64(self.capacity) { w *= 2 }
    windowNs = max(1, w)
    domainOf = config.domains.enumerated().flatMap { d, domain in Array(repeating: d, count: domain.vcpus) }
    vcpusPerDomain = config.domains.map(\.vcpus)
    runningSince = Array(repeating: -1, count: domainOf.count)
  }

  private func add(_ d: Int, from a: Int64, to b: Int64) {
    var from = max(a, start)
    let to = min(b, end)
    while from < to {
      let index = Int((from - start) / windowNs)
      while windows.count <= index { windows.append(Array(repeating: 0, count: vcpusPerDomain.count)) }
      let windowEnd = start + Int64(index + 1) * windowNs
      let piece = min(to, windowEnd) - from
      windows[index][d] += piece
      from += piece
    }
    while windows.count > capacity { merge() }
  }

  private func merge() {
    windows = stride(from: 0, to: windows.count, by: 2).map { i in
      i + 1 < windows.count ? Swift.zip(windows[i], windows[i + 1]).map { $0 + $1 } : windows[i]
    }
    windowNs *= 2
  }

  public func record(_ event: TraceEvent, now: Int64, engine: Engine) {
    guard case .runstate(let v, let from, let to) = event else { return }
    if to == .running { runningSince[v.index] = now }
    if from == .running, runningSince[v.index] >= 0 {
      add(domainOf[v.index], from: runningSince[v.index], to: now)
      runningSince[v.index] = -1
    }
  }

  /// Close the run: vCPUs still running count up to its end. Returns (window start in seconds from
  /// the measured interval's start, each domain's share) per full window.
  public func series() -> [(seconds: Double, shares: [Double])] {
    for v in runningSince.indices where runningSince[v] >= 0 {
      add(domainOf[v], from: runningSince[v], to: end)
      runningSince[v] = -1
    }
    let full = Int((end - start) / windowNs)
    return windows.prefix(full).enumerated().map { i, ns in
      (Double(Int64(i) * windowNs) / 1e9, ns.map { Double($0) / Double(windowNs) })
    }
  }
}
