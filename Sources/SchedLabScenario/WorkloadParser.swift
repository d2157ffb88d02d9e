import SchedLabCore
import Yams

/// Workload entries of a domain: `type` plus that type's parameters (see ``WorkloadCatalog``).
enum WorkloadParser {
  static let commonKeys = ["type", "name", "vcpu", "realtime", "phase", "dont_desched", "deboost_yield"]

  static func parse(_ node: Node, path: String, vcpus: Int, context: NodeContext) throws(ScenarioError) -> WorkloadSpec
  {
    var r = try MapReader(node, path: path, context: context)
    let typeNode = try r.required("type")
    let type = try Values.string(typeNode, "\(path).type", context)
    guard let entry = WorkloadCatalog.entries.first(where: { $0.type == type }) else {
      throw context.error(
        typeNode, "\(path).type",
        "unknown workload type '\(type)' (known: \(WorkloadCatalog.entries.map(\.type).joined(separator: ", ")))")
    }
    let name = try r.string("name", default: type)
    var vcpu: Int?
    if let v = r.optional("vcpu"), v.scalarText != "all" {
      vcpu = try Values.integer(v, "\(path).vcpu", context, range: 0...(vcpus - 1))
    }
    let realtime = try r.bool("realtime", default: type == "crypto-audio")
    let dontDesched = try r.bool("dont_desched", default: type == "crypto-audio")
    let deboostYield = try r.bool("deboost_yield", default: type == "crypto-audio")
    var phase: Int64?
    if r.keys.contains("phase") { phase = try r.duration("phase", default: nil) }
    let kind = try parseKind(type, &r, path: path, context: context)
    try r.finish(allowed: commonKeys + entry.parameters.map(\.key))
    return WorkloadSpec(
      name: name, kind: kind, realtime: realtime, vcpu: vcpu, phaseNs: phase, dontDesched: dontDesched,
      deboostYield: deboostYield)
  }

  static func positive(_ value: Int64, _ key: String, _ node: Node, _ context: NodeContext) throws(ScenarioError)
    -> Int64
  {
    guard value > 0 else { throw context.error(node, key, "must be longer than 0") }
    return value
  }

