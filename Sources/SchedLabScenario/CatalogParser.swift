import Foundation
import SchedLabCore
import Yams

/// The workload catalogue of reference/latency-boost.md §4 (W1–W15), each a named workload with
/// that table's parameters as defaults, built from the engine's primitives.
enum CatalogParser {
  static let realtimeByDefault: Set<String> = ["crypto-audio", "audio", "desktop-audio", "video", "vchan-audio"]

  /// The kind for a catalogue type, or nil if `type` is a primitive the caller parses itself.
  static func parseKind(
    _ type: String, _ r: inout MapReader, path: String, env: WorkloadParser.Environment, spec: inout WorkloadSpec,
    context: NodeContext
  ) throws(ScenarioError) -> WorkloadKind? {
    let node = r.node
    func duration(_ key: String, _ fallback: Int64) throws(ScenarioError) -> Int64 {
      try WorkloadParser.positive(try r.duration(key, default: fallback), "\(path).\(key)", node, context)
    }
    switch type {
    case "schedbench-a":
      let burn = try duration("burn", Nanos.us(470))
      let wait = try duration("wait", Nanos.us(200))
      return .script(
        perVCPU: true,
        threads: [
          ScriptThread(name: "a", blocks: [ScriptBlock(steps: [.run(lo: burn, hi: burn), .sleep(lo: wait, hi: wait)])])
        ])
    case "schedbench-b":
      let wait = try duration("wait", Nanos.us(300))
      var burns: [Int64] = [65, 130, 65, 65, 65, 65, 195].map { Nanos.us($0) }
      if let list = r.optional("burns") {
        guard case .sequence(let seq) = list, !seq.isEmpty else {
          throw context.error(list, "\(path).burns", "expected a list of durations")
        }
        burns = []
        for (k, item) in seq.enumerated() {
          let b = try Values.duration(item, "\(path).burns[\(k)]", context)
          guard b > 0 else { throw context.error(item, "\(path).burns[\(k)]", "must be longer than 0") }
          burns.append(b)
        }
      }
      return .script(
        perVCPU: true,
        threads: burns.enumerated().map { k, b in
          ScriptThread(name: "b\(k)", blocks: [ScriptBlock(steps: [.run(lo: b, hi: b), .sleep(lo: wait, hi: wait)])])
        })
    case "audio", "desktop-audio":
      let defaultPeriod = type == "audio" ? Nanos.us(5330) : Nanos.us(21_300)
      let period = try duration("period", defaultPeriod)
      let service = try duration("service", type == "audio" ? Nanos.us(200) : Nanos.us(500))
      let deadline = try duration("deadline", period)
      return try Values.periodic(
        period: period, service: service, deadline: deadline, serviceKey: "\(path).service",
        node: r.peek("service") ?? r.node, context: context)
    case "video":
      let fps = try Values.rate(try r.optional("fps") ?? Node("60"), "\(path).fps", context)
      let period = Int64((1e9 / fps).rounded())
      let decode = try duration("decode", Nanos.ms(5))
      return try Values.periodic(
        period: period, service: decode, deadline: period, serviceKey: "\(path).decode",
        node: r.peek("decode") ?? r.node, context: context)
    case "net-rr":
      let arrival = try WorkloadParser.parseArrival(
        &r, path: path, context: context, defaultProcess: "poisson", defaultRate: 1000)
      let hop = try duration("hop", Nanos.us(20))
      let service = try duration("service", Nanos.us(60))
      return .netRR(
        arrival: arrival, hopNs: hop, service: .exponential(mean: service), backend: try backend(&r, path, env, context)
      )
    case "net-stream":
      let hop = try duration("hop", Nanos.us(30))
      let process = try duration("process", Nanos.us(200))
      return .netStream(hopNs: hop, processNs: process, backend: try backend(&r, path, env, context))
    case "hvm":
      let burn = try duration("burn", Nanos.ms(5))
      spec.backendNs = try duration("io", Nanos.us(100))
      spec.backend = try backend(&r, path, env, context)
      return .script(
        perVCPU: true,
        threads: [
          ScriptThread(name: "hvm", blocks: [ScriptBlock(steps: [.run(lo: burn, hi: burn), .io])])
        ])
    case "vchan-audio":
      let period = try duration("period", Nanos.ms(10))
      let render = try duration("render", Nanos.us(300))
      let hop = try duration("hop", Nanos.us(50))
      let mix = try duration("mix", Nanos.us(500))
      let deadline = try duration("deadline", period)
      var backend: BackendRef?
      if r.keys.contains("backend") { backend = try self.backend(&r, path, env, context) }
      guard render + (backend == nil ? mix : 0) < period else {
        throw context.error(
          r.peek("render") ?? node, "\(path).render", "the player's work per quantum must be shorter than the period")
      }
      guard mix < period else {
        throw context.error(
          r.peek("mix") ?? node, "\(path).mix", "the mixer's work per quantum must be shorter than the period")
      }
      return .audioPipeline(
        AudioPipeline(
          periodNs: period, renderNs: render, hopNs: hop, mixNs: mix, deadlineNs: deadline, backend: backend))
    case "lock-holder":
      let outside = try duration("outside", Nanos.us(100))
      let inside = try duration("inside", Nanos.us(20))
      return .spinlock(outsideNs: outside, insideNs: inside, irqsOff: try r.bool("irqs_off", default: false))
    case "server-mix":
      let load = try Values.fraction(try r.optional("load") ?? Node("50%"), "\(path).load", context)
      let short = try duration("service", Nanos.us(100))
      let long = try duration("service_long", Nanos.ms(5))
      let longFraction = try Values.fraction(
        try r.optional("long_fraction") ?? Node("10%"), "\(path).long_fraction", context)
      let service = ServiceTime.bimodal(short: short, long: long, longFraction: longFraction)
      let gap = max(1, Int64((service.mean / load).rounded()))
      return .server(
        arrival: .poisson(meanGap: gap), service: service, irqCostNs: try r.duration("irq_cost", default: Nanos.us(5)))
    case "batch":
      let burstLo = try duration("burst_min", Nanos.ms(5))
      let burstHi = try duration("burst_max", Nanos.ms(50))
      let waitLo = try duration("wait_min", Nanos.us(100))
      let waitHi = try duration("wait_max", Nanos.ms(1))
      guard burstLo <= burstHi, waitLo <= waitHi else {
        throw context.error(node, path, "burst_min/wait_min must not exceed burst_max/wait_max")
      }
      return .script(
        perVCPU: true,
        threads: [
          ScriptThread(
            name: "job", blocks: [ScriptBlock(steps: [.run(lo: burstLo, hi: burstHi), .sleep(lo: waitLo, hi: waitHi)])])
        ])
    case "tick-evader":
      let period = try duration("period", Nanos.ms(10))
      let run = try duration("run", Nanos.ms(9))
      spec.phaseNs = spec.phaseNs ?? 0
      return try Values.periodic(
        period: period, service: run, deadline: period, serviceKey: "\(path).run", node: r.peek("run") ?? r.node,
        context: context)
    case "wake-storm":
      let run = try duration("run", Nanos.us(3))
      let sleepLo = try duration("sleep_min", Nanos.us(10))
      let sleepHi = try duration("sleep_max", Nanos.us(50))
      return .script(
        perVCPU: true,
        threads: [
          ScriptThread(
            name: "waker", blocks: [ScriptBlock(steps: [.run(lo: run, hi: run), .sleep(lo: sleepLo, hi: sleepHi)])])
        ])
    case "dont-desched-hog":
      return .burner
    case "rt-app":
      let fileNode = try r.required("file")
      let file = try Values.string(fileNode, "\(path).file", context)
      let resolved = file.hasPrefix("/") ? file : env.directory + "/" + file
      let threads = try RTAppImporter.loadReferenced(
        path: resolved, shownAs: file, node: fileNode, key: "\(path).file", context: context)
      return .script(perVCPU: false, threads: threads)
    default:
      return nil
    }
  }

  static func backend(
    _ r: inout MapReader, _ path: String, _ env: WorkloadParser.Environment, _ context: NodeContext
  ) throws(ScenarioError) -> BackendRef {
    let node = try r.required("backend")
    let name = try Values.string(node, "\(path).backend", context)
    guard let index = env.domainNames.firstIndex(of: name) else {
      throw context.error(node, "\(path).backend", "no domain named '\(name)'")
    }
    let vcpu = try r.integer("backend_vcpu", default: 0, range: 0...(env.domainVCPUs[index] - 1))
    return BackendRef(domain: index, vcpu: vcpu)
  }
}
