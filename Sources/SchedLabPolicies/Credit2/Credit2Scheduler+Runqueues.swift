import SchedLabCore

/// Runqueue layout, membership, ordering, pCPU choice and migration between runqueues.
extension Credit2Scheduler {
  /// `cpu_add_to_runqueue` for every pCPU in order: spread pCPUs evenly over runqueues of the
  /// configured arrangement, at most `max_cpus_runqueue` each, keeping SMT siblings together.
  func buildRunqueues() {
    let topo = context.topology
    let online = context.pcpuCount
    let minRunqueues = (online + maxCPUsPerRunqueue - 1) / maxCPUsPerRunqueue
    let maxPerRunqueue = online / minRunqueues
    cpuRunqueue = Array(repeating: -1, count: online)
    func matches(_ rq: Runqueue, _ cpu: PCPUID) -> Bool {
      let ref = rq.pickBias
      switch arrangement {
      case .cpu: return false
      case .core: return topo.core(of: ref) == topo.core(of: cpu)
      case .socket: return topo.socket(of: ref) == topo.socket(of: cpu)
      case .node: return topo.node(of: ref) == topo.node(of: cpu)
      case .all: return true
      }
    }
    for c in 0..<online {
      let cpu = PCPUID(c)
      var chosen = -1
      let siblings = topo.siblings(of: cpu)
      if let sibling = runqueues.firstIndex(where: { matches($0, cpu) && $0.active.intersects(siblings) }) {
        chosen = sibling
      } else {
        let room = arrangement == .all ? 1 : topo.threadsPerCore
        var fewest = Int.max
        for (i, rq) in runqueues.enumerated() where matches(rq, cpu) && rq.nrCPUs + room <= maxPerRunqueue {
          if rq.nrCPUs < fewest {
            fewest = rq.nrCPUs
            chosen = i
          }
        }
      }
      if chosen < 0 {
        runqueues.append(Runqueue(id: runqueues.count, pickBias: cpu))
        rqMaxWeight.append(1)
        chosen = runqueues.count - 1
      }
      runqueues[chosen].active.insert(cpu)
      runqueues[chosen].idle.insert(cpu)
      runqueues[chosen].smtIdle = runqueues[chosen].smtIdle.union(
        siblings.isSubset(of: runqueues[chosen].idle) ? siblings : CPUMask())
      cpuRunqueue[c] = chosen
    }
  }

  /// Recompute whether `cpu`'s core is fully idle (and untickled) in runqueue `rq`.
  func updateSmtIdle(_ rq: Int, cpu: Int) {
    let siblings = context.topology.siblings(of: PCPUID(cpu))
    let free = runqueues[rq].idle.subtracting(runqueues[rq].tickled)
    if siblings.isSubset(of: free) {
      runqueues[rq].smtIdle = runqueues[rq].smtIdle.union(siblings)
    } else {
      runqueues[rq].smtIdle = runqueues[rq].smtIdle.subtracting(siblings)
    }
  }

  /// `runq_insert`: after every unit with equal or more credit (boosted units, in credit2-boost,
  /// before all others, by boost credit).
  func runqInsert(_ v: Int) {
    let rq = unitRunqueue[v]
    var position = 0
    let queue = runqueues[rq].runq
    while position < queue.count && !outranks(v, Int(queue[position])) { position += 1 }
    runqueues[rq].runq.insert(Int32(v), at: position)
    onRunq[v] = true
    context.trace(PolicyTraceEvent("runq_pos", vcpu: VCPUID(v), value: Int64(position)))
  }

  func runqRemove(_ v: Int) {
    guard onRunq[v] else { return }
    let rq = unitRunqueue[v]
    if let i = runqueues[rq].runq.firstIndex(of: Int32(v)) { runqueues[rq].runq.remove(at: i) }
    onRunq[v] = false
  }

  /// `runq_assign`: the unit joins runqueue `rq` (its load joins the balance load at once).
  func assign(_ v: Int, to rq: Int, now: Int64) {
    unitRunqueue[v] = rq
    runqueues[rq].units.append(Int32(v))
    updateMaxWeight(rq, newWeight: weight(v), oldWeight: 0)
    runqueues[rq].bAvgload += unitLoad[v]
  }