  static func parseKind(
    _ type: String, _ r: inout MapReader, path: String, context: NodeContext
  ) throws(ScenarioError) -> WorkloadKind {
    let node = r.node
    switch type {
    case "burner":
      return .burner
    case "demand":
      let fraction = try Values.fraction(try r.required("fraction"), "\(path).fraction", context)
      let burst = try positive(try r.duration("burst", default: Nanos.ms(2)), "\(path).burst", node, context)
      let arrivalText = try r.string("arrival", default: "jittered")
      guard let arrival = DemandArrival(rawValue: arrivalText) else {
        throw context.error(node, "\(path).arrival", "'\(arrivalText)' is not one of periodic|jittered|poisson")
      }
      return .demand(fraction: fraction, burstNs: burst, arrival: arrival)
    case "periodic":
      let period = try positive(try r.duration("period", default: nil), "\(path).period", node, context)
      let service = try positive(try r.duration("service", default: nil), "\(path).service", node, context)
      let deadline = try positive(try r.duration("deadline", default: period), "\(path).deadline", node, context)
      return .periodic(periodNs: period, serviceNs: service, deadlineNs: deadline)
    case "server":
      let arrival = try parseArrival(&r, path: path, context: context, defaultProcess: "poisson")
      let mean = try positive(try r.duration("service", default: nil), "\(path).service", node, context)
      let distribution = try r.string("service_dist", default: "exponential")
      let service: ServiceTime
      switch distribution {
      case "constant": service = .constant(mean)
      case "exponential": service = .exponential(mean: mean)
      case "bimodal":
        let long = try positive(try r.duration("service_long", default: nil), "\(path).service_long", node, context)
        let fraction = try Values.fraction(try r.required("long_fraction"), "\(path).long_fraction", context)
        service = .bimodal(short: mean, long: long, longFraction: fraction)
      default:
        throw context.error(
          node, "\(path).service_dist", "'\(distribution)' is not one of constant|exponential|bimodal")
      }
      let irq = try r.duration("irq_cost", default: Nanos.us(5))
      return .server(arrival: arrival, service: service, irqCostNs: irq)
    case "phases":
      let stepsNode = try r.required("steps")
      guard case .sequence(let seq) = stepsNode, !seq.isEmpty else {
        throw context.error(stepsNode, "\(path).steps", "expected a non-empty list such as ['run 5ms', 'block 10ms']")
      }
      var phases: [Phase] = []
      for (k, step) in seq.enumerated() { phases.append(try parsePhase(step, "\(path).steps[\(k)]", context)) }
      guard phases.contains(where: { if case .yield = $0 { return false } else { return true } }) else {
        throw context.error(stepsNode, "\(path).steps", "needs at least one run or block step")
      }
      return .phases(phases)
    case "interrupts":
      let arrival = try parseArrival(&r, path: path, context: context, defaultProcess: "poisson")
      let handler = try positive(try r.duration("handler", default: nil), "\(path).handler", node, context)
      return .interrupts(arrival: arrival, handlerNs: handler)
    case "storm":
      let arrival = try parseArrival(&r, path: path, context: context, defaultProcess: "poisson", defaultRate: 20_000)
      let handler = try positive(try r.duration("handler", default: Nanos.us(15)), "\(path).handler", node, context)
      return .storm(arrival: arrival, handlerNs: handler)
    case "crypto-audio":
      let period = try positive(try r.duration("period", default: Nanos.ms(10)), "\(path).period", node, context)
      let service = try positive(try r.duration("service", default: Nanos.us(500)), "\(path).service", node, context)
      let deadline = try positive(try r.duration("deadline", default: period), "\(path).deadline", node, context)
      return .cryptoAudio(periodNs: period, serviceNs: service, deadlineNs: deadline)
    case "spinlock":
      let outside = try positive(try r.duration("outside", default: Nanos.us(200)), "\(path).outside", node, context)
      let inside = try positive(try r.duration("inside", default: Nanos.us(20)), "\(path).inside", node, context)
      let irqsOff = try r.bool("irqs_off", default: false)
      return .spinlock(outsideNs: outside, insideNs: inside, irqsOff: irqsOff)
    default:
      preconditionFailure("catalogue and parser disagree on \(type)")
    }
  }

  /// `rate` (per second) with `arrival: poisson|periodic`.
  static func parseArrival(
    _ r: inout MapReader, path: String, context: NodeContext, defaultProcess: String, defaultRate: Double? = nil
  ) throws(ScenarioError) -> ArrivalProcess {
    let rate: Double
    if let rateNode = r.optional("rate") {
      rate = try Values.rate(rateNode, "\(path).rate", context)
    } else if let defaultRate {
      rate = defaultRate
    } else {
      throw context.error(r.node, "\(path).rate", "required key is missing")
    }
    let gap = max(1, Int64((1e9 / rate).rounded()))
    let process = try r.string("arrival", default: defaultProcess)
    switch process {
    case "poisson": return .poisson(meanGap: gap)
    case "periodic": return .periodic(period: gap)
    case "jittered": return .jittered(period: gap)
    default: throw context.error(r.node, "\(path).arrival", "'\(process)' is not one of poisson|periodic|jittered")
    }
  }

  /// `run 5ms`, `block 10ms`, `yield`, or the mapping forms `{run: 5ms}`, `{block: 10ms}`.
  static func parsePhase(_ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) -> Phase {
    var verb: String
    var argument: String?
    switch node {
    case .scalar(let s):
      let words = s.string.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      verb = words.first ?? ""
      argument = words.count == 2 ? words[1] : nil
      if words.count > 2 { verb = "" }
    case .mapping(let m) where m.count == 1:
      verb = m.first!.key.scalarText ?? ""
      argument = m.first!.value.scalarText
    default:
      verb = ""
    }
    switch (verb, argument) {
    case ("yield", nil):
      return .yield
    case ("run", let arg?), ("block", let arg?):
      guard let ns = Values.parseDuration(arg), ns > 0 else {
        throw context.error(node, key, "'\(arg)' is not a positive duration")
      }
      return verb == "run" ? .run(ns) : .block(ns)
    default:
      throw context.error(node, key, "expected 'run DURATION', 'block DURATION' or 'yield'")
    }
  }
}

