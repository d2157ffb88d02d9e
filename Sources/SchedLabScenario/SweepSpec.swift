import Foundation
import SchedLabPolicies
import Yams

/// A sweep: base scenario files × axes of overrides × seeds, as `schedlab sweep` runs it.
///
/// ```yaml
/// name: boost-ratio
/// base: [scenarios/matrix]            # files or directories, relative to this file
/// seeds: 1..4                         # or a list
/// combine: product                    # or zip (axes of equal length, taken together)
/// axes:
///   - {path: scheduler, values: [credit2, credit2-boost]}
///   - {path: parameters.credit2-boost.boost_ratio_pct, values: [0, 10, 25, 50]}
/// ```
///
/// An axis is a ``ScenarioPath`` and its values (YAML, as they would be written in the file). An
/// axis over a policy's parameters (`parameters.P.x`, `domains[..].parameters.P.x`) only varies the
/// points that run P: the others take it once, with no value. Points are numbered in a fixed order
/// (file, then the axes' combinations in order, then seeds), the order of the results table.
public struct SweepSpec: Sendable {
  public struct Axis: Sendable {
    public var path: ScenarioPath
    public var values: [String]
    /// The line of each value in the spec, for errors.
    public var lines: [Int?]
  }

  public var name: String
  public var path: String
  public var files: [String]
  public var seeds: [UInt64]
  public var axes: [Axis]
  public var zip: Bool

  /// A sweep of these files with no axes (the runs of a `run` command, for its HTML report).
  public init(name: String, path: String, files: [String], seeds: [UInt64]) {
    self.name = name
    self.path = path
    self.files = files
    self.seeds = seeds
    axes = []
    zip = false
  }

  init(name: String, path: String, files: [String], seeds: [UInt64], axes: [Axis], zip: Bool) {
    self.name = name
    self.path = path
    self.files = files
    self.seeds = seeds
    self.axes = axes
    self.zip = zip
  }

  /// One run of the sweep.
  public struct Point: Hashable, Sendable {
    public var index: Int
    public var file: String
    /// One value per axis (nil: the axis does not apply to this point).
    public var values: [String?]
    public var seed: UInt64

    public init(index: Int, file: String, values: [String?], seed: UInt64) {
      self.index = index
      self.file = file
      self.values = values
      self.seed = seed
    }
  }

  static let keys = ["name", "description", "base", "seeds", "combine", "axes"]

