import SchedLabCore
import SchedLabPolicies

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
    /// As a scenario file writes it: `key: value`.
    var text: String { "\(key): \(value)" }
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
    /// Hard affinity: pCPUs by index (nil: all).
    public var affinity: ClosedRange<Int>?
    public var workloads: [Workload]

    public init(
      name: String, vcpus: Int, weight: Int = 256, cap: Int = 0, affinity: ClosedRange<Int>? = nil,
      workloads: [Workload]
    ) {
      self.name = name
      self.vcpus = vcpus
      self.weight = weight
      self.cap = cap
      self.affinity = affinity
      self.workloads = workloads
    }
  }

  public var sockets: Int
  public var cores: Int
  public var threads: Int
  public var model: String
  public var durationNs: Int64
  public var warmupNs: Int64
  public var domains: [Domain]
  /// The runqueue arrangement of the policies that have one (credit2's `runqueue`; nil: their default).
  public var runqueue: String?

  public init(
    sockets: Int, cores: Int, threads: Int, model: String, durationNs: Int64, warmupNs: Int64, domains: [Domain]
  ) {
    self.sockets = sockets
    self.cores = cores
    self.threads = threads
    self.model = model
    self.durationNs = durationNs
    self.warmupNs = warmupNs
    self.domains = domains
  }

  public var pcpus: Int { sockets * cores * threads }

  /// The scenario file: host, scheduler (with `tunables` set), duration, domains and the expectations
  /// given.
  public func yaml(
    name: String, scheduler: String, tunables: [Parameter] = [], expectations: [String], header: [String] = []
  ) -> String {
    var lines = header.map { "# " + $0 }
    lines.append("name: \(name)")
    lines.append("host: {sockets: \(sockets), cores: \(cores), threads: \(threads), model: \(model)}")
    lines.append("scheduler: \(scheduler)")
    // The scheduler's tunables, and the runqueue arrangement for every policy that has one.
    var sections: [(String, [Parameter])] = []
    if let runqueue {
      for policy in PolicyRegistry.all where policy.parameters.contains(where: { $0.name == "runqueue" }) {
        sections.append((policy.name, [Parameter(key: "runqueue", value: runqueue)]))
      }
    }
    if !tunables.isEmpty {
      if let i = sections.firstIndex(where: { $0.0 == scheduler }) {
        sections[i].1 += tunables.filter { $0.key != "runqueue" || runqueue == nil }
      } else {
        sections.append((scheduler, tunables))
      }
    }
    if !sections.isEmpty {
      lines.append("parameters:")
      for (policy, values) in sections { lines.append("  \(policy): " + Self.flow(values.map(\.text))) }
    }
    lines.append("duration: \(Nanos.format(durationNs))")
    lines.append("warmup: \(Nanos.format(warmupNs))")
    lines.append("domains:")
    for d in domains {
      let workloads = d.workloads.map { w in Self.flow(["type: \(w.type)"] + w.parameters.map(\.text)) }
      var fields = ["name: \(d.name)", "vcpus: \(d.vcpus)", "weight: \(d.weight)"]
      if d.cap > 0 { fields.append("cap: \(d.cap)") }
      if let a = d.affinity {
        fields.append("affinity: " + (a.count == 1 ? "\(a.lowerBound)" : "\(a.lowerBound)-\(a.upperBound)"))
      }
      fields.append("workloads: [\(workloads.joined(separator: ", "))]")
      lines.append("  - " + Self.flow(fields))
    }
    if !expectations.isEmpty {
      lines.append("expect:")
      lines += expectations.map { "  - " + $0 }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A YAML flow mapping of `key: value` fields.
  static func flow(_ fields: [String]) -> String { "{" + fields.joined(separator: ", ") + "}" }

  /// How big it is, for choosing between candidates: domains, vCPUs, workloads, pCPUs, parameters and
  /// settings given, seconds.
  public var size: Int {
    domains.count * 1000 + pcpus * 20 + Int(durationNs / 1_000_000_000) + (runqueue != nil ? 1 : 0)
      + domains.reduce(0) { total, d in
        total + d.vcpus * 10 + d.workloads.reduce(0) { $0 + 3 + $1.parameters.count }
          + (d.cap > 0 ? 1 : 0) + (d.affinity != nil ? 1 : 0) + (d.weight != 256 ? 1 : 0)
      }
  }
}