/// The workload types with their parameters and defaults, for `schedlab list workloads` and for
/// rejecting unknown keys.
public enum WorkloadCatalog {
  public struct Entry: Sendable {
    public var type: String
    public var summary: String
    /// (key, default or "required", meaning)
    public var parameters: [(key: String, defaultValue: String, doc: String)]
    public var metrics: String
  }

  public static let entries: [Entry] = [
    Entry(
      type: "burner", summary: "always runnable: a CPU hog", parameters: [],
      metrics: "share"),
    Entry(
      type: "demand",
      summary:
        "open-loop load: a burst of work every burst/fraction; uses `fraction` of a pCPU when alone, backlog when starved",
      parameters: [
        ("fraction", "required", "share of one pCPU used when alone (0.4 or 40%)"),
        ("burst", "2ms", "work released at each arrival"),
        ("arrival", "jittered", "jittered (once per burst/fraction period, at a random point) | periodic | poisson"),
      ], metrics: "share, wake latency"),
    Entry(
      type: "periodic", summary: "a job every period with a deadline (audio, video)",
      parameters: [
        ("period", "required", "time between releases"), ("service", "required", "CPU work per job"),
        ("deadline", "= period", "relative deadline; completion after it is a miss"),
      ], metrics: "released, completed, deadline misses, response percentiles"),
    Entry(
      type: "server", summary: "request server: arrivals as device interrupts, one request at a time",
      parameters: [
        ("rate", "required", "requests per second"), ("arrival", "poisson", "poisson | periodic | jittered"),
        ("service", "required", "mean service time"),
        ("service_dist", "exponential", "constant | exponential | bimodal"),
        ("service_long", "required if bimodal", "long service time"),
        ("long_fraction", "required if bimodal", "fraction of long requests"),
        ("irq_cost", "5us", "interrupt handler cost per request"),
      ], metrics: "throughput, response percentiles"),
    Entry(
      type: "phases", summary: "closed-loop cycle of run/block/yield steps (gwd/sched-sim)",
      parameters: [("steps", "required", "list of 'run 5ms', 'block 10ms', 'yield'")],
      metrics: "share, wake latency"),
    Entry(
      type: "interrupts", summary: "a device interrupting the vCPU; handler runs with interrupts masked",
      parameters: [
        ("rate", "required", "interrupts per second"), ("arrival", "poisson", "poisson | periodic | jittered"),
        ("handler", "required", "handler CPU cost"),
      ], metrics: "interrupts, share"),
    Entry(
      type: "storm", summary: "a device interrupting at a very high rate (USB webcam, misbehaving NIC)",
      parameters: [
        ("rate", "20000", "interrupts per second"), ("arrival", "poisson", "poisson | periodic | jittered"),
        ("handler", "15us", "handler CPU cost"),
      ], metrics: "interrupts, share"),
    Entry(
      type: "crypto-audio",
      summary: "the boost proposal's guest: a CPU-heavy crypto task plus a real-time audio task in one vCPU",
      parameters: [
        ("period", "10ms", "audio period"), ("service", "500us", "audio work per period"),
        ("deadline", "= period", "audio deadline"),
        ("realtime, dont_desched, deboost_yield", "true", "the audio task's class and guest boost hints"),
      ], metrics: "share, audio released/completed/misses/response percentiles"),
    Entry(
      type: "spinlock", summary: "one thread per vCPU sharing a spinlock: compute, spin for the lock, hold it",
      parameters: [
        ("outside", "200us", "work between critical sections"), ("inside", "20us", "critical section"),
        ("irqs_off", "false", "mask interrupts inside the critical section"),
        ("dont_desched", "false", "set dont_desched inside the critical section"),
      ], metrics: "acquisitions, lock wait percentiles, spin time, lock-holder preemptions"),
  ]

  /// Keys every workload accepts.
  public static let common: [(key: String, defaultValue: String, doc: String)] = [
    ("type", "required", "workload type"), ("name", "= type", "name, unique in the domain"),
    ("vcpu", "all", "vCPU index to run on, or all (one instance per vCPU)"),
    ("realtime", "false", "guest real-time class: runs before normal tasks"),
    ("phase", "random", "offset of the first arrival; random within a period by default"),
    ("dont_desched", "false", "set the guest's dont_desched flag while a job or critical section runs"),
    ("deboost_yield", "false", "yield when such a job ends, to give up a boost"),
  ]
}
