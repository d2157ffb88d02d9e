import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario
import SchedLabTestSupport
import Testing

/// Records every trace event with its time.
final class TraceRecorder: TraceListener {
  var events: [(Int64, TraceEvent)] = []
  func record(_ event: TraceEvent, now: Int64, engine: Engine) { events.append((now, event)) }

  func count(_ match: (TraceEvent) -> Bool) -> Int { events.filter { match($0.1) }.count }
  func policyEvents(_ name: String) -> [PolicyTraceEvent] {
    events.compactMap { if case .policy(let p) = $0.1, p.name == name { return p } else { return nil } }
  }
}

/// The trace bus: listening changes nothing, and the trace agrees with the run's own accounting.
@Suite struct TraceTests {
  /// Random hosts, weights, caps, affinity and workload mixes, measured from time 0 so that the
  /// result's counters cover the whole trace.
  static func config(_ seed: UInt64) -> SimulationConfig {
    var config = RandomScenario.make(seed: seed)
    config.warmupNs = 0
    return config
  }

  @Test(arguments: UInt64(1)...8)
  func listeningChangesNothing(seed: UInt64) {
    let plain = Build.run(Self.config(seed), Build.credit2())
    let recorder = TraceRecorder()
    let heard = Build.run(Self.config(seed), Build.credit2(), listener: recorder)
    #expect(heard.host.traceHash == plain.host.traceHash)
    #expect(String(describing: heard) == String(describing: plain))
    #expect(!recorder.events.isEmpty)
  }

  @Test(arguments: UInt64(1)...8)
  func theTraceAgreesWithTheRunsAccounting(seed: UInt64) {
    let recorder = TraceRecorder()
    let config = Self.config(seed)
    let r = Build.run(config, Build.credit2(), listener: recorder)
    // Every switch is a context switch; every interrupt is counted by its workload.
    let switches = Int((r.host.contextSwitchesPerS * Double(r.measuredNs) / 1e9).rounded())
    #expect(recorder.count { if case .switched = $0 { true } else { false } } == switches)
    let interrupts = r.domains.flatMap(\.workloads).reduce(Int64(0)) { $0 + $1.interrupts }
    #expect(recorder.count { if case .interrupt = $0 { true } else { false } } == Int(interrupts))
    // Each vCPU's runstate changes chain (from = the previous to), starting blocked.
    var state = Array(repeating: Runstate.blocked, count: config.totalVCPUs)
    var time = Array(repeating: Int64(0), count: config.totalVCPUs)
    var ok = true
    for (now, event) in recorder.events {
      guard case .runstate(let v, let from, let to) = event else { continue }
      if state[v.index] != from || to == from { ok = false }
      state[v.index] = to
      time[v.index] = now
    }
    #expect(ok, "seed \(seed): a runstate change does not follow the previous one")
    // A wake-up caused by an interrupt follows that interrupt, at the same instant, for that vCPU.
    var lastInterrupt: [Int: (Int64, Int)] = [:]
    for (now, event) in recorder.events {
      switch event {
      case .interrupt(let v, let source): lastInterrupt[v.index] = (now, source)
      case .woken(let v, .interrupt(let source)):
        #expect(lastInterrupt[v.index].map { $0 == (now, source) } == true, "seed \(seed) \(v)")
      default: break
      }
    }
    // credit2's credit resets, as its counter has them.
    let resets = r.counters.first { $0.name == "credit_resets" }?.value ?? -1
    #expect(recorder.policyEvents("credit_reset").count == Int(resets))
  }

  @Test func boostsAndDeboostsAreTraced() throws {
    let scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/suite/p11-lock-holder.yaml")
    var config = scenario.simulation
    config.warmupNs = 0
    config.durationNs = Nanos.s(2)
    let recorder = TraceRecorder()
    let (_, policy) = try scenario.makePolicy("credit2-boost")
    let engine = Engine(config: config, policy: policy)
    engine.addListener(recorder)
    _ = engine.run()
    let boosts = recorder.policyEvents("boost")
    let deboosts = recorder.policyEvents("deboost")
    #expect(!boosts.isEmpty)
    // A boost ends at most once, and only after it began.
    var open: Set<Int> = []
    for (_, event) in recorder.events {
      guard case .policy(let p) = event, let v = p.vcpu?.index else { continue }
      if p.name == "boost" { #expect(open.insert(v).inserted) }
      if p.name == "deboost" { #expect(open.remove(v) != nil) }
    }
    #expect(deboosts.count <= boosts.count)
  }

  @Test func runnerPassesListenersToTheMainRunOnly() throws {
    var scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/seed-example.yaml")
    scenario.simulation.durationNs = Nanos.s(3)
    let recorder = TraceRecorder()
    let evaluation = try Runner.evaluate(scenario, listeners: [recorder])
    let switches = recorder.count { if case .switched = $0 { true } else { false } }
    // The demand runs behind the ideal are not heard: the switches are the main run's, warm-up included.
    let measured = evaluation.result.host.contextSwitchesPerS * Double(evaluation.result.measuredNs) / 1e9
    #expect(Double(switches) >= measured.rounded())
    let last = recorder.events.last?.0 ?? 0
    #expect(last <= scenario.simulation.durationNs)
    #expect(evaluation.ideal != nil)
  }
}
