import SchedLabCore
import SchedLabPolicies
import Yams

/// Parameter mappings keyed by policy: the file's `parameters:` (tunables) and a domain's
/// `parameters:` (the policy's per-domain parameters), each value checked against its spec.
enum ParameterParser {
  /// `node` maps policy names to parameter values; `specs` picks which of a policy's tables they are
  /// checked against (its tunables, or its per-domain parameters).
  static func parse(
    _ node: Node, path: String, context: NodeContext, specs: (PolicyDescriptor) -> [ParameterSpec]
  ) throws(ScenarioError) -> [String: [String: ParameterValue]] {
    var reader = try MapReader(node, path: path, context: context)
    var result: [String: [String: ParameterValue]] = [:]
    for policyName in reader.keys {
      let key = "\(path).\(policyName)"
      let policyNode = reader.optional(policyName)!
      guard let descriptor = PolicyRegistry.lookup(policyName) else {
        throw context.error(
          policyNode, key, "unknown scheduler (known: \(PolicyRegistry.names.joined(separator: ", ")))")
      }
      var values = try MapReader(policyNode, path: key, context: context)
      var parsed: [String: ParameterValue] = [:]
      for name in values.keys {
        let valueNode = values.optional(name)!
        let table = specs(descriptor)
        guard let spec = table.first(where: { $0.name == name }) else {
          let known =
            table.isEmpty ? "\(descriptor.name) has none here" : "known: \(table.map(\.name).joined(separator: ", "))"
          throw context.error(valueNode, "\(key).\(name)", "unknown parameter (\(known))")
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
}
