import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario
import Testing

/// The workload catalogue (reference/latency-boost.md §4): each type alone on an idle host does
/// what its parameters say; backends add their hop; rt-app files import.
@Suite struct CatalogTests {
  /// Run a one-domain scenario (plus optional extra domains) for 2 s after 200 ms of warm-up.
  func run(_ workloads: String, cores: Int = 1, vcpus: Int = 1, extra: String = "") throws -> RunResult {
    let text = """
      host: {cores: \(cores)}
      scheduler: credit2
      duration: 2200ms
      warmup: 200ms
      domains:
        - name: x
          vcpus: \(vcpus)
          workloads: \(workloads)
      \(extra)
      """
    let scenario = try ScenarioLoader.parse(text, path: packageRoot + "/scenarios/inline.yaml")
    let (_, policy) = try scenario.makePolicy()
    let engine = Engine(config: scenario.simulation, policy: policy)
    return engine.run()
  }

  func x(_ r: RunResult) -> DomainResult { r.domains.first { $0.name == "x" }! }

  @Test func schedbenchA() throws {
    let r = try run("[{type: schedbench-a}]")
    // 470 us burn + 200 us sleep: 70.1% of a pCPU, one iteration per 670 us.
    #expect(abs(x(r).share - 470.0 / 670) < 0.002)
    #expect(abs(x(r).workloads[0].throughputPerS - 1e6 / 670) < 2)
  }

  @Test func schedbenchBSaturatesItsVCPU() throws {
    let r = try run("[{type: schedbench-b}]")
    #expect(x(r).share > 0.999)
    #expect(x(r).workloads[0].completed > 1000)
  }

  @Test(arguments: [("audio", 5_330_000, 200_000), ("desktop-audio", 21_300_000, 500_000)])
  func audio(type: String, period: Int64, service: Int64) throws {
    let r = try run("[{type: \(type), phase: 0ms}]")
    let w = x(r).workloads[0]
    #expect(w.deadlineMisses == 0)
    #expect(w.response.maxNs == service)
    #expect(abs(x(r).share - Double(service) / Double(period)) < 0.001)
    #expect(w.latencyTolerance999Ns == service)
  }

  @Test func videoFramesTakeTheirDecodeTime() throws {
    let r = try run("[{type: video, fps: 50, decode: 8ms, phase: 0ms}]")
    let w = x(r).workloads[0]
    #expect(w.released == 101 && w.completed == 100)  // 200 ms...2.2 s at 20 ms, the last one in flight
    #expect(w.deadlineMisses == 0 && w.response.p99Ns == Nanos.ms(8))
    #expect(abs(x(r).share - 0.4) < 0.001)
  }

  @Test func netRRCrossesTheBackendTwice() throws {
    let r = try run(
      "[{type: net-rr, backend: dom0, rate: 500, arrival: periodic, hop: 20us, service: 60us, phase: 0ms}]",
      cores: 2, extra: "  - {name: dom0, dom0: true}")
    let w = x(r).workloads[0]
    #expect(abs(w.throughputPerS - 500) < 1)
    // Alone: hop + service + hop, no queueing; the guest pays the service, dom0 both hops.
    #expect(w.response.p50Ns >= Nanos.us(40))
    let dom0 = r.domains.first { $0.name == "dom0" }!
    #expect(abs(dom0.share - 500 * 40e-6) < 0.001)
  }

  /// The acceptance test of the backend hop: the same request stream, with its driver domain idle
  /// or competing for the pCPU with a burner inside it.
  @Test func backendContentionLengthensResponses() throws {
    let workload = "[{type: net-rr, backend: net, rate: 1000, hop: 20us, service: 60us}]"
    let idle = try run(workload, cores: 2, extra: "  - {name: net}\n  - {name: other, workloads: [{type: burner}]}")
    let busy = try run(
      workload, cores: 2,
      extra: "  - {name: net, workloads: [{type: burner}]}\n  - {name: other, workloads: [{type: burner}]}")
    let quiet = x(idle).workloads[0].response
    let loaded = x(busy).workloads[0].response
    #expect(loaded.p50Ns > quiet.p50Ns)
    #expect(loaded.p99Ns > quiet.p99Ns)
  }

  @Test func netStreamIsClosedLoop() throws {
    let r = try run(
      "[{type: net-stream, backend: dom0, hop: 30us, process: 200us}]", cores: 2, extra: "  - {name: dom0}")
    // One batch in flight: 30 + 200 + 30 us per batch.
    #expect(abs(x(r).workloads[0].throughputPerS - 1e6 / 260) < 5)
  }

  @Test func hvmWaitsForItsDeviceModel() throws {
    let r = try run("[{type: hvm, backend: qemu, burn: 1ms, io: 100us}]", cores: 2, extra: "  - {name: qemu}")
    // Burn 1 ms, then 100 us of device-model work in the stub domain: 1.1 ms per iteration.
    let w = x(r).workloads[0]
    #expect(abs(w.throughputPerS - 1e6 / 1100) < 2)
    #expect(abs(x(r).share - 1.0 / 1.1) < 0.003)
  }

