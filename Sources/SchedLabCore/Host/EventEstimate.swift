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

  /// Rate (per simulated second) of occurrences of a workload on one vCPU, and the events each costs.
  static func rate(of spec: WorkloadSpec, guestTickNs: Int64) -> (perSecond: Double, cost: Double) {
    func per(_ ns: Int64) -> Double { 1e9 / Double(max(1, ns)) }
    switch spec.kind {
    case .burner: return (0, 0)
    case .demand(let fraction, let burst, _): return (per(burst) * fraction, Cost.wakeCycle)
    case .periodic(let period, _, _): return (per(period), Cost.wakeCycle)
    case .server(let arrival, _, _): return (per(arrival.meanGap), Cost.interrupt + Cost.wakeCycle)
    case .interrupts(let arrival, _), .storm(let arrival, _): return (per(arrival.meanGap), Cost.interrupt)
    case .cryptoAudio(let period, _, _): return (per(period) + per(guestTickNs), Cost.wakeCycle)
    case .spinlock(let outside, let inside, _): return (per(outside + inside), Cost.wakeCycle)
    case .netRR(let arrival, _, _, _): return (per(arrival.meanGap), Cost.backendRoundTrip)
    case .netStream(let hop, let process, _): return (per(2 * hop + process), Cost.backendRoundTrip)
    case .phases(let phases):
      var cycle: Int64 = 0
      for phase in phases {
        switch phase {
        case .run(let ns), .block(let ns): cycle += ns
        case .yield: break
        }
      }
      return (per(cycle) * Double(phases.count), Cost.wakeCycle / 2)
    case .script(_, let threads):
      var rate = 0.0
      for thread in threads {
        var steps = 0.0
        var ns = 0.0
        for block in thread.blocks {
          for step in block.steps {
            steps += Double(block.loops)
            switch step {
            case .run(let lo, let hi), .sleep(let lo, let hi): ns += Double(block.loops) * Double(lo + hi) / 2
            case .timer(let period, _): ns += Double(block.loops) * Double(period)
            case .io: ns += Double(block.loops) * Double(max(spec.backendNs, 1))
            }
          }
        }
        rate += steps * 1e9 / max(1, ns)
      }
      return (rate, Cost.wakeCycle / 2)
    }
  }

  public init(total: Double, largest: String, largestEvents: Double) {
    self.total = total
    self.largest = largest
    self.largestEvents = largestEvents
  }
}

extension SimulationConfig {
  /// The run's estimated events (see ``EventEstimate``).
  public var eventEstimate: EventEstimate {
    let seconds = Double(durationNs) / 1e9
    var estimate = EventEstimate(
      total: Double(topology.pcpuCount) * EventEstimate.Cost.perPCPUPerSecond * seconds + 10 * Double(totalVCPUs),
      largest: "the scheduler's timers", largestEvents: 0)
    estimate.largestEvents = estimate.total
    func add(_ events: Double, _ what: @autoclosure () -> String) {
      estimate.total += events
      if events > estimate.largestEvents {
        estimate.largestEvents = events
        estimate.largest = what()
      }
    }
    add(seconds * 1e9 / Double(max(1, windowNs)), "the metrics window")
    for domain in domains {
      var normalTasksPerVCPU = Array(repeating: 0, count: domain.vcpus)
      for spec in domain.workloads {
        let instances: Int
        if case .script(let perVCPU, _) = spec.kind, !perVCPU {
          instances = 1  // the threads are spread over the vCPUs: count them once
        } else {
          instances = spec.vcpu == nil ? domain.vcpus : 1
        }
        for i in 0..<domain.vcpus where !spec.realtime && (spec.vcpu == nil || spec.vcpu == i) {
          normalTasksPerVCPU[i] += 1
        }
        let (rate, cost) = EventEstimate.rate(of: spec, guestTickNs: guestTickNs)
        add(rate * cost * Double(instances) * seconds, "domain \(domain.name), workload \(spec.name)")
      }
      // Two normal tasks on a vCPU share it by the guest tick.
      let sharing = normalTasksPerVCPU.filter { $0 > 1 }.count
      if sharing > 0 {
        add(
          Double(sharing) * 1e9 / Double(max(1, guestTickNs)) * EventEstimate.Cost.guestTick * seconds,
          "domain \(domain.name)'s guest tick")
      }
    }
    return estimate
  }
}
