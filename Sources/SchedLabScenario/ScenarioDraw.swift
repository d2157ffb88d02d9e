import SchedLabCore

/// One generated scenario, as data: what the search draws, shrinks and writes out. It renders to a
/// scenario file (YAML), which the ordinary loader reads, so a counterexample is judged exactly as the
/// file that reproduces it.
public struct ScenarioDraw: Hashable, Sendable {
  public struct Workload: Hashable, Sendable {
    public var type: String
    /// Parameters in order, as they are written (`rate: 800`, `service: 300us`).
    public var parameters: [Parameter]
    public init(type: String, parameters: [Parameter]) {
      self.type = type
      self.parameters = parameters
    }
  }
  public struct Parameter: Hashable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }
  public struct Domain: Hashable, Sendable {
    public var name: String
    public var vcpus: Int
    public var weight: Int
    public var cap: Int
    public var workloads: [Workload]
  }

  public var sockets: Int
  public var cores: Int
  public var threads: Int
  public var model: String
  public var durationNs: Int64
  public var warmupNs: Int64
  public var domains: [Domain]

  public var pcpus: Int { sockets * cores * threads }

  /// The scenario file: host, duration, domains and the expectations given.
  public func yaml(name: String, scheduler: String, expectations: [String], header: [String] = []) -> String {
    var lines = header.map { "# " + $0 }
    lines.append("name: \(name)")
    lines.append("host: {sockets: \(sockets), cores: \(cores), threads: \(threads), model: \(model)}")
    lines.append("scheduler: \(scheduler)")
    lines.append("duration: \(Nanos.format(durationNs))")
    lines.append("warmup: \(Nanos.format(warmupNs))")
    lines.append("domains:")
    for d in domains {
      let workloads = d.workloads.map { w in
        "{" + (["type: \(w.type)"] + w.parameters.map { "\($0.key): \($0.value)" }).joined(separator: ", ") + "}"
      }
      lines.append(
        "  - {name: \(d.name), vcpus: \(d.vcpus), weight: \(d.weight)\(d.cap > 0 ? ", cap: \(d.cap)" : ""), "
          + "workloads: [\(workloads.joined(separator: ", "))]}")
    }
    if !expectations.isEmpty {
      lines.append("expect:")
      lines += expectations.map { "  - " + $0 }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// How big it is, for choosing between candidates: domains, vCPUs, workloads, pCPUs, seconds.
  public var size: Int {
    domains.count * 1000 + domains.reduce(0) { $0 + $1.vcpus * 10 + $1.workloads.count } + pcpus * 20
      + Int(durationNs / 1_000_000_000)
  }
}
