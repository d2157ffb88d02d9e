import SchedLabCore
import SchedLabEvaluation

/// The JSON result format (documented in the README). Keys and their order are stable; shares are
/// fractions of one pCPU with 6 decimals; times are integer nanoseconds.
public enum JSONReport {
  public static let formatVersion = 2

  public static func render(_ reports: [RunReport], version: String) -> String {
    let evaluations = reports.map(\.evaluation)
    var w = JSONWriter()
    if evaluations.count == 1 {
      write(evaluations[0], version: version, into: &w, key: nil)
    } else {
      w.open(array: true)
      for e in evaluations { write(e, version: version, into: &w, key: nil) }
      w.close(array: true)
    }
    return w.text + "\n"
  }

  static func latency(_ key: String, _ s: LatencySummary, into w: inout JSONWriter) {
    w.open(key)
    w.int("count", s.count)
    w.int("mean", s.meanNs)
    w.int("p50", s.p50Ns)
    w.int("p90", s.p90Ns)
    w.int("p99", s.p99Ns)
    w.int("p999", s.p999Ns)
    w.int("max", s.maxNs)
    w.close()
  }

  static func counters(_ key: String, _ list: [PolicyCounter], into w: inout JSONWriter) {
    w.open(key)
    for c in list { w.int(c.name, c.value) }
    w.close()
  }

  static func window(_ key: String, _ s: WindowSummary, into w: inout JSONWriter) {
    w.open(key)
    w.int("windows", s.windows)
    w.double("min", s.min)
    w.double("max", s.max)
    w.double("mean", s.mean)
    w.double("stdev", s.stdev)
    w.close()
  }

  static func write(_ e: Evaluation, version: String, into w: inout JSONWriter, key: String?) {
    let r = e.result
    w.open(key)
    w.int("format_version", formatVersion)
    w.string("schedlab_version", version)
    w.string("scenario", e.scenario.name)
    w.string("scheduler", r.scheduler)
    w.open("parameters")
    for (name, value) in e.parameters {
      switch value {
      case .integer(let v): w.int(name, v)
      case .boolean(let b): w.bool(name, b)
      case .choice(let c): w.string(name, c)
      }
    }
    w.close()
    w.string("weight_semantics", e.policy.weights.rawValue)
    w.raw("seed", String(r.seed))
    w.int("duration_ns", r.durationNs)
    w.int("warmup_ns", r.warmupNs)
    w.int("measured_ns", r.measuredNs)
    w.open("host")
    w.int("sockets", r.topology.sockets)
    w.int("cores_per_socket", r.topology.coresPerSocket)
    w.int("threads_per_core", r.topology.threadsPerCore)
    w.int("pcpus", r.host.pcpus)
    w.open("model")
    w.string("name", r.hostModel.name)
    w.int("context_switch_ns", r.hostModel.contextSwitchNs)
    w.int("migration_ns", r.hostModel.migrationNs)
    w.int("cross_socket_migration_ns", r.hostModel.crossSocketMigrationNs)
    w.int("wake_ipi_ns", r.hostModel.wakeIPINs)
    w.double("smt_speed", Double(r.hostModel.smtSpeedPermille) / 1000, digits: 3)
    w.close()
    w.double("context_switches_per_s", r.host.contextSwitchesPerS, digits: 3)
    w.double("migrations_per_s", r.host.migrationsPerS, digits: 3)
    w.double("idle_fraction", r.host.idleFraction)
    w.open("pcpu_idle_fraction", array: true)
    for idle in r.host.pcpuIdleNs { w.double(nil, Double(idle) / Double(r.measuredNs)) }
    w.close(array: true)
    w.int("events", r.host.events)
    w.string("trace_hash", String(r.host.traceHash, radix: 16))
    w.close()
    w.open("domains", array: true)
    for (d, dom) in r.domains.enumerated() {
      w.open()
      w.string("name", dom.name)
      w.int("weight", dom.weight)
      w.int("cap", dom.capPercent)
      w.int("vcpus", dom.vcpus.count)
      w.double("share", dom.share)
      if let ideal = e.ideal {
        w.double("ideal_share", ideal[d])
        w.double("share_minus_ideal", dom.share - ideal[d])
      } else {
        w.null("ideal_share")
        w.null("share_minus_ideal")
      }
      if let demands = e.demands {
        w.double("demand", demands[d].total)
        w.string("demand_source", demands[d].source.rawValue)
      }
      window("window_share", dom.window, into: &w)
      latency("wake_latency_ns", dom.wakeLatency, into: &w)
      latency("preempt_wait_ns", dom.preemptWait, into: &w)
      w.open("vcpu_results", array: true)
      for v in dom.vcpus {
        w.open()
        w.int("vcpu", v.index)
        w.double("share", v.share)
        w.int("running_ns", v.runstateNs[0])
        w.int("runnable_ns", v.runstateNs[1])
        w.int("blocked_ns", v.runstateNs[2])
        w.int("offline_ns", v.runstateNs[3])
        window("window_share", v.window, into: &w)
        latency("wake_latency_ns", v.wakeLatency, into: &w)
        counters("policy_counters", v.policyCounters, into: &w)
        w.close()
      }
      w.close(array: true)
      writeWorkloads(dom.workloads, into: &w)
      counters("policy_counters", dom.policyCounters, into: &w)
      w.close()
    }
    w.close(array: true)
    counters("counters", r.counters, into: &w)
    w.open("log", array: true)
    for line in r.log { w.string(nil, line) }
    w.close(array: true)
    w.open("control_calls", array: true)
    for record in r.controls {
      w.open()
      w.int("at_ns", record.call.time)
      w.string("caller", r.domains[record.call.caller.index].name)
      w.string("op", record.call.op)
      w.string("target", r.domains[record.call.target.index].name)
      w.open("arguments")
      for a in record.call.arguments { w.int(a.name, a.value) }
      w.close()
      switch record.outcome {
      case .ok(let values):
        w.string("outcome", "ok")
        w.open("values")
        for a in values { w.int(a.name, a.value) }
        w.close()
      case .permissionDenied(let why):
        w.string("outcome", "EPERM")
        w.string("reason", why)
      case .invalid(let why):
        w.string("outcome", "EINVAL")
        w.string("reason", why)
      }
      w.close()
    }
    w.close(array: true)
    w.close()
  }

