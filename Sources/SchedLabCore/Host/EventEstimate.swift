/// How many events a run will process, estimated from the configuration before it starts: the rates
/// of every arrival, release, burst, phase cycle, script loop and guest tick, times the events one such
/// occurrence costs (a wake-up, a softirq, a switch, the end of the work, a block), plus a base rate
/// per pCPU for the scheduler's own timers, over the simulated duration.
///
/// It is an order-of-magnitude figure meant to refuse runaway scenarios (a storm at 10⁹ interrupts
/// per second, 1 ns bursts, a 1 ns guest tick) before they run for minutes, not a prediction: on the
/// shipped scenarios it lies within a factor of ten of the events actually processed (a test checks
/// that).
public struct EventEstimate: Sendable, Equatable {
  /// Estimated events of the whole run, warm-up included.
  public var total: Double
  /// The single largest contributor ("domain vm3, workload web") and its events, for messages.
  public var largest: String
  public var largestEvents: Double

  /// Events one occurrence costs, by what occurs. Measured on the shipped scenarios, rounded up.
  enum Cost {
    /// A vCPU wakes, is tickled, dispatched, finishes the work and blocks again.
    static let wakeCycle = 6.0
    /// An interrupt: the source fires, and usually a wake cycle follows.
    static let interrupt = 7.0
    /// A request through a backend domain and back: two interrupts and two wake cycles.
    static let backendRoundTrip = 14.0
    /// A guest tick between two normal tasks: the progress event and the switch.
    static let guestTick = 2.0
    /// Scheduler timers and ticks per busy pCPU and second (credit's 100 Hz tick and 30 ms
    /// accounting, credit2's ratelimit- and credit-bounded slices, softirqs).
    static let perPCPUPerSecond = 2_000.0
  }

  /// What one task (a workload instance, or one script thread) on one vCPU does per simulated
  /// second: events that happen whatever the CPU (arrivals, releases), events that need the task to
  /// run (and slow down when it cannot), and the CPU it asks for, in pCPUs.
  struct Load {
    var open = 0.0
    var closed = 0.0
    var cpu = 0.0
  }

  static func per(_ ns: Int64) -> Double { 1e9 / Double(max(1, ns)) }

  /// The load of one instance of `spec` (every script thread for `.script`; see ``threadLoads``).
  static func load(of spec: WorkloadSpec, guestTickNs: Int64) -> Load {
    switch spec.kind {
    case .burner: return Load(cpu: 1)
    case .demand(let fraction, let burst, _):
      let rate = per(burst) * fraction
      return Load(open: rate, closed: rate * (Cost.wakeCycle - 1), cpu: fraction)
    case .periodic(let period, let service, _):
      return Load(open: per(period), closed: per(period) * (Cost.wakeCycle - 1), cpu: Double(service) / Double(period))
    case .server(let arrival, let service, let irq):
      let rate = per(arrival.meanGap)
      return Load(
        open: rate, closed: rate * (Cost.interrupt + Cost.wakeCycle - 1), cpu: rate * (service.mean + Double(irq)) / 1e9
      )
    case .interrupts(let arrival, let handler), .storm(let arrival, let handler):
      let rate = per(arrival.meanGap)
      return Load(open: rate, closed: rate * (Cost.interrupt - 1), cpu: rate * Double(handler) / 1e9)
    case .cryptoAudio(let period, _, _):
      return Load(open: per(period), closed: per(period) * (Cost.wakeCycle - 1) + per(guestTickNs), cpu: 1)
    case .spinlock(let outside, let inside, _): return Load(closed: per(outside + inside) * Cost.wakeCycle, cpu: 1)
    case .netRR(let arrival, _, let service, _):
      let rate = per(arrival.meanGap)
      return Load(open: rate, closed: rate * (Cost.backendRoundTrip - 1), cpu: rate * service.mean / 1e9)
    case .audioPipeline(let a):
      // Player, vchan hop, mixer and each further hop: about a round trip per quantum.
      return Load(
        open: per(a.periodNs), closed: per(a.periodNs) * (Cost.backendRoundTrip - 1),
        cpu: Double(a.renderNs + a.mixNs + 2 * a.hopNs) / Double(a.periodNs))
    case .netStream(let hop, let process, _):
      return Load(
        closed: per(2 * hop + process) * Cost.backendRoundTrip, cpu: Double(process) / Double(2 * hop + process))
    case .phases(let phases):
      var run: Int64 = 0
      var cycle: Int64 = 0
      for phase in phases {
        switch phase {
        case .run(let ns):
          run += ns
          cycle += ns
        case .block(let ns): cycle += ns
        case .yield: break
        }
      }
      return Load(
        closed: per(cycle) * Double(phases.count) * Cost.wakeCycle / 2, cpu: Double(run) / Double(max(1, cycle)))
    case .script(_, let threads):
      return threads.reduce(into: Load()) { total, thread in
        let l = threadLoad(thread, backendNs: spec.backendNs)
        total.closed += l.closed
        total.cpu += l.cpu
      }
    }
  }

