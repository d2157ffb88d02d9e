import SchedLabCore

/// Wake-up, tickling, sleep, yield and context_saved.
extension Credit2Scheduler {
  /// `csched2_unit_wake`: queue the unit on its runqueue (it keeps its credit) and tickle.
  public func wake(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.isRunning(vcpu) || onRunq[v] { return }
    if scheduled[v] {
      delayedRunqAdd[v] = true
      return
    }
    if unitRunqueue[v] < 0 { assign(v, to: cpuRunqueue[context.processor(vcpu).index], now: now) }
    updateLoad(unitRunqueue[v], unit: v, change: 1, now: now)
    runqInsert(v)
    runqTickle(v, now: now)
  }

  public func sleep(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.isRunning(vcpu) {
      tickle(context.processor(vcpu).index)
    } else if onRunq[v] {
      updateLoad(unitRunqueue[v], unit: v, change: -1, now: now)
      runqRemove(v)
    } else {
      delayedRunqAdd[v] = false
    }
  }

  /// `csched2_context_saved`: requeue a preempted unit, or drop a blocked one from the load.
  public func contextSaved(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    scheduled[v] = false
    var unpark: [Int32] = []
    if hasCap(v) && budget[v] > 0 { returnBudget(v, collecting: &unpark) }
    if delayedRunqAdd[v] && context.isRunnable(vcpu) {
      delayedRunqAdd[v] = false
      runqInsert(v)
      runqTickle(v, now: now)
    } else {
      delayedRunqAdd[v] = false
      updateLoad(unitRunqueue[v], unit: v, change: -1, now: now)
    }
    if !unpark.isEmpty { unparkUnits(unpark, now: now) }
  }

  /// Send the softirq to `cpu` and mark it tickled.
  func tickle(_ cpu: Int) {
    let rq = cpuRunqueue[cpu]
    runqueues[rq].tickled.insert(PCPUID(cpu))
    runqueues[rq].smtIdle = runqueues[rq].smtIdle.subtracting(context.topology.siblings(of: PCPUID(cpu)))
    stats[.tickles] += 1
    context.tickle(PCPUID(cpu))
  }

  /// `runq_tickle`: find at most one pCPU of the unit's runqueue to run it: an idle pCPU on a
  /// fully idle core, else any untickled idle pCPU, else its own pCPU if it may preempt there,
  /// else the busy pCPU where preempting gains the most credit (see ``tickleScore(_:cpu:now:)``).
  /// Xen adds soft-affinity bonuses to positive scores; with the default soft affinity (all pCPUs)
  /// they are the same for every pCPU and are left out.
  func runqTickle(_ v: Int, now: Int64) {
    let unit = VCPUID(v)
    let rq = unitRunqueue[v]
    let own = context.processor(unit)
    let r = runqueues[rq]
    if pinned[v] && r.idle.contains(own) && !r.tickled.contains(own) {
      tickleUnit(v, cpu: own.index)
      return
    }
    let mask = context.hardAffinity(of: unit).intersection(r.active)
    let fullyIdle = smtPowerSavings ? r.idle.subtracting(r.smtIdle) : r.smtIdle
    // Fully idle cores first, then any idle pCPU not already tickled; own pCPU preferred.
    let idleCores = fullyIdle.subtracting(r.tickled).intersection(mask)
    let idleCPUs = r.idle.subtracting(r.tickled).intersection(mask)
    let candidates = idleCores.isEmpty ? idleCPUs : idleCores
    if !candidates.isEmpty {
      let cpu = candidates.contains(own) ? own : candidates.cycle(after: own)!
      tickleUnit(v, cpu: cpu.index)
      return
    }
    let busy = mask.subtracting(r.idle).subtracting(r.tickled)
    var best: Int64 = 0
    var target = -1
    if busy.contains(own) && !boosted(v) {
      let score = tickleScore(v, cpu: own.index, now: now)
      if score > best {
        // Xen takes its own pCPU at once when it lies in the unit's soft affinity, which, with no
        // soft affinity configured, is every pCPU.
        tickleUnit(v, cpu: own.index)
        return
      }
    }
    var cursor = busy.first
    while let cpu = cursor {
      if cpu != own || boosted(v) {
        let score = tickleScore(v, cpu: cpu.index, now: now)
        if score > best {
          best = score
          target = cpu.index
        }
      }
      cursor = busy.next(atOrAfter: cpu.index + 1)
    }
    if target >= 0 { tickleUnit(v, cpu: target) }
  }

  func tickleUnit(_ v: Int, cpu: Int) {
    tickle(cpu)
    tickledCPU[v] = cpu
  }

  /// `tickle_score`: how much credit the waking unit `v` has over the unit running on `cpu`,
  /// less MIGRATE_RESIST if it would move; -1 if that unit may not be preempted yet (ratelimit).
  func tickleScore(_ v: Int, cpu: Int, now: Int64) -> Int64 {
    guard let cur = context.current(PCPUID(cpu)) else { return -1 }
    let ran = now - context.runstateEntryTime(cur)
    let preemptable =
      ratelimitNs <= Credit2Constants.ratelimitTickleTolerance
      || ran > ratelimitNs - Credit2Constants.ratelimitTickleTolerance
      || (mayBoost && boost.overridesRatelimit && boosted(v) && !boosted(cur.index))
    if !preemptable { return -1 }
    burnCredits(cur.index, now: now)
    var score = lead(v, over: cur.index)
    if boosted(v) && !boosted(cur.index) && ext.wouldBoostIfPreempted(cur.index) {
      // Preempting it would boost it (credit2-boost): the two would then rank by boost credit.
      score = boostCredit(v) - boostCredit(cur.index)
    }
    if cpu != context.processor(VCPUID(v)).index { score -= migrateResistNs }
    return score
  }
}