  static func writeWorkloads(_ workloads: [WorkloadResult], into w: inout JSONWriter) {
    let periodic = workloads.filter { ReportSection(of: $0) == .jobs }
    let servers = workloads.filter { ReportSection(of: $0) == .requests }
    let locks = workloads.filter { ReportSection(of: $0) == .locks }
    let others = workloads.filter { ReportSection(of: $0) == .throughput }
    w.open("periodic", array: true)
    for p in periodic {
      w.open()
      w.string("name", p.name)
      w.string("type", p.type)
      w.int("released", p.released)
      w.int("completed", p.completed)
      w.int("deadline_misses", p.deadlineMisses)
      w.int("overdue", p.overdue)
      w.int("underruns", p.underruns)
      w.double("miss_ratio", p.missRatio)
      w.int("latency_tolerance_999_ns", p.latencyTolerance999Ns)
      if p.type == "video" {
        w.int("dropped_frames", p.deadlineMisses)
        w.int("frame_time_p99_ns", p.response.p99Ns)
      }
      latency("response_ns", p.response, into: &w)
      w.close()
    }
    w.close(array: true)
    w.open("servers", array: true)
    for s in servers {
      w.open()
      w.string("name", s.name)
      w.int("arrived", s.released)
      w.int("completed", s.completed)
      w.double("throughput_per_s", s.throughputPerS, digits: 3)
      window("throughput_window_per_s", s.throughputWindow, into: &w)
      latency("response_ns", s.response, into: &w)
      w.close()
    }
    w.close(array: true)
    w.open("throughput", array: true)
    for o in others {
      w.open()
      w.string("name", o.name)
      w.string("type", o.type)
      w.int("completed", o.completed)
      w.double("per_s", o.throughputPerS, digits: 3)
      window("window_per_s", o.throughputWindow, into: &w)
      latency("duration_ns", o.response, into: &w)
      w.close()
    }
    w.close(array: true)
    w.open("spinlocks", array: true)
    for l in locks {
      w.open()
      w.string("name", l.name)
      w.int("acquisitions", l.completed)
      w.int("spin_ns", l.spinNs)
      w.int("holder_preemptions", l.holderPreemptions)
      latency("lock_wait_ns", l.response, into: &w)
      w.close()
    }
    w.close(array: true)
  }
}
