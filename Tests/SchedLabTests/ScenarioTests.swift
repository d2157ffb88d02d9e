import Foundation
import SchedLabCore
import SchedLabScenario
import Testing

/// Every class of bad input yields one error naming file, line and key.
@Suite struct ScenarioTests {
  static let good = """
    name: ok
    host: {sockets: 1, cores: 2, threads: 1}
    scheduler: credit2
    duration: 2s
    domains:
      - name: a
        weight: 256
        workloads:
          - {type: demand, fraction: 40%, burst: 1ms}
    """

  func error(_ text: String) -> ScenarioError? {
    do {
      _ = try ScenarioLoader.parse(text, path: "bad.yaml")
      return nil
    } catch {
      return error
    }
  }

  @Test func goodScenarioParses() throws {
    let s = try ScenarioLoader.parse(Self.good, path: "ok.yaml")
    #expect(s.simulation.durationNs == Nanos.s(2))
    #expect(s.simulation.domains[0].workloads[0].kind == .demand(fraction: 0.4, burstNs: Nanos.ms(1)))
  }

  struct Bad: Sendable, CustomTestStringConvertible {
    var name: String, yaml: String, line: Int, key: String, fragment: String
    var testDescription: String { name }
  }

  static func replaced(_ a: String, _ b: String) -> String { good.replacingOccurrences(of: a, with: b) }

  static let badCases: [Bad] = [
    Bad(name: "unknown top key", yaml: good + "\nbogus: 1", line: 10, key: "bogus", fragment: "unknown key"),
    Bad(
      name: "unknown domain key", yaml: replaced("weight: 256", "wieght: 256"), line: 7, key: "domains[0].wieght",
      fragment: "unknown key"),
    Bad(
      name: "unknown workload key", yaml: replaced("burst: 1ms", "burts: 1ms"), line: 9,
      key: "domains[0].workloads[0].burts", fragment: "unknown key"),
    Bad(
      name: "wrong type", yaml: replaced("weight: 256", "weight: heavy"), line: 7, key: "domains[0].weight",
      fragment: "whole number"),
    Bad(
      name: "out of range weight", yaml: replaced("weight: 256", "weight: 70000"), line: 7, key: "domains[0].weight",
      fragment: "outside 1...65535"),
    Bad(
      name: "fraction over 100%", yaml: replaced("fraction: 40%", "fraction: 140%"), line: 9,
      key: "domains[0].workloads[0].fraction", fragment: "outside"),
    Bad(
      name: "bad duration unit", yaml: replaced("duration: 2s", "duration: 2 minutes"), line: 4, key: "duration",
      fragment: "not a duration"),
    Bad(name: "missing duration", yaml: replaced("duration: 2s\n", ""), line: 1, key: "duration", fragment: "required"),
    Bad(
      name: "impossible host", yaml: replaced("cores: 2, threads: 1", "cores: 200, threads: 2"), line: 2, key: "host",
      fragment: "at most 256"),
    Bad(name: "zero cores", yaml: replaced("cores: 2", "cores: 0"), line: 2, key: "host.cores", fragment: "outside"),
    Bad(
      name: "unknown scheduler", yaml: replaced("scheduler: credit2", "scheduler: bvt"), line: 3, key: "scheduler",
      fragment: "unknown scheduler"),
    Bad(
      name: "unknown workload", yaml: replaced("type: demand", "type: vidoe"), line: 9,
      key: "domains[0].workloads[0].type", fragment: "unknown workload type"),
    Bad(
      name: "affinity beyond host", yaml: replaced("weight: 256", "affinity: [0, 5]"), line: 7,
      key: "domains[0].affinity", fragment: "does not exist"),
    Bad(
      name: "warm-up too long", yaml: good + "\nwarmup: 3s", line: 10, key: "warmup",
      fragment: "shorter than the duration"),
    Bad(
      name: "cap above vcpus", yaml: replaced("weight: 256", "cap: 150"), line: 7, key: "domains[0].cap",
      fragment: "outside 0...100"),
    Bad(
      name: "vcpu index", yaml: replaced("burst: 1ms", "burst: 1ms, vcpu: 3"), line: 9,
      key: "domains[0].workloads[0].vcpu", fragment: "outside 0...0"),
    Bad(
      name: "unknown parameter", yaml: good + "\nparameters: {credit2: {ratelimit: 5}}", line: 10,
      key: "parameters.credit2.ratelimit", fragment: "unknown parameter"),
    Bad(
      name: "parameter range", yaml: good + "\nparameters: {credit2: {ratelimit_us: 50}}", line: 10,
      key: "parameters.credit2.ratelimit_us", fragment: "0 (off) or 100...500000"),
    Bad(name: "malformed yaml", yaml: "host: {cores: 2\nscheduler: credit2", line: 2, key: "", fragment: "YAML syntax"),
    Bad(name: "not a mapping", yaml: "- just\n- a list", line: 1, key: "", fragment: "expected a mapping"),
    Bad(
      name: "duplicate domain", yaml: good + "\n  - {name: a}", line: 10, key: "domains[1].name",
      fragment: "duplicate domain name"),
    Bad(
      name: "bad phase step",
      yaml: replaced("{type: demand, fraction: 40%, burst: 1ms}", "{type: phases, steps: ['sprint 5ms']}"), line: 9,
      key: "domains[0].workloads[0].steps[0]", fragment: "expected 'run DURATION'"),
  ]

