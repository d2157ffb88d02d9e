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

/// `sched_adjust` (every policy's weight/cap change from dom0) and policy dumps at a time.
@Suite struct AdjustAndDumpTests {
  static let text = """
    host: {cores: 1}
    scheduler: credit2
    duration: 4s
    domains:
      - {name: dom0, dom0: true}
      - {name: a, workloads: [{type: burner}]}
      - {name: b, workloads: [{type: burner}]}
    control:
      - {at: 2s, caller: dom0, op: sched_adjust, target: a, weight: 768}
      - {at: 2s, caller: b, op: sched_adjust, target: b, weight: 65535}

    """

  /// Two burners share one pCPU 1:1, then 3:1 once dom0 triples a's weight; b's own attempt is refused.
  @Test(arguments: ["credit2", "credit", "credit2-boost"])
  func weightChangesTakeEffectAtTheirTime(scheduler: String) throws {
    let scenario = try ScenarioLoader.parse(Self.text, path: "adjust.yaml")
    let recorder = TraceRecorder()
    let evaluation = try Runner.evaluate(
      scenario, scheduler: scheduler, ideal: false, listeners: [recorder], dumpAt: [Nanos.s(1), Nanos.s(3)])
    let r = evaluation.result
    let a = r.domains[1]
    #expect(abs(a.share - 0.625) < 0.01, "\(scheduler): a's share \(a.share)")
    #expect(a.window.min < 0.52 && a.window.max > 0.73, "\(scheduler): windows \(a.window)")
    #expect(a.weight == 768 && r.domains[2].weight == 256)
    #expect(r.controls.map(\.outcome.isOK) == [true, false])
    let traced = recorder.events.compactMap { if case .control(let c) = $0.1 { return c } else { return nil } }
    #expect(traced == r.controls)
    #expect(r.dumps.map(\.timeNs) == [Nanos.s(1), Nanos.s(3)])
    if scheduler != "credit" {
      #expect(r.dumps[0].text.contains("max_weight 256") && r.dumps[1].text.contains("max_weight 768"))
    }
  }

  @Test func roundRobinAcceptsAndIgnoresWeights() throws {
    let scenario = try ScenarioLoader.parse(Self.text, path: "adjust.yaml")
    let r = try Runner.evaluate(scenario, scheduler: "rr", ideal: false).result
    #expect(abs(r.domains[1].share - 0.5) < 0.01)
    #expect(r.controls.map(\.outcome.isOK) == [true, false])
  }

  @Test func anAdjustWithNothingToChangeIsRefusedAtItsLine() {
    let text = Self.text.replacingOccurrences(of: "target: a, weight: 768}", with: "target: a}")
    #expect {
      try ScenarioLoader.parse(text, path: "adjust.yaml")
    } throws: { error in
      (error as? ScenarioError)?.description
        == "adjust.yaml:9: control[0].op: sched_adjust needs at least one of weight, cap"
    }
  }
}
