/// Work conservation, measured: for each vCPU, the longest stretch during which it waited runnable
/// while a pCPU its hard affinity allows was idle. A work-conserving scheduler keeps that to the time
/// an idle pCPU takes to notice (a tickle's IPI, the softirq); longer stretches are idle capacity a
/// waiting vCPU could have used. Kept only when a scenario asks for it (`idle_wait`): it costs a scan
/// of the vCPUs each time a pCPU goes idle or busy.
struct IdleWaitMonitor: Sendable {
  private var idle: CPUMask
  private var waiting: [Bool]
  /// Start of the current stretch (-1: none).
  private var since: [Int64]
  private(set) var longest: [Int64]
  private var measureStart: Int64 = 0

  init(vcpus: Int, pcpus: Int) {
    idle = CPUMask.first(pcpus)
    waiting = Array(repeating: false, count: vcpus)
    since = Array(repeating: -1, count: vcpus)
    longest = Array(repeating: 0, count: vcpus)
  }

  private mutating func close(_ v: Int, now: Int64) {
    guard since[v] >= 0 else { return }
    longest[v] = max(longest[v], now - max(since[v], measureStart))
    since[v] = -1
  }

  /// vCPU `v` became runnable without a pCPU (woken, preempted).
  mutating func startWaiting(_ v: Int, affinity: CPUMask, now: Int64) {
    waiting[v] = true
    if affinity.intersects(idle) { since[v] = now }
  }

  /// vCPU `v` stopped waiting (dispatched, blocked, parked).
  mutating func stopWaiting(_ v: Int, now: Int64) {
    waiting[v] = false
    close(v, now: now)
  }

  /// pCPU `p` went idle: every waiting vCPU that may run there starts a stretch.
  mutating func pcpuIdle(_ p: PCPUID, affinity: [CPUMask], now: Int64) {
    idle.insert(p)
    for v in waiting.indices where waiting[v] && since[v] < 0 && affinity[v].contains(p) { since[v] = now }
  }

  /// pCPU `p` got a vCPU: a stretch ends for each waiting vCPU that has no other idle pCPU left.
  mutating func pcpuBusy(_ p: PCPUID, affinity: [CPUMask], now: Int64) {
    idle.remove(p)
    for v in since.indices where since[v] >= 0 && affinity[v].contains(p) && !affinity[v].intersects(idle) {
      close(v, now: now)
    }
  }

  /// The warm-up ended: forget what was measured; stretches under way count from now.
  mutating func reset(at now: Int64) {
    measureStart = now
    for v in longest.indices { longest[v] = 0 }
  }

  /// The run ended: stretches under way count up to now.
  mutating func finish(now: Int64) {
    for v in since.indices { close(v, now: now) }
  }
}
