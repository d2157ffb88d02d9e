import SchedLabCore
import Yams

/// The `host:` mapping: topology, and the host model (costs) with a named preset or overrides.
///
/// ```yaml
/// host: {sockets: 2, cores: 8, threads: 2, model: realistic}   # or: {preset: server-2s8c2t}
/// host: {cores: 4, model: realistic, wake_ipi: 5us, smt_speed: 60%}
/// ```
enum HostParser {
  static let keys = [
    "preset", "sockets", "cores", "threads", "model", "context_switch", "migration", "cross_socket_migration",
    "wake_ipi", "smt_speed",
  ]

  /// Named hosts: a topology and a host model.
  static let presets: [(name: String, topology: HostTopology, model: HostModel, summary: String)] = [
    (
      "server-2s8c2t", HostTopology(sockets: 2, coresPerSocket: 8, threadsPerCore: 2), .realistic,
      "a 2-socket x 8-core x 2-thread server (32 pCPUs) with realistic costs: credit2 gets one runqueue per socket"
    ),
    (
      "laptop-1s4c2t", HostTopology(sockets: 1, coresPerSocket: 4, threadsPerCore: 2), .realistic,
      "a 4-core, 8-thread laptop (a Qubes OS desktop) with realistic costs"
    ),
  ]

  /// The most a single host cost may be: 10 ms, a whole credit2 slice. Beyond that a host spends
  /// its time switching, not running guests, and no scheduler result would mean anything.
  static let maxCostNs = Nanos.ms(10)

  static func checkCost(_ value: Int64, _ node: Node, _ key: String, _ context: NodeContext) throws(ScenarioError) {
    guard value <= maxCostNs else {
      throw context.error(
        node, key, "\(Nanos.format(value)) is more than \(Nanos.format(maxCostNs)) (a whole credit2 slice) per event")
    }
  }

  static func parse(
    _ node: Node, topLevelContextSwitch: Node?, context: NodeContext
  ) throws(ScenarioError) -> (HostTopology, HostModel) {
    var host = try MapReader(node, path: "host", context: context)
    var baseTopology: HostTopology?
    var model = HostModel.ideal
    if let presetNode = host.optional("preset") {
      let name = try Values.string(presetNode, "host.preset", context)
      guard let preset = presets.first(where: { $0.name == name }) else {
        throw context.error(
          presetNode, "host.preset", "unknown preset '\(name)' (known: \(presets.map(\.name).joined(separator: ", ")))")
      }
      baseTopology = preset.topology
      model = preset.model
    }
    let sockets = try host.integer("sockets", default: baseTopology?.sockets ?? 1, range: 1...64)
    let cores = try host.integer("cores", default: baseTopology?.coresPerSocket ?? 1, range: 1...256)
    let threads = try host.integer("threads", default: baseTopology?.threadsPerCore ?? 1, range: 1...8)
    guard sockets * cores * threads <= CPUMask.capacity else {
      throw context.error(
        node, "host",
        "\(sockets) x \(cores) x \(threads) = \(sockets * cores * threads) pCPUs; at most \(CPUMask.capacity) are supported"
      )
    }
    if let modelNode = host.optional("model") {
      let name = try Values.string(modelNode, "host.model", context)
      guard let named = HostModel.named(name) else {
        throw context.error(
          modelNode, "host.model",
          "unknown host model '\(name)' (known: \(HostModel.presets.map(\.name).joined(separator: ", ")))")
      }
      model = named
    }
    var changed = false
    func cost(_ key: String, _ value: inout Int64) throws(ScenarioError) {
      if let n = host.optional(key) {
        value = try Values.duration(n, "host.\(key)", context)
        try checkCost(value, n, "host.\(key)", context)
        changed = true
      }
    }
    let hostSetsSwitch = host.keys.contains("context_switch")
    try cost("context_switch", &model.contextSwitchNs)
    try cost("migration", &model.migrationNs)
    try cost("cross_socket_migration", &model.crossSocketMigrationNs)
    try cost("wake_ipi", &model.wakeIPINs)
    if let n = host.optional("smt_speed") {
      model.smtSpeedPermille = Int64((try Values.fraction(n, "host.smt_speed", context) * 1000).rounded())
      changed = true
    }
    try host.finish(allowed: keys)
    if let n = topLevelContextSwitch {
      guard !hostSetsSwitch else {
        throw context.error(n, "context_switch", "set the context-switch cost in host: (host.context_switch), not both")
      }
      model.contextSwitchNs = try Values.duration(n, "context_switch", context)
      try checkCost(model.contextSwitchNs, n, "context_switch", context)
      changed = true
    }
    if changed { model.name = model.isIdeal ? "ideal" : "custom" }
    return (HostTopology(sockets: sockets, coresPerSocket: cores, threadsPerCore: threads), model)
  }
}