  @Test(arguments: badCases)
  func badInputIsRejectedWithLineAndKey(_ c: Bad) throws {
    let e = try #require(error(c.yaml), "\(c.name) was accepted")
    #expect(e.file == "bad.yaml")
    #expect(e.line == c.line, "\(e)")
    #expect(e.key == c.key, "\(e)")
    #expect(e.message.contains(c.fragment), "\(e)")
    #expect(!e.description.contains("\n"), "one line")
  }

  @Test func missingFileIsAnError() {
    #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/x.yaml") }
  }

  @Test func durationsAndFractionsParseExactly() {
    #expect(ScenarioValues.duration("500us") == 500_000)
    #expect(ScenarioValues.duration("1.5ms") == 1_500_000)
    #expect(ScenarioValues.duration("2s") == 2_000_000_000)
    #expect(ScenarioValues.duration("250ns") == 250)
    #expect(ScenarioValues.duration("0") == 0)
    #expect(ScenarioValues.duration("0.5ns") == nil)
    #expect(ScenarioValues.duration("10") == nil)
    #expect(ScenarioValues.duration("-3ms") == nil)
  }

  @Test func shippedScenariosAllLoad() throws {
    for name in ["seed-example", "burners-mixed-weights", "audio-among-burners", "server-among-burners"] {
      _ = try ScenarioLoader.load(path: packageRoot + "/scenarios/\(name).yaml")
    }
  }
}

/// Every shipped scenario loads and runs (briefly, on both host models): a scenario file that stops
/// loading, or a workload that traps, shows up here rather than in a user's hands.
@Suite struct ShippedScenarioTests {
  static let files: [String] = {
    let root = packageRoot + "/scenarios"
    let fm = FileManager.default
    var out: [String] = []
    for sub in ["", "/boost", "/credit1", "/matrix", "/suite"] {
      let dir = root + sub
      let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
      out += names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir + "/" + $0 }
    }
    return out
  }()

  @Test func thereAreShippedScenarios() { #expect(Self.files.count >= 60) }

  @Test(arguments: files)
  func loadsAndRuns(path: String) throws {
    var scenario = try ScenarioLoader.load(path: path)
    for model in [HostModel.ideal, .realistic] {
      scenario.simulation.hostModel = model
      scenario.simulation.warmupNs = 0
      scenario.simulation.durationNs = Nanos.ms(200)
      scenario.simulation.windowNs = Nanos.ms(100)
      let (_, policy) = try scenario.makePolicy(nil)
      let engine = Engine(config: scenario.simulation, policy: policy)
      for call in scenario.controls { engine.schedule(call) }
      let r = engine.run()
      #expect(r.measuredNs == Nanos.ms(200))
      #expect(r.host.idleFraction >= 0 && r.host.idleFraction <= 1)
      // The event budget's estimate is an order of magnitude: within 10x of what the run did.
      let estimate = scenario.simulation.eventEstimate.total
      let actual = Double(engine.processedEvents)
      #expect(
        estimate <= 10 * actual && actual <= 10 * estimate,
        "\(model.name): estimated \(Int(estimate)) events, processed \(Int(actual))")
    }
  }
}
