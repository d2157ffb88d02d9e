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
  static let domainKeys = [
    "name", "weight", "cap", "vcpus", "affinity", "demand", "dom0", "parameters", "workloads", "backend",
    "backend_vcpu", "backend_hop",
  ]

  /// Load and validate the scenario at `path`.
  public static func load(path: String) throws(ScenarioError) -> Scenario {
    try parse(try text(atPath: path), path: path)
  }

  /// A file's text, or one clear error: unreadable, not UTF-8, or binary (a NUL byte).
  static func text(atPath path: String) throws(ScenarioError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ScenarioError(file: path, line: nil, key: "", message: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ScenarioError(file: path, line: nil, key: "", message: "the file is not UTF-8 text")
    }
    if let nul = text.utf8.firstIndex(of: 0) {
      let line = text.utf8[..<nul].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
      throw ScenarioError(file: path, line: line, key: "", message: "a NUL byte: this is not a text file")
    }
    return text
  }

  /// The root node of a YAML document (a scenario or a search space), or one clear error.
  static func document(_ text: String, path: String) throws(ScenarioError) -> Node {
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw ScenarioError(file: path, line: nil, key: "", message: "the file is empty")
      }
      return node
    } catch let error as ScenarioError {
      throw error
    } catch let error as YamlError {
      throw yamlError(error, path: path, text: text)
    } catch {
      throw ScenarioError(file: path, line: nil, key: "", message: "YAML syntax: \(error)")
    }
  }

  /// Parse and validate scenario text; `path` names it in errors.
  public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
    try parse(root: try document(text, path: path), path: path)
  }

  /// Validate a composed document (a file with overrides applied); `path` names it in errors.
  static func parse(root: Node, path: String) throws(ScenarioError) -> Scenario {
    let context = NodeContext(file: path)
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
    if let node = top.optional("parameters") {
      parameters = try ParameterParser.parse(node, path: "parameters", context: context) { $0.parameters }
    }

    let duration = try top.duration("duration", default: nil)
    guard duration > 0 else { throw context.error(top.peek("duration"), "duration", "must be positive") }
    let warmup = try top.duration("warmup", default: 0)
    guard warmup < duration else {
      throw context.error(
        top.peek("warmup"), "warmup", "the warm-up (\(Nanos.format(warmup))) must be shorter than the duration")
    }
    let seed = try top.integer("seed", default: 1, range: 0...Int.max)
    // Default: 1 s windows, or one window as long as the measured run when that is shorter.
    let window = try top.duration("window", default: min(Nanos.s(1), duration - warmup))
    guard window > 0 else { throw context.error(top.peek("window") ?? root, "window", "must be positive") }
    guard window <= duration - warmup else {
      throw context.error(
        top.peek("window") ?? root, "window",
        "a window of \(Nanos.format(window)) is longer than the measured run (\(Nanos.format(duration - warmup))): "
          + "no window would close")
    }
    let guestTick = try top.duration("guest_tick", default: Nanos.ms(4))
    guard guestTick > 0 else { throw context.error(top.peek("guest_tick"), "guest_tick", "must be positive") }
    let tieShuffle = try top.bool("tie_shuffle", default: false)

    let domainsNode = try top.required("domains")
    guard case .sequence(let domainSeq) = domainsNode, !domainSeq.isEmpty else {
      throw context.error(domainsNode, "domains", "expected a non-empty list of domains")
    }
    var domains: [DomainConfig] = []
    var declared: [Double?] = []
    var domainParameters: [[String: [String: ParameterValue]]] = []
    // Backends may be named before they are declared: collect names and vCPU counts first.
    var names: [String] = []
    var vcpuCounts: [Int] = []
    for (i, node) in domainSeq.enumerated() {
      guard case .mapping(let m) = node else { break }
      let name = m.first { $0.key.scalarText == "name" }?.value.scalarText ?? "d\(i)"
      let vcpus = m.first { $0.key.scalarText == "vcpus" }?.value.scalarText.flatMap { Int($0) } ?? 1
      names.append(name)
      vcpuCounts.append(max(1, vcpus))
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    for (i, node) in domainSeq.enumerated() {
      let (domain, demand, policyParameters) = try parseDomain(
        node, index: i, topology: topology, names: names, vcpuCounts: vcpuCounts, directory: directory,
        context: context
      )
      if domains.contains(where: { $0.name == domain.name }) {
        throw context.error(node, "domains[\(i)].name", "duplicate domain name '\(domain.name)'")
      }
      if domain.isControl, let first = domains.first(where: \.isControl) {
        throw context.error(
          node, "domains[\(i)].dom0", "'\(first.name)' is already the control domain; a host has one dom0")
      }
      domains.append(domain)
      declared.append(demand)
      domainParameters.append(policyParameters)
    }
    try refuseBackendCycles(domains, nodes: Array(domainSeq), context: context)
    var expectations: [Expectation] = []
    if let node = top.optional("expect") {
      expectations = try ExpectationParser.parse(node, domains: domains, context: context)
    }
    try checkParameterRules(
      parameters, domainParameters, parametersNode: top.peek("parameters"), domainNodes: Array(domainSeq),
      context: context)
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
    scenario.domainParameters = domainParameters
    scenario.expectations = expectations
    scenario.simulation.trackIdleWait = expectations.contains { $0.metric.needsIdleWait }
    return scenario
  }

  /// The rules a policy states over a whole parameter set (RTDS: budget ≤ period), checked here so
  /// that `validate` refuses what `run` would, at the line of the value (or of the domain's
  /// `parameters`, when the value it breaks the rule with is inherited).
  static func checkParameterRules(
    _ tunables: [String: [String: ParameterValue]], _ domains: [[String: [String: ParameterValue]]],
    parametersNode: Node?, domainNodes: [Node], context: NodeContext
  ) throws(ScenarioError) {
    func child(_ node: Node?, _ key: String) -> Node? {
      guard case .mapping(let m)? = node else { return nil }
      return m.first { $0.key.scalarText == key }?.value
    }
    for descriptor in PolicyRegistry.all where descriptor.parameterRule != nil {
      let name = descriptor.name
      do {
        _ = try descriptor.configure(tunables[name] ?? [:], domains: domains.map { $0[name] ?? [:] })
      } catch {
        if let d = error.domain {
          let owner = child(child(domainNodes[d], "parameters"), name)
          throw context.error(
            child(owner, error.parameter) ?? owner ?? domainNodes[d],
            "domains[\(d)].parameters.\(name).\(error.parameter)",
            error.reason)
        }
        let owner = child(parametersNode, name)
        throw context.error(
          child(owner, error.parameter) ?? owner, "parameters.\(name).\(error.parameter)", error.reason)
      }
    }
  }

  /// One line for a YAML error: its line and problem, never the file's text.
  static func yamlError(_ error: YamlError, path: String, text: String) -> ScenarioError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return ScenarioError(file: path, line: mark.line, key: "", message: "YAML syntax: \(oneLine(problem))")
    case .reader(let problem, let offset, _, _):
      let line = offset.map { o in text.utf8.prefix(o).reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }
      return ScenarioError(file: path, line: line, key: "", message: "YAML syntax: \(oneLine(problem))")
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? ""
      return ScenarioError(
        file: path, line: secondOccurrence(of: key, in: text, from: context.mark.line) ?? context.mark.line, key: key,
        message: "duplicate key")
    default:
      return ScenarioError(file: path, line: nil, key: "", message: "YAML syntax: \(oneLine("\(error)"))")
    }
  }

  /// The first line of a message, at most 200 characters.
  static func oneLine(_ text: String) -> String {
    let first = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
    return first.count > 200 ? String(first.prefix(200)) + "..." : first
  }

  /// The line of the second `key:` at or after `line` (1-based), for a duplicate key.
  static func secondOccurrence(of key: String, in text: String, from line: Int) -> Int? {
    var seen = 0
    for (i, row) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where i + 1 >= line {
      var rest = Substring(row)
      while let r = rest.range(of: key + ":") {
        let before = rest[..<r.lowerBound].last
        if before == nil || before == " " || before == "{" || before == "," || before == "-" {
          seen += 1
          if seen == 2 { return i + 1 }
        }
        rest = rest[r.upperBound...]
      }
    }
    return nil
  }

  /// A chain of domain backends must end: a cycle (a → b → a) would forward a request forever.
  /// Reported at the `backend` key of the first domain on it, in file order.
  static func refuseBackendCycles(_ domains: [DomainConfig], nodes: [Node], context: NodeContext) throws(ScenarioError)
  {
    for start in domains.indices where domains[start].backend != nil {
      var path = [start]
      var d = start
      while let next = domains[d].backend?.ref.domain {
        if let k = path.firstIndex(of: next) {
          let cycle = (path[k...] + [next]).map { domains[$0].name }.joined(separator: " → ")
          let first = path[k...].min()!
          var node: Node? = nodes[first]
          if case .mapping(let m) = nodes[first] { node = m.first { $0.key.scalarText == "backend" }?.value ?? node }
          throw context.error(node, "domains[\(first)].backend", "a cycle of backends: \(cycle)")
        }
        path.append(next)
        d = next
      }
    }
  }

  static func parseDomain(
    _ node: Node, index i: Int, topology: HostTopology, names: [String], vcpuCounts: [Int], directory: String,
    context: NodeContext
  ) throws(ScenarioError) -> (DomainConfig, Double?, [String: [String: ParameterValue]]) {
    let path = "domains[\(i)]"
    var reader = try MapReader(node, path: path, context: context)
    let name = try reader.string("name", default: "d\(i)")
    if let reason = Values.badName(name) { throw context.error(reader.peek("name"), "\(path).name", reason) }
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
    var policyParameters: [String: [String: ParameterValue]] = [:]
    if let node = reader.optional("parameters") {
      policyParameters = try ParameterParser.parse(node, path: "\(path).parameters", context: context) {
        $0.domainParameters
      }
    }
    let env = WorkloadParser.Environment(
      vcpus: vcpus, domainNames: names, domainVCPUs: vcpuCounts, directory: directory)
    var workloads: [WorkloadSpec] = []
    if let w = reader.optional("workloads") {
      guard case .sequence(let seq) = w else {
        throw context.error(w, "\(path).workloads", "expected a list of workloads")
      }
      for (j, item) in seq.enumerated() {
        let spec = try WorkloadParser.parse(item, path: "\(path).workloads[\(j)]", env: env, context: context)
        if workloads.contains(where: { $0.name == spec.name }) {
          throw context.error(item, "\(path).workloads[\(j)].name", "duplicate workload name '\(spec.name)'")
        }
        workloads.append(spec)
      }
    }
    var backend: BackendHop?
    for key in ["backend_vcpu", "backend_hop"] where reader.keys.contains(key) && !reader.keys.contains("backend") {
      throw context.error(reader.peek(key), "\(path).\(key)", "'\(key)' needs 'backend' (the domain's own backend)")
    }
    if reader.keys.contains("backend") {
      let ref = try CatalogParser.backend(&reader, path, env, context)
      if ref.domain == i {
        throw context.error(reader.peek("backend"), "\(path).backend", "a domain cannot be its own backend")
      }
      let hop = try reader.duration("backend_hop", default: Nanos.us(30))
      backend = BackendHop(ref: ref, hopNs: try WorkloadParser.positive(hop, "\(path).backend_hop", node, context))
    }
    try reader.finish(allowed: domainKeys)
    let domain = DomainConfig(
      name: name, weight: weight, capPercent: cap, vcpus: vcpus, hardAffinity: affinity, isControl: isControl,
      workloads: workloads, backend: backend)
    return (domain, demand, policyParameters)
  }
}
