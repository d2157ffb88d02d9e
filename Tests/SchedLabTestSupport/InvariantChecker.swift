public import SchedLabCore

/// Checks engine invariants as a run proceeds:
/// - a vCPU is never on two pCPUs at once, and a pCPU's `current` matches what was switched in;
/// - no vCPU that wants to run waits while a pCPU it may use (hard affinity, and `sameQueue`, for
///   policies whose runqueues restrict where it may go) stays idle for longer than `graceNs`.
/// Violations are collected as text.
public final class InvariantChecker: TraceListener {
  public private(set) var violations: [String] = []
  private var onCPU: [Int] = []
  private var pcpuHolds: [Int] = []
  private var waitingSince: [Int64] = []
  private var busySince: [Int64] = []
  /// Time each pCPU spent running a vCPU, from the switches this observer saw (an accounting
  /// independent of the engine's runstate and idle counters).
  public private(set) var busyNs: [Int64] = []
  private let graceNs: Int64
  private let sameQueue: (VCPUID, PCPUID) -> Bool

  public init(graceNs: Int64, sameQueue: @escaping (VCPUID, PCPUID) -> Bool = { _, _ in true }) {
    self.graceNs = graceNs
    self.sameQueue = sameQueue
  }

  private func setUp(_ engine: Engine) {
    if onCPU.isEmpty {
      onCPU = Array(repeating: -1, count: engine.config.totalVCPUs)
      waitingSince = Array(repeating: -1, count: engine.config.totalVCPUs)
      pcpuHolds = Array(repeating: -1, count: engine.topology.pcpuCount)
      busySince = Array(repeating: 0, count: engine.topology.pcpuCount)
      busyNs = Array(repeating: 0, count: engine.topology.pcpuCount)
    }
  }

  private func fail(_ text: String) { if violations.count < 20 { violations.append(text) } }

  public func record(_ event: TraceEvent, now: Int64, engine: Engine) {
    switch event {
    case .switched(let pcpu, let from, let to): didSwitch(pcpu: pcpu, from: from, to: to, now: now, engine: engine)
    case .scheduled, .runstate: sample(now: now, engine: engine)
    default: break
    }
  }

  private func didSwitch(pcpu: PCPUID, from: VCPUID?, to: VCPUID?, now: Int64, engine: Engine) {
    setUp(engine)
    if pcpuHolds[pcpu.index] != (from?.index ?? -1) {
      fail("t=\(now) \(pcpu) switched from \(String(describing: from)) but held \(pcpuHolds[pcpu.index])")
    }
    if let from {
      onCPU[from.index] = -1
      busyNs[pcpu.index] += now - busySince[pcpu.index]
    }
    busySince[pcpu.index] = now
    if let to {
      if onCPU[to.index] >= 0 { fail("t=\(now) \(to) dispatched on \(pcpu) while on pCPU\(onCPU[to.index])") }
      onCPU[to.index] = pcpu.index
    }
    pcpuHolds[pcpu.index] = to?.index ?? -1
  }

  /// Close the busy intervals still open at the end of the run.
  public func finish(at now: Int64) {
    for p in pcpuHolds.indices where pcpuHolds[p] >= 0 {
      busyNs[p] += now - busySince[p]
      busySince[p] = now
    }
  }

  /// Check the "no idle pCPU while a vCPU waits" rule at `now`.
  public func sample(now: Int64, engine: Engine) {
    setUp(engine)
    for v in 0..<onCPU.count {
      let vcpu = VCPUID(v)
      let waiting = engine.runstate(of: vcpu) == .runnable
      var idleAllowed = false
      if waiting {
        for p in engine.hardAffinity(of: vcpu).members where pcpuHolds[p.index] < 0 && sameQueue(vcpu, p) {
          idleAllowed = true
          break
        }
      }
      if waiting && idleAllowed {
        if waitingSince[v] < 0 { waitingSince[v] = now }
        if now - waitingSince[v] > graceNs {
          fail("t=\(now) \(vcpu) runnable for \(now - waitingSince[v]) ns while an allowed pCPU is idle")
          waitingSince[v] = now
        }
      } else {
        waitingSince[v] = -1
      }
    }
  }
}
