import Foundation
import SchedLabCore
import Yams

/// Imports the subset of rt-app's JSON grammar that describes CPU behaviour: threads (`tasks`, with
/// `instance` copies and `loop` counts), `run`/`runtime` (µs of work), `sleep` (µs), `timer`
/// (`period` µs, `mode` relative or absolute), `phases` (each with its own `loop`), and `policy`
/// (SCHED_FIFO/SCHED_RR threads become real-time guest tasks). Events run in file order. C-style
/// comments are allowed, as rt-app allows them. Anything else is refused with file, line and key.
public enum RTAppImporter {
  static let threadKeys: Set<String> = ["instance", "loop", "policy", "priority", "phases"]
  static let eventKeys: Set<String> = ["run", "runtime", "sleep", "timer"]
  static let globalKeys: Set<String> = [
    "duration", "calibration", "default_policy", "pi_enabled", "lock_pages", "logdir", "log_basename", "logsize",
    "gnuplot", "ftrace", "frag", "cumulative_slack", "mem_buffer_size", "io_device",
  ]

  /// Load the threads described by the rt-app file at `path` (`shownAs` names it in errors).
  public static func load(path: String, shownAs: String) throws(ScenarioError) -> [ScriptThread] {
    guard let data = FileManager.default.contents(atPath: path), let raw = String(data: data, encoding: .utf8) else {
      throw ScenarioError(file: shownAs, line: nil, key: "", message: "cannot read the rt-app file")
    }
    return try parse(raw, file: shownAs)
  }

  /// Load an rt-app file referenced by a scenario at `node`: an error names the scenario's file,
  /// line and key first, then the rt-app file's own position.
  static func loadReferenced(
    path: String, shownAs: String, node: Node, key: String, context: NodeContext
  ) throws(ScenarioError) -> [ScriptThread] {
    do {
      return try load(path: path, shownAs: shownAs)
    } catch {
      throw context.error(node, key, "in rt-app file \(error.description)")
    }
  }