  public static func load(path: String) throws(ScenarioError) -> SweepSpec {
    let text = try ScenarioLoader.text(atPath: path)
    let context = NodeContext(file: path)
    var top = try MapReader(try ScenarioLoader.document(text, path: path), path: "", context: context)
    let name = try top.string("name", default: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    _ = try top.string("description", default: "")
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let baseNode = try top.required("base")
    let baseItems: [Node]
    switch baseNode {
    case .sequence(let s): baseItems = Array(s)
    case .scalar: baseItems = [baseNode]
    default: throw context.error(baseNode, "base", "expected a file, a directory, or a list of them")
    }
    var files: [String] = []
    for (i, item) in baseItems.enumerated() {
      let given = try Values.string(item, "base[\(i)]", context)
      let full = given.hasPrefix("/") ? given : directory + "/" + given
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
        throw context.error(item, "base[\(i)]", "'\(given)' does not exist")
      }
      if isDirectory.boolValue {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []).filter {
          $0.lowercased().hasSuffix(".yaml") || $0.lowercased().hasSuffix(".yml")
        }.sorted()
        guard !names.isEmpty else { throw context.error(item, "base[\(i)]", "'\(given)' has no .yaml files") }
        files += names.map { full + "/" + $0 }
      } else {
        files.append(full)
      }
    }
    var seeds: [UInt64] = [1]
    if let node = top.optional("seeds") {
      seeds = try parseSeeds(node, context)
    }
    var zip = false
    if let node = top.optional("combine") {
      switch try Values.string(node, "combine", context) {
      case "product": zip = false
      case "zip": zip = true
      case let other: throw context.error(node, "combine", "'\(other)' is not one of product|zip")
      }
    }
    var axes: [Axis] = []
    if let node = top.optional("axes") {
      guard case .sequence(let items) = node else { throw context.error(node, "axes", "expected a list of axes") }
      for (i, item) in items.enumerated() {
        var r = try MapReader(item, path: "axes[\(i)]", context: context)
        let pathNode = try r.required("path")
        let pathText = try Values.string(pathNode, "axes[\(i)].path", context)
        let scenarioPath: ScenarioPath
        switch ScenarioPath.parse(pathText) {
        case .success(let p): scenarioPath = p
        case .failure(let e): throw context.error(pathNode, "axes[\(i)].path", e.message)
        }
        if axes.contains(where: { $0.path == scenarioPath }) {
          throw context.error(pathNode, "axes[\(i)].path", "'\(pathText)' is already an axis")
        }
        let valuesNode = try r.required("values")
        guard case .sequence(let values) = valuesNode, !values.isEmpty else {
          throw context.error(valuesNode, "axes[\(i)].values", "expected a non-empty list of values")
        }
        var texts: [String] = []
        for (k, v) in values.enumerated() {
          guard let text = try? Yams.serialize(node: v).trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw context.error(v, "axes[\(i)].values[\(k)]", "cannot be written back as YAML")
          }
          if texts.contains(text) { throw context.error(v, "axes[\(i)].values[\(k)]", "'\(text)' is listed twice") }
          texts.append(text)
        }
        try r.finish(allowed: ["path", "values"])
        axes.append(Axis(path: scenarioPath, values: texts, lines: values.map { $0.mark?.line }))
      }
    }
    if zip, let first = axes.first, let other = axes.first(where: { $0.values.count != first.values.count }) {
      throw context.error(
        top.peek("combine"), "combine",
        "zip needs axes of equal length: \(first.path) has \(first.values.count), \(other.path) \(other.values.count)")
    }
    try top.finish(allowed: keys)
    return SweepSpec(name: name, path: path, files: files, seeds: seeds, axes: axes, zip: zip)
  }

  static func parseSeeds(_ node: Node, _ context: NodeContext) throws(ScenarioError) -> [UInt64] {
    if case .sequence(let items) = node {
      var seeds: [UInt64] = []
      for (i, item) in items.enumerated() {
        let seed = UInt64(try Values.integer(item, "seeds[\(i)]", context, range: 0...Int(Int32.max)))
        if seeds.contains(seed) { throw context.error(item, "seeds[\(i)]", "seed \(seed) is listed twice") }
        seeds.append(seed)
      }
      guard !seeds.isEmpty else { throw context.error(node, "seeds", "expected at least one seed") }
      return seeds
    }
    let text = try Values.string(node, "seeds", context)
    guard let range = ScenarioValues.seeds(text), range.upperBound - range.lowerBound < 100_000 else {
      throw context.error(node, "seeds", "'\(text)' is not a seed, a range such as 1..8, or a list")
    }
    return Array(range)
  }

  /// Every point, in the table's order. `scheduler(of:)` gives a base file's scheduler, for axes
  /// over a policy's parameters.
  public func points(scheduler: (String) -> String) -> [Point] {
    let combinations: [[Int]]
    if axes.isEmpty {
      combinations = [[]]
    } else if zip {
      combinations = (0..<axes[0].values.count).map { k in axes.map { _ in k } }
    } else {
      combinations = axes.reduce([[]]) { partial, axis in partial.flatMap { c in axis.values.indices.map { c + [$0] } }
      }
    }
    let schedulerAxis = axes.firstIndex { $0.path.text == "scheduler" }
    var points: [Point] = []
    for file in files {
      var seen: Set<[String?]> = []
      for combination in combinations {
        var values: [String?] = Swift.zip(axes.indices, combination).map { axes[$0].values[$1] }
        let policy = schedulerAxis.map { values[$0]! } ?? scheduler(file)
        for (a, axis) in axes.enumerated() {
          if let owner = axis.path.policy, !PolicyNames.same(owner, policy) { values[a] = nil }
        }
        guard seen.insert(values).inserted else { continue }
        for seed in seeds { points.append(Point(index: points.count, file: file, values: values, seed: seed)) }
      }
    }
    return points
  }

  /// A point's overrides, with the spec's line of each value as their origin.
  public func overrides(_ point: Point) -> [Override] {
    let combination = point.values
    return axes.indices.compactMap { a in
      guard let value = combination[a] else { return nil }
      let line = axes[a].values.firstIndex(of: value).flatMap { axes[a].lines[$0] }
      return Override(path: axes[a].path, value: value, origin: line.map { "\(path):\($0)" } ?? path)
    }
  }
}

/// Policy names and aliases compared as the registry resolves them.
enum PolicyNames {
  static func same(_ a: String, _ b: String) -> Bool {
    (PolicyRegistry.lookup(a)?.name ?? a) == (PolicyRegistry.lookup(b)?.name ?? b)
  }
}
