import Yams

/// A path to one value of a scenario file, for overrides (`schedlab run --set PATH=VALUE`) and sweep
/// axes: keys separated by dots, list items selected by index or, for `domains`, by name:
/// `scheduler`, `duration`, `host.cores`, `parameters.credit2-boost.boost_ratio_pct`,
/// `domains[web].weight`, `domains[0].workloads[1].rate`, `domains[audio].parameters.rtds.budget_us`.
/// The value is YAML (`25%`, `10ms`, `true`, `[0, 1]`) and replaces the node at the path, or is added
/// to its mapping when the key is missing; a list item must exist. The file is then validated as if
/// it had been written so: a bad value is refused by the loader, naming the path.
public struct ScenarioPath: Hashable, Sendable, CustomStringConvertible {
  public enum Step: Hashable, Sendable {
    case key(String)
    case index(Int)
    case named(String)
  }

  public let steps: [Step]
  public let text: String

  /// Parse `text`; nil with the reason when it is not a path.
  public static func parse(_ text: String) -> Result<ScenarioPath, PathError> {
    var steps: [Step] = []
    var rest = Substring(text)
    guard !text.isEmpty else { return .failure(PathError("an empty path")) }
    while !rest.isEmpty {
      let keyEnd = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
      let key = rest[..<keyEnd]
      guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
        return .failure(PathError("'\(key)' is not a key (letters, digits, _ and -)"))
      }
      steps.append(.key(String(key)))
      rest = rest[keyEnd...]
      while rest.first == "[" {
        guard let close = rest.firstIndex(of: "]") else { return .failure(PathError("a '[' without its ']'")) }
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        guard !inside.isEmpty else { return .failure(PathError("an empty '[]'")) }
        if let index = Int(inside) {
          guard index >= 0 else { return .failure(PathError("a negative index [\(index)]")) }
          steps.append(.index(index))
        } else {
          steps.append(.named(String(inside)))
        }
        rest = rest[rest.index(after: close)...]
      }
      if rest.first == "." {
        rest = rest.dropFirst()
        if rest.isEmpty { return .failure(PathError("a path cannot end with '.'")) }
      } else if !rest.isEmpty {
        return .failure(PathError("unexpected '\(rest.first!)'"))
      }
    }
    return .success(ScenarioPath(steps: steps, text: text))
  }

  public var description: String { text }

  /// The policy whose parameters the path sets (`parameters.P.x`, `domains[..].parameters.P.x`), if
  /// any: a sweep axis over it only matters for points that run that policy.
  public var policy: String? {
    for (i, step) in steps.enumerated() where step == .key("parameters") && i + 1 < steps.count {
      if case .key(let name) = steps[i + 1] { return name }
    }
    return nil
  }

  /// `root` with the value at this path replaced by `value`; throws the reason it cannot be.
  public func applied(to root: Node, value: Node) throws(PathError) -> Node {
    try Self.set(root, steps[...], value, done: "")
  }

  private static func set(_ node: Node, _ steps: ArraySlice<Step>, _ value: Node, done: String) throws(PathError)
    -> Node
  {
    guard let step = steps.first else { return value }
    let rest = steps.dropFirst()
    switch step {
    case .key(let key):
      let here = done.isEmpty ? key : "\(done).\(key)"
      guard case .mapping(var mapping) = node else {
        throw PathError("\(done.isEmpty ? "the file" : done) is not a mapping")
      }
      let child = mapping[Node(key)] ?? .mapping(Node.Mapping([]))
      mapping[Node(key)] = try set(child, rest, value, done: here)
      return .mapping(mapping)
    case .index(let index):
      let here = "\(done)[\(index)]"
      guard case .sequence(var sequence) = node else { throw PathError("\(done) is not a list") }
      guard index < sequence.count else { throw PathError("\(here): the list has \(sequence.count) items") }
      sequence[index] = try set(sequence[index], rest, value, done: here)
      return .sequence(sequence)
    case .named(let name):
      let here = "\(done)[\(name)]"
      guard case .sequence(var sequence) = node else { throw PathError("\(done) is not a list") }
      guard
        let index = sequence.firstIndex(where: {
          if case .mapping(let m) = $0 { return m[Node("name")]?.scalarText == name }
          return false
        })
      else { throw PathError("\(here): no item named '\(name)'") }
      sequence[index] = try set(sequence[index], rest, value, done: here)
      return .sequence(sequence)
    }
  }
}

/// Why a path or an override cannot be used.
public struct PathError: Error, Hashable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// One override: a path, its value as written, and where it was written (a command line, a line of
/// a sweep file) for errors.
public struct Override: Hashable, Sendable {
  public var path: ScenarioPath
  public var value: String
  public var origin: String

  public init(path: ScenarioPath, value: String, origin: String) {
    self.path = path
    self.value = value
    self.origin = origin
  }

  /// `PATH=VALUE` from a command line.
  public static func parse(_ text: String, origin: String) -> Result<Override, PathError> {
    guard let equals = text.firstIndex(of: "=") else { return .failure(PathError("'\(text)' is not PATH=VALUE")) }
    switch ScenarioPath.parse(String(text[..<equals])) {
    case .success(let path):
      return .success(Override(path: path, value: String(text[text.index(after: equals)...]), origin: origin))
    case .failure(let error): return .failure(error)
    }
  }
}

extension ScenarioLoader {
  /// Load the scenario at `path` with overrides applied. An error in the file itself names its line;
  /// an error an override causes names the override (its origin, path and value) and what the loader
  /// said about the value.
  public static func load(path: String, overrides: [Override]) throws(ScenarioError) -> Scenario {
    if overrides.isEmpty { return try load(path: path) }
    var root = try document(try text(atPath: path), path: path)
    // The file must be valid as written, so that its own errors keep their lines.
    _ = try parse(root: root, path: path)
    for o in overrides {
      let value: Node
      do {
        value = try Yams.compose(yaml: o.value) ?? Node("")
      } catch {
        throw ScenarioError(file: o.origin, line: nil, key: o.path.text, message: "'\(o.value)' is not a YAML value")
      }
      do {
        root = try o.path.applied(to: root, value: value)
      } catch {
        throw ScenarioError(file: o.origin, line: nil, key: o.path.text, message: "\(error.message) in \(path)")
      }
    }
    do {
      return try parse(root: root, path: path)
    } catch {
      // The file was valid as written: an override made it invalid. Name it (the one whose path
      // starts like the loader's key, or every one).
      let head = String(error.key.prefix { $0 != "[" && $0 != "." })
      let culprits = overrides.filter { String($0.path.text.prefix { $0 != "[" && $0 != "." }) == head }
      let named = (culprits.isEmpty ? overrides : culprits).map { "\($0.path.text)=\($0.value)" }
      throw ScenarioError(
        file: (culprits.first ?? overrides[0]).origin, line: nil, key: named.joined(separator: ", "),
        message: "\(error.key.isEmpty ? "" : error.key + ": ")\(error.message) (in \(path))")
    }
  }
}
