import Yams

/// Reading a YAML node tree with the location of every value at hand, so that every complaint names
/// file, line and key. Unknown keys are errors (Codable would silently ignore typos).
struct NodeContext {
  let file: String

  func error(_ node: Node?, _ key: String, _ message: String) -> ScenarioError {
    ScenarioError(file: file, line: node?.mark?.line, key: key, message: message)
  }
}

/// One YAML mapping being read: keys are taken one by one, and ``finish()`` rejects the rest.
struct MapReader {
  let context: NodeContext
  let node: Node
  let path: String
  private var entries: [(key: String, keyNode: Node, value: Node)] = []
  private var used: Set<String> = []

  init(_ node: Node, path: String, context: NodeContext) throws(ScenarioError) {
    self.context = context
    self.node = node
    self.path = path
    guard case .mapping(let mapping) = node else {
      throw context.error(node, path, "expected a mapping of keys to values")
    }
    var seen: Set<String> = []
    for (keyNode, value) in mapping {
      guard case .scalar(let scalar) = keyNode else { throw context.error(keyNode, path, "keys must be plain names") }
      let key = scalar.string
      if !seen.insert(key).inserted { throw context.error(keyNode, join(key), "duplicate key") }
      entries.append((key, keyNode, value))
    }
  }

  func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  var keys: [String] { entries.map(\.key) }

  /// The value node of `key`, for error positions, without marking the key used.
  func peek(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

  mutating func optional(_ key: String) -> Node? {
    guard let entry = entries.first(where: { $0.key == key }) else { return nil }
    used.insert(key)
    return entry.value
  }

  mutating func required(_ key: String) throws(ScenarioError) -> Node {
    guard let value = optional(key) else { throw context.error(node, join(key), "required key is missing") }
    return value
  }

  /// Reject keys nobody asked for, naming the first one and the keys that are allowed.
  func finish(allowed: [String]) throws(ScenarioError) {
    for entry in entries where !used.contains(entry.key) {
      throw context.error(
        entry.keyNode, join(entry.key), "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
    }
  }

  // MARK: Typed getters

  mutating func string(_ key: String, default value: String? = nil) throws(ScenarioError) -> String {
    guard let node = optional(key) else {
      if let value { return value }
      throw context.error(self.node, join(key), "required key is missing")
    }
    return try Values.string(node, join(key), context)
  }

  mutating func integer(_ key: String, default value: Int, range: ClosedRange<Int>) throws(ScenarioError) -> Int {
    guard let node = optional(key) else { return value }
    return try Values.integer(node, join(key), context, range: range)
  }

  mutating func duration(_ key: String, default value: Int64?) throws(ScenarioError) -> Int64 {
    guard let node = optional(key) else {
      if let value { return value }
      throw context.error(self.node, join(key), "required key is missing")
    }
    return try Values.duration(node, join(key), context)
  }

  mutating func bool(_ key: String, default value: Bool) throws(ScenarioError) -> Bool {
    guard let node = optional(key) else { return value }
    return try Values.bool(node, join(key), context)
  }
}

extension Node {
  var scalarText: String? {
    if case .scalar(let s) = self { return s.string }
    return nil
  }
}