  /// One script thread: its steps per iteration over the iteration's length.
  static func threadLoad(_ thread: ScriptThread, backendNs: Int64) -> Load {
    var steps = 0.0
    var ns = 0.0
    var run = 0.0
    for block in thread.blocks {
      let loops = Double(block.loops)
      for step in block.steps {
        steps += loops
        switch step {
        case .run(let lo, let hi):
          ns += loops * Double(lo + hi) / 2
          run += loops * Double(lo + hi) / 2
        case .sleep(let lo, let hi): ns += loops * Double(lo + hi) / 2
        case .timer(let period, _): ns += loops * Double(period)
        case .io: ns += loops * Double(max(backendNs, 1))
        }
      }
    }
    return Load(closed: steps * 1e9 / max(1, ns) * Cost.wakeCycle / 2, cpu: run / max(1, ns))
  }

  public init(total: Double, largest: String, largestEvents: Double) {
    self.total = total
    self.largest = largest
    self.largestEvents = largestEvents
  }
}

extension SimulationConfig {
  /// The run's estimated events (see ``EventEstimate``). Events that need CPU are scaled down where
  /// a vCPU's tasks ask for more than one pCPU, and again where the host's vCPUs ask for more pCPUs
  /// than it has: an oversubscribed host does not run its loops faster than its CPUs allow.
  public var eventEstimate: EventEstimate {
    let seconds = Double(durationNs) / 1e9
    var estimate = EventEstimate(
      total: Double(topology.pcpuCount) * EventEstimate.Cost.perPCPUPerSecond * seconds + 10 * Double(totalVCPUs),
      largest: "the scheduler's timers", largestEvents: 0)
    estimate.largestEvents = estimate.total
    // Per contributor: unscaled events, CPU-bound events (before host scaling), and its name.
    var parts: [(open: Double, closed: Double, what: String)] = []
    var hostDemand = 0.0
    for domain in domains {
      var demand = Array(repeating: 0.0, count: domain.vcpus)  // pCPUs each vCPU's tasks ask for
      var normalTasks = Array(repeating: 0, count: domain.vcpus)
      var loads: [[EventEstimate.Load]] = []  // [workload][vCPU]
      for spec in domain.workloads {
        var row = Array(repeating: EventEstimate.Load(), count: domain.vcpus)
        if case .script(let perVCPUThreads, let threads) = spec.kind, !perVCPUThreads, spec.vcpu == nil {
          // rt-app: thread k runs on vCPU k mod vcpus.
          for (k, thread) in threads.enumerated() {
            let l = EventEstimate.threadLoad(thread, backendNs: spec.backendNs)
            row[k % domain.vcpus].closed += l.closed
            row[k % domain.vcpus].cpu += l.cpu
          }
        } else {
          let l = EventEstimate.load(of: spec, guestTickNs: guestTickNs)
          for i in 0..<domain.vcpus where spec.vcpu == nil || spec.vcpu == i { row[i] = l }
        }
        for i in 0..<domain.vcpus where row[i].cpu > 0 || row[i].closed > 0 {
          demand[i] += row[i].cpu
          if !spec.realtime { normalTasks[i] += 1 }
        }
        loads.append(row)
      }
      // A vCPU cannot run more than one pCPU's worth: its tasks' CPU-bound events share it.
      let vcpuScale = demand.map { $0 > 1 ? 1 / $0 : 1 }
      hostDemand += demand.reduce(0) { $0 + min(1, $1) }
      for (w, spec) in domain.workloads.enumerated() {
        var open = 0.0
        var closed = 0.0
        for i in 0..<domain.vcpus {
          open += loads[w][i].open
          closed += loads[w][i].closed * vcpuScale[i]
        }
        parts.append((open * seconds, closed * seconds, "domain \(domain.name), workload \(spec.name)"))
      }
      // Two normal tasks on a vCPU share it by the guest tick.
      let ticking = (0..<domain.vcpus).filter { normalTasks[$0] > 1 }.count
      if ticking > 0 {
        let ticks = Double(ticking) * EventEstimate.per(guestTickNs) * EventEstimate.Cost.guestTick * seconds
        parts.append((0, ticks, "domain \(domain.name)'s guest tick"))
      }
    }
    let hostScale = hostDemand > Double(topology.pcpuCount) ? Double(topology.pcpuCount) / hostDemand : 1
    func add(_ events: Double, _ what: String) {
      estimate.total += events
      if events > estimate.largestEvents {
        estimate.largestEvents = events
        estimate.largest = what
      }
    }
    add(seconds * EventEstimate.per(windowNs), "the metrics window")
    for part in parts { add(part.open + part.closed * hostScale, part.what) }
    return estimate
  }
}