  /// `runq_deassign`.
  func deassign(_ v: Int) {
    let rq = unitRunqueue[v]
    if let i = runqueues[rq].units.firstIndex(of: Int32(v)) { runqueues[rq].units.remove(at: i) }
    updateMaxWeight(rq, newWeight: 0, oldWeight: weight(v))
    runqueues[rq].bAvgload = max(0, runqueues[rq].bAvgload - unitLoad[v])
    unitRunqueue[v] = -1
  }

  /// `update_max_weight`: the heaviest assigned unit's weight (at least 1).
  func updateMaxWeight(_ rq: Int, newWeight: Int64, oldWeight: Int64) {
    if newWeight > rqMaxWeight[rq] {
      rqMaxWeight[rq] = newWeight
    } else if oldWeight == rqMaxWeight[rq] {
      var m: Int64 = 1
      for u in runqueues[rq].units { m = max(m, weight(Int(u))) }
      rqMaxWeight[rq] = m
    }
  }

  /// `csched2_res_pick`: honour a pending balance request, else the least-loaded runqueue the
  /// unit may use (its own load discounted by the unit's), cycling pCPUs from `pick_bias`.
  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    let v = vcpu.index
    let hard = context.hardAffinity(of: vcpu)
    if migrateRequest[v] {
      migrateRequest[v] = false
      let target = migrateTarget[v]
      if target >= 0 && hard.intersects(runqueues[target].active) {
        return cyclePick(target, allowed: hard)
      }
    }
    var best = -1
    var bestLoad = Int64.max
    for rq in runqueues.indices where hard.intersects(runqueues[rq].active) {
      var load = runqueues[rq].bAvgload
      if rq == unitRunqueue[v] { load = max(0, load - unitLoad[v]) }
      if load < bestLoad {
        bestLoad = load
        best = rq
      }
    }
    return cyclePick(best, allowed: hard)
  }

  func cyclePick(_ rq: Int, allowed: CPUMask) -> PCPUID {
    let mask = allowed.intersection(runqueues[rq].active)
    let cpu = mask.cycle(after: runqueues[rq].pickBias)!
    runqueues[rq].pickBias = cpu
    return cpu
  }

  /// Called by the engine after `pickResource` when a requested migration completes.
  public func migrate(_ vcpu: VCPUID, to pcpu: PCPUID, now: Int64) {
    let target = cpuRunqueue[pcpu.index]
    if target != unitRunqueue[vcpu.index] { moveUnit(vcpu.index, to: target, now: now) }
  }

  /// Xen's static `migrate()`: a unit being run is flagged and its pCPU tickled (the engine
  /// finishes the move after its context is saved); any other unit moves at once.
  func moveUnit(_ v: Int, to target: Int, now: Int64) {
    let unit = VCPUID(v)
    if scheduled[v] || context.isRunning(unit) {
      migrateRequest[v] = true
      migrateTarget[v] = target
      context.requestMigration(unit)
      tickle(context.processor(unit).index)
      return
    }
    let wasQueued = onRunq[v]
    if wasQueued {
      runqRemove(v)
      // Xen updates only the runqueue's load here, not the unit's.
      updateLoad(unitRunqueue[v], unit: -1, change: -1, now: now)
    }
    deassign(v)
    context.setProcessor(unit, cyclePick(target, allowed: context.hardAffinity(of: unit)))
    assign(v, to: target, now: now)
    if wasQueued {
      updateLoad(target, unit: -1, change: 1, now: now)
      runqInsert(v)
      runqTickle(v, now: now)
    }
  }

  public func dump(now: Int64) -> String {
    var lines = ["credit2: \(runqueues.count) runqueue(s), ratelimit \(Nanos.format(ratelimitNs))"]
    for rq in runqueues {
      lines.append(
        "  rq\(rq.id) cpus \(rq.active) max_weight \(rqMaxWeight[rq.id]) load \(rq.load) b_avgload \(rq.bAvgload)")
      lines.append(
        "    runq: "
          + rq.runq.map { "v\($0)(\(credit[Int($0)])\(boosted(Int($0)) ? " boost \(boostCredit(Int($0)))" : ""))" }
          .joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }
}