  public static func parse(_ raw: String, file: String) throws(ScenarioError) -> [ScriptThread] {
    let context = NodeContext(file: file)
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: stripComments(raw)) else {
        throw ScenarioError(file: file, line: nil, key: "", message: "the rt-app file is empty")
      }
      root = node
    } catch let error as ScenarioError {
      throw error
    } catch let error as YamlError {
      var e = ScenarioLoader.yamlError(error, path: file, text: raw)
      e.message = e.message.replacingOccurrences(of: "YAML syntax", with: "JSON syntax")
      throw e
    } catch {
      throw ScenarioError(file: file, line: nil, key: "", message: "JSON syntax: \(error)")
    }
    var top = try MapReader(root, path: "", context: context)
    let tasksNode = try top.required("tasks")
    if let global = top.optional("global") {
      var g = try MapReader(global, path: "global", context: context)
      for key in g.keys where globalKeys.contains(key) { _ = g.optional(key) }
      try g.finish(allowed: globalKeys.sorted())
    }
    try top.finish(allowed: ["tasks", "global"])
    var tasks = try MapReader(tasksNode, path: "tasks", context: context)
    var threads: [ScriptThread] = []
    for name in tasks.keys {
      let taskNode = tasks.optional(name)!
      let key = "tasks.\(name)"
      var t = try MapReader(taskNode, path: key, context: context)
      let instances = try t.integer("instance", default: 1, range: 1...256)
      let loops = try t.integer("loop", default: -1, range: -1...Int.max)
      var realtime = false
      if let policy = t.optional("policy") {
        let p = try Values.string(policy, "\(key).policy", context)
        guard ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_IDLE", "SCHED_BATCH"].contains(p) else {
          throw context.error(policy, "\(key).policy", "unsupported policy '\(p)'")
        }
        realtime = p == "SCHED_FIFO" || p == "SCHED_RR"
      }
      if let priority = t.optional("priority") {
        _ = try Values.integer(priority, "\(key).priority", context, range: -20...99)
      }
      var blocks: [ScriptBlock] = []
      if let phasesNode = t.optional("phases") {
        var phases = try MapReader(phasesNode, path: "\(key).phases", context: context)
        for phase in phases.keys {
          let phaseNode = phases.optional(phase)!
          var p = try MapReader(phaseNode, path: "\(key).phases.\(phase)", context: context)
          let phaseLoops = try p.integer("loop", default: 1, range: 1...1_000_000)
          blocks.append(
            ScriptBlock(steps: try events(&p, path: "\(key).phases.\(phase)", context: context), loops: phaseLoops))
          try p.finish(allowed: ["loop"] + eventKeys.sorted())
        }
      } else {
        blocks.append(ScriptBlock(steps: try events(&t, path: key, context: context)))
      }
      try t.finish(allowed: threadKeys.sorted() + eventKeys.sorted())
      guard blocks.contains(where: { $0.steps.contains(where: takesTime) }) else {
        throw context.error(taskNode, key, "a thread needs at least one run, sleep or timer event")
      }
      for i in 0..<instances {
        threads.append(
          ScriptThread(name: instances > 1 ? "\(name)-\(i)" : name, blocks: blocks, loops: loops, realtime: realtime))
      }
    }
    guard !threads.isEmpty else { throw context.error(tasksNode, "tasks", "no tasks") }
    return threads
  }

  static func takesTime(_ step: ScriptStep) -> Bool {
    switch step {
    case .run(_, let hi), .sleep(_, let hi): return hi > 0
    case .timer: return true
    case .io: return false
    }
  }

  /// The events of a thread or phase, in file order.
  static func events(_ r: inout MapReader, path: String, context: NodeContext) throws(ScenarioError) -> [ScriptStep] {
    var steps: [ScriptStep] = []
    for key in r.keys {
      guard !threadKeys.contains(key) || key == "phases" else { continue }
      if key == "loop" || key == "phases" { continue }
      guard eventKeys.contains(key) else {
        throw context.error(
          r.node, "\(path).\(key)", "unsupported rt-app event (supported: run, runtime, sleep, timer)")
      }
      let node = r.optional(key)!
      switch key {
      case "run", "runtime":
        let us = try Values.integer(node, "\(path).\(key)", context, range: 0...100_000_000)
        steps.append(.run(lo: Nanos.us(Int64(us)), hi: Nanos.us(Int64(us))))
      case "sleep":
        let us = try Values.integer(node, "\(path).\(key)", context, range: 0...100_000_000)
        steps.append(.sleep(lo: Nanos.us(Int64(us)), hi: Nanos.us(Int64(us))))
      default:
        var timer = try MapReader(node, path: "\(path).timer", context: context)
        _ = try timer.string("ref", default: "unique")
        let period = try timer.integer("period", default: 0, range: 1...100_000_000)
        let mode = try timer.string("mode", default: "relative")
        guard mode == "relative" || mode == "absolute" else {
          throw context.error(node, "\(path).timer.mode", "'\(mode)' is not one of relative|absolute")
        }
        try timer.finish(allowed: ["ref", "period", "mode"])
        steps.append(.timer(periodNs: Nanos.us(Int64(period)), absolute: mode == "absolute"))
      }
    }
    return steps
  }

  /// Blank out /* */ and // comments, keeping line breaks so line numbers stay right.
  static func stripComments(_ text: String) -> String {
    var out = ""
    var chars = Array(text)
    var i = 0
    var inString = false
    while i < chars.count {
      let c = chars[i]
      if inString {
        out.append(c)
        if c == "\\" && i + 1 < chars.count {
          out.append(chars[i + 1])
          i += 2
          continue
        }
        if c == "\"" { inString = false }
        i += 1
        continue
      }
      if c == "\"" {
        inString = true
        out.append(c)
        i += 1
      } else if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
        i += 2
        while i < chars.count && !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") {
          out.append(chars[i] == "\n" ? "\n" : " ")
          i += 1
        }
        i += 2
        out.append("  ")
      } else if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
        while i < chars.count && chars[i] != "\n" { i += 1 }
      } else {
        out.append(c)
        i += 1
      }
    }
    chars = []
    return out
  }
}
