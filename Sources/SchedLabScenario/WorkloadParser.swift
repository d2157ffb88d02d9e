import Foundation
import SchedLabCore
import Yams

/// Workload entries of a domain: `type` plus that type's parameters (see ``WorkloadCatalog``).
enum WorkloadParser {
  static let commonKeys = ["type", "name", "vcpu", "realtime", "phase", "dont_desched", "deboost_yield"]

  /// What workload parsing needs from the rest of the scenario.
  struct Environment {
    var vcpus: Int
    var domainNames: [String]
    var domainVCPUs: [Int]
    /// The scenario file's directory, for relative paths (rt-app files).
    var directory: String
  }

  static func parse(_ node: Node, path: String, env: Environment, context: NodeContext) throws(ScenarioError)
    -> WorkloadSpec
  {
    let vcpus = env.vcpus
    var r = try MapReader(node, path: path, context: context)
    // Shorthand: `{rt-app: file.json}` is `{type: rt-app, file: file.json}`.
    if r.keys == ["rt-app"] {
      let fileNode = r.optional("rt-app")!
      let file = try Values.string(fileNode, "\(path).rt-app", context)
      var spec = WorkloadSpec(name: "rt-app", kind: .burner)
      let resolved = file.hasPrefix("/") ? file : env.directory + "/" + file
      let threads = try RTAppImporter.loadReferenced(
        path: resolved, shownAs: file, node: fileNode, key: "\(path).rt-app", context: context)
      spec.kind = .script(perVCPU: false, threads: threads)
      spec.catalogType = "rt-app"
      return spec
    }
    let typeNode = try r.required("type")
    let type = try Values.string(typeNode, "\(path).type", context)
    guard let entry = WorkloadCatalog.entries.first(where: { $0.type == type }) else {
      throw context.error(
        typeNode, "\(path).type",
        "unknown workload type '\(type)' (known: \(WorkloadCatalog.entries.map(\.type).joined(separator: ", ")))")
    }
    let name = try r.string("name", default: type)
    if let reason = Values.badName(name) { throw context.error(r.peek("name"), "\(path).name", reason) }
    var vcpu: Int?
    if let v = r.optional("vcpu"), v.scalarText != "all" {
      vcpu = try Values.integer(v, "\(path).vcpu", context, range: 0...(vcpus - 1))
    }
    let realtime = try r.bool("realtime", default: CatalogParser.realtimeByDefault.contains(type))
    let dontDesched = try r.bool("dont_desched", default: type == "crypto-audio" || type == "dont-desched-hog")
    let deboostYield = try r.bool("deboost_yield", default: type == "crypto-audio")
    var phase: Int64?
    if r.keys.contains("phase") { phase = try r.duration("phase", default: nil) }
    var spec = WorkloadSpec(
      name: name, kind: .burner, realtime: realtime, vcpu: vcpu, phaseNs: phase, dontDesched: dontDesched,
      deboostYield: deboostYield)
    if let kind = try CatalogParser.parseKind(type, &r, path: path, env: env, spec: &spec, context: context) {
      spec.kind = kind
      spec.catalogType = type
    } else {
      spec.kind = try parseKind(type, &r, path: path, context: context)
    }
    try r.finish(allowed: commonKeys + entry.parameters.map(\.key).flatMap { $0.components(separatedBy: ", ") })
    return spec
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
      return try Values.periodic(
        period: period, service: service, deadline: deadline, serviceKey: "\(path).service",
        node: r.peek("service") ?? node, context: context)
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
    // The catalogue of reference/latency-boost.md §4 (W1 is `burner`, W10 `storm`, W11 `crypto-audio`).
    Entry(
      type: "schedbench-a", summary: "W2 schedbench worker A: burn, then sleep (the timer is armed after the burn)",
      parameters: [("burn", "470us", "CPU per iteration"), ("wait", "200us", "sleep after each burn")],
      metrics: "iterations (throughput), per-window throughput"),
    Entry(
      type: "schedbench-b", summary: "W3 schedbench worker B: 7 threads on one vCPU, each burn then sleep",
      parameters: [
        ("burns", "[65,130,65,65,65,65,195]us", "one burn per thread"), ("wait", "300us", "sleep after each burn"),
      ],
      metrics: "iterations (throughput), per-window throughput"),
    Entry(
      type: "audio", summary: "W4 low-latency audio: a real-time job every period (2 / 5.33 / 10 ms)",
      parameters: [
        ("period", "5.33ms", "buffer period"), ("service", "200us", "work per period"), ("deadline", "= period", ""),
      ],
      metrics: "deadline misses, response percentiles, latency tolerance for 99.9%"),
    Entry(
      type: "desktop-audio", summary: "W5 desktop audio (PipeWire/PulseAudio default quantum)",
      parameters: [
        ("period", "21.3ms", "quantum"), ("service", "500us", "work per quantum"), ("deadline", "= period", ""),
      ],
      metrics: "deadline misses, response percentiles"),
    Entry(
      type: "video", summary: "W6 video playback: decode one frame per vsync",
      parameters: [("fps", "60", "frames per second"), ("decode", "5ms", "decode work per frame")],
      metrics: "dropped frames (misses), p99 frame time (response p99)"),
    Entry(
      type: "net-rr", summary: "W7 network request/response through a driver domain (both hops handled there)",
      parameters: [
        ("rate", "1000", "requests per second"), ("arrival", "poisson", "poisson | periodic | jittered"),
        ("hop", "20us", "backend handling per direction"), ("service", "60us", "mean guest service (exponential)"),
        ("backend", "required", "driver domain name"), ("backend_vcpu", "0", "its vCPU"),
      ], metrics: "RTT percentiles, throughput"),
    Entry(
      type: "net-stream", summary: "W8 network stream: the driver domain hands over one batch at a time",
      parameters: [
        ("hop", "30us", "backend handling per batch and per ack"), ("process", "200us", "guest work per batch"),
        ("backend", "required", "driver domain name"), ("backend_vcpu", "0", "its vCPU"),
      ], metrics: "batches per second, per-window throughput, batch round trip"),
    Entry(
      type: "hvm", summary: "W9 HVM guest: burn, then a synchronous I/O served by a device model in a backend domain",
      parameters: [
        ("burn", "5ms", "CPU between I/Os"), ("io", "100us", "device-model handling per I/O"),
        ("backend", "required", "dom0 or stub domain name"), ("backend_vcpu", "0", "its vCPU"),
      ], metrics: "iterations, iteration time"),
    Entry(
      type: "vchan-audio",
      summary:
        "Qubes audio: a player renders a quantum, vchan hands it to the audio domain's mixer, then on through its backends",
      parameters: [
        ("period", "10ms", "audio quantum"), ("render", "300us", "player work per quantum (this domain)"),
        ("hop", "50us", "vchan handling per quantum in the backend"),
        ("mix", "500us", "mixer work per quantum (backend)"),
        ("deadline", "= period", "device buffer: a quantum ready later is an underrun"),
        ("backend", "none", "audio domain (sys-audio, dom0); none: mixed here"), ("backend_vcpu", "0", "its vCPU"),
      ], metrics: "underruns (misses), underruns per minute, latency tolerance for 99.9%"),
    Entry(
      type: "lock-holder", summary: "W12 lock holder: threads on the domain's vCPUs sharing a spinlock",
      parameters: [
        ("outside", "100us", "work between acquisitions"), ("inside", "20us", "critical section"),
        ("irqs_off", "false", "mask interrupts inside"),
      ], metrics: "acquisitions, lock waits, spin time, lock-holder preemptions"),
    Entry(
      type: "server-mix", summary: "W13 server: open-loop Poisson at a load, bimodal service (90% short, 10% long)",
      parameters: [
        ("load", "50%", "offered load as a share of one pCPU"), ("service", "100us", "short service"),
        ("service_long", "5ms", "long service"), ("long_fraction", "10%", "share of long requests"),
        ("irq_cost", "5us", "interrupt per request"),
      ], metrics: "throughput, response percentiles, per-window throughput"),
    Entry(
      type: "batch", summary: "W14 kernbench-like batch: CPU bursts with short waits",
      parameters: [
        ("burst_min", "5ms", ""), ("burst_max", "50ms", "burst drawn uniformly"), ("wait_min", "100us", ""),
        ("wait_max", "1ms", "wait drawn uniformly"),
      ], metrics: "iterations (jobs), share"),
    Entry(
      type: "tick-evader", summary: "W15a adversary: runs just under a credit1 tick after every tick boundary",
      parameters: [("period", "10ms", "tick period"), ("run", "9ms", "work after each tick")],
      metrics: "share vs fair"),
    Entry(
      type: "wake-storm", summary: "W15b adversary: wakes every 10-50 us for a few us",
      parameters: [("run", "3us", ""), ("sleep_min", "10us", ""), ("sleep_max", "50us", "")],
      metrics: "share, schedules/s"),
    Entry(
      type: "dont-desched-hog", summary: "W15c adversary: a CPU hog with dont_desched set forever",
      parameters: [], metrics: "share vs fair, boost exhaustions"),
    Entry(
      type: "rt-app",
      summary: "threads described by an rt-app JSON file (run, runtime, sleep, timer, phases, instance, loop)",
      parameters: [("file", "required", "path, relative to the scenario file")],
      metrics: "iterations, iteration time"),
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