  @Test func serverMixOffersItsLoad() throws {
    let r = try run("[{type: server-mix, load: 30%}]")
    // 30% of a pCPU in requests, plus 5 us of interrupt per request.
    let w = x(r).workloads[0]
    let rate = 0.3 / 590e-6
    #expect(abs(w.throughputPerS - rate) / rate < 0.1)
    #expect(abs(x(r).share - 0.3 * (1 + 5.0 / 590)) < 0.04)
  }

  @Test func batchAndAdversaries() throws {
    let batch = try run("[{type: batch, burst_min: 10ms, burst_max: 10ms, wait_min: 1ms, wait_max: 1ms}]")
    #expect(abs(x(batch).share - 10.0 / 11) < 0.005)
    // Every vCPU of a batch VM runs a job.
    let wide = try run(
      "[{type: batch, burst_min: 10ms, burst_max: 10ms, wait_min: 1ms, wait_max: 1ms}]", cores: 2, vcpus: 2)
    #expect(abs(x(wide).share - 20.0 / 11) < 0.01)
    let evader = try run("[{type: tick-evader}]")
    #expect(abs(x(evader).share - 0.9) < 0.001)
    let storm = try run("[{type: wake-storm, run: 3us, sleep_min: 30us, sleep_max: 30us}]")
    #expect(abs(x(storm).share - 3.0 / 33) < 0.002)
    let hog = try run("[{type: dont-desched-hog}]")
    #expect(x(hog).share == 1)
    let lock = try run("[{type: lock-holder}]", cores: 2, vcpus: 2)
    #expect(x(lock).workloads[0].holderPreemptions == 0)
    #expect(x(lock).workloads[0].completed > 10_000)
  }

  @Test func rtAppExamplesImportAndRun() throws {
    let scenario = try ScenarioLoader.load(path: packageRoot + "/scenarios/rt-app.yaml")
    let (_, policy) = try scenario.makePolicy()
    let r = Engine(config: scenario.simulation, policy: policy).run()
    let linux = r.domains.first { $0.name == "linux" }!
    // periodic.json: the audio thread completes one iteration per 10 ms (90 s... 9 s measured).
    #expect(linux.workloads[0].completed > 1500)
    #expect(linux.workloads[1].completed > 500)
    // Alone, the periodic file's threads use 1/10 + 4/8 of a pCPU.
    let threads = try RTAppImporter.load(path: packageRoot + "/examples/rt-app/periodic.json", shownAs: "periodic.json")
    #expect(threads.count == 2 && threads[0].realtime && !threads[1].realtime)
    #expect(
      threads[0].blocks[0].steps == [
        .run(lo: Nanos.ms(1), hi: Nanos.ms(1)), .timer(periodNs: Nanos.ms(10), absolute: true),
      ])
    let phased = try RTAppImporter.load(path: packageRoot + "/examples/rt-app/phases.json", shownAs: "phases.json")
    #expect(phased.count == 2 && phased[0].blocks.count == 2 && phased[0].blocks[0].loops == 3)
  }

  @Test func rtAppShorthandInAScenario() throws {
    let r = try run("[{rt-app: ../examples/rt-app/periodic.json}]")
    // Alone on one vCPU: the real-time thread takes its 1 ms per 10 ms; the background thread's
    // 4 ms runs stretch by the real-time work inside them (≈ 0.45 ms), so it gets a little under
    // 4 ms of every 8.45 ms: about 0.57 of the pCPU in all, never the naive 0.6.
    #expect(x(r).share > 0.55 && x(r).share < 0.6)
    #expect(x(r).workloads[0].type == "rt-app")
  }

  @Test(arguments: [
    ("{\"tasks\": {\"t\": {\"run\": 100, \"lock\": \"m\"}}}", 1, "tasks.t.lock", "unsupported rt-app event"),
    ("{\n \"tasks\": {\n  \"t\": {\"run\": \"fast\"}}}", 3, "tasks.t.run", "whole number"),
    (
      "{\n \"tasks\": {\n  \"t\": {\"run\": 100,\n   \"timer\": {\"period\": 10, \"mode\": \"later\"}}}}", 4,
      "tasks.t.timer.mode", "relative|absolute"
    ),
    ("{\"tasks\": {\"t\": {\"run\": 100}}, \"globl\": {}}", 1, "globl", "unknown key"),
    ("{\"tasks\": {\"t\": {\"instance\": 2}}}", 1, "tasks.t", "needs at least one"),
    // An unclosed brace is reported where the input ends.
    ("{\"tasks\": {\"t\": {\"run\": 100,}}", 2, "", "JSON syntax"),
  ])
  func malformedRTAppFilesAreOneLineErrors(text: String, line: Int, key: String, fragment: String) {
    do {
      _ = try RTAppImporter.parse(text, file: "bad.json")
      Issue.record("accepted: \(text)")
    } catch {
      #expect(error.file == "bad.json")
      #expect(error.line == line, "\(error)")
      #expect(error.key == key, "\(error)")
      #expect(error.message.contains(fragment), "\(error)")
      #expect(!error.description.contains("\n"))
    }
  }
}
