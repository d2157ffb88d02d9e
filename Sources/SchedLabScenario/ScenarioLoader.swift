import Foundation
import SchedLabCore
import SchedLabPolicies
import Yams

/// Reads scenario files. See the README's "Scenario format" for the keys.
public enum ScenarioLoader {
  static let topKeys = [
    "name", "description", "host", "scheduler", "parameters", "duration", "warmup", "seed", "window",
    "context_switch", "guest_tick", "tie_shuffle", "domains", "control", "expect",
  ]
  static let domainKeys = ["name", "weight", "cap", "vcpus", "affinity", "demand", "dom0", "workloads"]

  /// Load and validate the scenario at `path`.
  public static func load(path: String) throws(ScenarioError) -> Scenario {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ScenarioError(file: path, line: nil, key: "", message: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ScenarioError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")
    }
    return try parse(text, path: path)
  }

  /// Parse and validate scenario text; `path` names it in errors.
  public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
    let context = NodeContext(file: path)
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw ScenarioError(file: path, line: nil, key: "", message: "the file is empty")
      }
      root = node
    } catch let error as ScenarioError {
      throw error
    } catch let error as YamlError {
      throw yamlError(error, path: path)
    } catch {
      throw ScenarioError(file: path, line: nil, key: "", message: "YAML syntax: \(error)")
    }
    var top = try MapReader(root, path: "", context: context)
    let name = try top.string("name", default: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    let description = try top.string("description", default: "")

    let hostNode = try top.required("host")
    let (topology, hostModel) = try HostParser.parse(
      hostNode, topLevelContextSwitch: top.optional("context_switch"), context: context)

    let schedulerNode = try top.required("scheduler")
    let scheduler = try Values.string(schedulerNode, "scheduler", context)
    guard PolicyRegistry.lookup(scheduler) != nil else {
      throw context.error(
        schedulerNode, "scheduler",
        PolicyRegistry.unknown(scheduler))
    }
    var parameters: [String: [String: ParameterValue]] = [:]
    if let node = top.optional("parameters") { parameters = try parseParameters(node, context: context) }

    let duration = try top.duration("duration", default: nil)
    guard duration > 0 else { throw context.error(root, "duration", "must be positive") }
    let warmup = try top.duration("warmup", default: 0)
    guard warmup < duration else {
      throw context.error(root, "warmup", "the warm-up (\(Nanos.format(warmup))) must be shorter than the duration")
    }
    let seed = try top.integer("seed", default: 1, range: 0...Int.max)
    let window = try top.duration("window", default: Nanos.s(1))
    guard window > 0 else { throw context.error(root, "window", "must be positive") }
    let guestTick = try top.duration("guest_tick", default: Nanos.ms(4))
    guard guestTick > 0 else { throw context.error(root, "guest_tick", "must be positive") }
    let tieShuffle = try top.bool("tie_shuffle", default: false)

    let domainsNode = try top.required("domains")
    guard case .sequence(let domainSeq) = domainsNode, !domainSeq.isEmpty else {
      throw context.error(domainsNode, "domains", "expected a non-empty list of domains")
    }
    var domains: [DomainConfig] = []
    var declared: [Double?] = []
    // Backends may be named before they are declared: collect names and vCPU counts first.
    var names: [String] = []
    var vcpuCounts: [Int] = []
    for (i, node) in domainSeq.enumerated() {
      guard case .mapping(let m) = node else { break }
      let name = m.first { $0.key.scalarText == "name" }?.value.scalarText ?? "d\(i)"
      let vcpus = m.first { $0.key.scalarText == "vcpus" }?.value.scalarText.flatMap { Int($0) } ?? 1
      names.append(name)
      vcpuCounts.append(vcpus)
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    for (i, node) in domainSeq.enumerated() {
      let (domain, demand) = try parseDomain(
        node, index: i, topology: topology, names: names, vcpuCounts: vcpuCounts, directory: directory, context: context
      )
      if domains.contains(where: { $0.name == domain.name }) {
        throw context.error(node, "domains[\(i)].name", "duplicate domain name '\(domain.name)'")
      }
      domains.append(domain)
      declared.append(demand)
    }
    var expectations: [Expectation] = []
    if let node = top.optional("expect") {
      expectations = try ExpectationParser.parse(node, domains: domains, context: context)
    }
    var controls: [ControlCall] = []
    if let node = top.optional("control") {
      controls = try ControlParser.parse(node, domains: domains, duration: duration, context: context)
    }
    try top.finish(allowed: topKeys)

    let simulation = SimulationConfig(
      topology: topology, domains: domains, durationNs: duration, warmupNs: warmup, seed: UInt64(seed),
      hostModel: hostModel, windowNs: window, guestTickNs: guestTick, tieShuffle: tieShuffle)
    var scenario = Scenario(
      name: name, description: description, path: path, simulation: simulation, scheduler: scheduler,
      parameters: parameters, declaredDemand: declared)
    scenario.controls = controls
    scenario.expectations = expectations
    return scenario
  }

  static func yamlError(_ error: YamlError, path: String) -> ScenarioError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return ScenarioError(file: path, line: mark.line, key: "", message: "YAML syntax: \(problem)")
    default:
      return ScenarioError(file: path, line: nil, key: "", message: "YAML syntax: \(error)")
    }
  }

  static func parseParameters(
    _ node: Node, context: NodeContext
  ) throws(ScenarioError) -> [String: [String: ParameterValue]] {
    var reader = try MapReader(node, path: "parameters", context: context)
    var result: [String: [String: ParameterValue]] = [:]
    for policyName in reader.keys {
      let key = "parameters.\(policyName)"
      let policyNode = reader.optional(policyName)!
      guard let descriptor = PolicyRegistry.lookup(policyName) else {
        throw context.error(
          policyNode, key, "unknown scheduler (known: \(PolicyRegistry.names.joined(separator: ", ")))")
      }
      var values = try MapReader(policyNode, path: key, context: context)
      var parsed: [String: ParameterValue] = [:]
      for name in values.keys {
        let valueNode = values.optional(name)!
        guard let spec = descriptor.parameters.first(where: { $0.name == name }) else {
          throw context.error(
            valueNode, "\(key).\(name)",
            "unknown parameter (known: \(descriptor.parameters.map(\.name).joined(separator: ", ")))")
        }
        let value: ParameterValue
        switch spec.kind {
        case .integer:
          value = .integer(Int64(try Values.integer(valueNode, "\(key).\(name)", context, range: Int.min...Int.max)))
        case .boolean:
          value = .boolean(try Values.bool(valueNode, "\(key).\(name)", context))
        case .choice:
          value = .choice(try Values.string(valueNode, "\(key).\(name)", context))
        }
        if let reason = spec.check(value) { throw context.error(valueNode, "\(key).\(name)", reason) }
        parsed[name] = value
      }
      result[descriptor.name] = parsed
    }
    return result
  }

  static func parseDomain(
    _ node: Node, index i: Int, topology: HostTopology, names: [String], vcpuCounts: [Int], directory: String,
    context: NodeContext
  ) throws(ScenarioError) -> (DomainConfig, Double?) {
    let path = "domains[\(i)]"
    var reader = try MapReader(node, path: path, context: context)
    let name = try reader.string("name", default: "d\(i)")
    let vcpus = try reader.integer("vcpus", default: 1, range: 1...CPUMask.capacity)
    let weight = try reader.integer("weight", default: 256, range: 1...65535)
    let cap = try reader.integer("cap", default: 0, range: 0...(100 * vcpus))
    var affinity: CPUMask?
    if let a = reader.optional("affinity") {
      affinity = try Values.cpuList(a, "\(path).affinity", context, pcpus: topology.pcpuCount)
    }
    var demand: Double?
    if let d = reader.optional("demand") {
      demand = try Values.fraction(d, "\(path).demand", context, limit: Double(vcpus))
    }
    let isControl = try reader.bool("dom0", default: false)
    var workloads: [WorkloadSpec] = []
    if let w = reader.optional("workloads") {
      guard case .sequence(let seq) = w else {
        throw context.error(w, "\(path).workloads", "expected a list of workloads")
      }
      for (j, item) in seq.enumerated() {
        let env = WorkloadParser.Environment(
          vcpus: vcpus, domainNames: names, domainVCPUs: vcpuCounts, directory: directory)
        let spec = try WorkloadParser.parse(item, path: "\(path).workloads[\(j)]", env: env, context: context)
        if workloads.contains(where: { $0.name == spec.name }) {
          throw context.error(item, "\(path).workloads[\(j)].name", "duplicate workload name '\(spec.name)'")
        }
        workloads.append(spec)
      }
    }
    try reader.finish(allowed: domainKeys)
    let domain = DomainConfig(
      name: name, weight: weight, capPercent: cap, vcpus: vcpus, hardAffinity: affinity, isControl: isControl,
      workloads: workloads)
    return (domain, demand)
  }
}
