import SchedLabCore

/// `csched2_schedule` and `runq_candidate`.
extension Credit2Scheduler {
  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    let cpu = pcpu.index
    let rq = cpuRunqueue[cpu]
    inflight[cpu] = 0
    // 1. This pCPU answered its tickle.
    if runqueues[rq].tickled.contains(pcpu) {
      runqueues[rq].tickled.remove(pcpu)
      updateSmtIdle(rq, cpu: cpu)
    }
    let scurr = context.current(pcpu).map(\.index) ?? -1
    // 2-3. Charge the current unit; a capped unit out of budget must grab more or park.
    if scurr >= 0 {
      burnCredits(scurr, now: now)
      if hasCap(scurr) && budget[scurr] <= 0 { _ = grabBudget(scurr, now: now) }
    }
    // 4. Choose. (The boost variant may boost a unit it is about to preempt, then chooses again.)
    let yielding = scurr >= 0 && yieldFlag[scurr]
    var snext = runqCandidate(rq, scurr: scurr, cpu: cpu, now: now)
    if snext != scurr && scurr >= 0 && !yielding && context.isRunnable(VCPUID(scurr))
      && mayBoost && ext.aboutToPreempt(self, scurr, now: now)
    {
      snext = runqCandidate(rq, scurr: scurr, cpu: cpu, now: now)
    }
    // 5. A preempted, still-runnable unit is requeued in context_saved.
    if snext != scurr && scurr >= 0 && context.isRunnable(VCPUID(scurr)) {
      delayedRunqAdd[scurr] = true
    }
    if snext >= 0 {
      // 6.
      if snext != scurr {
        runqRemove(snext)
        scheduled[snext] = true
        if mayBoost { ext.dispatched(self, snext, now: now) }
      } else {
        updateLoad(rq, unit: snext, change: 0, now: now)
      }
      runqueues[rq].idle.remove(pcpu)
      runqueues[rq].smtIdle = runqueues[rq].smtIdle.subtracting(context.topology.siblings(of: pcpu))
      var top = epochCredit(snext)
      if let head = runqueues[rq].runq.first { top = max(top, epochCredit(Int(head))) }
      if top <= Credit2Constants.creditReset {
        resetCredit(rq, snext: snext, now: now)
        balanceLoad(cpu: cpu, now: now)
      }
      if inflightCredit && scurr >= 0 && delayedRunqAdd[scurr] { inflight[cpu] = credit[scurr] }
      startTime[snext] = now
      tickledCPU[snext] = -1
      if context.processor(VCPUID(snext)) != pcpu {
        credit[snext] += Credit2Constants.migrateCompensation
        stats[.migrateCompensations] += 1
      }
      return ScheduleDecision(next: VCPUID(snext), runtimeNs: runtime(snext, cpu: cpu, now: now))
    }
    // 7. Idle.
    runqueues[rq].idle.insert(pcpu)
    updateSmtIdle(rq, cpu: cpu)
    updateLoad(rq, unit: -1, change: 0, now: now)
    return .idle
  }

  /// `runq_candidate`: the unit `cpu` should run next (-1 for idle).
  func runqCandidate(_ rq: Int, scurr: Int, cpu: Int, now: Int64) -> Int {
    var yielding = false
    var fallback = -1
    if scurr >= 0 {
      yielding = yieldFlag[scurr]
      yieldFlag[scurr] = false
      let current = VCPUID(scurr)
      // Ratelimit: a runnable unit that has run less than ratelimit keeps the pCPU (unless, in
      // credit2-boost, a boosted unit waits and the current one is not boosted).
      let boostWaits =
        mayBoost && boost.overridesRatelimit && !boosted(scurr)
        && (runqueues[rq].runq.first.map { boosted(Int($0)) } ?? false)
      let waived = takeRatelimitWaiver(scurr)
      if !yielding && ratelimitNs > 0 && context.isRunnable(current)
        && now - context.runstateEntryTime(current) < ratelimitNs && !boostWaits && !waived
      {
        stats[.ratelimitContinues] += 1
        return scurr
      }
      if context.isRunnable(current) && context.hardAffinity(of: current).contains(PCPUID(cpu)) {
        fallback = scurr
      }
    }
    // Walk the queue best first. Unless the current unit yields, the walk stops at the first unit
    // that does not outrank the default (the queue is sorted, nobody better follows). Units that
    // may not run here, were tickled to another pCPU, resist migration, or are capped and cannot
    // grab budget are skipped; the budget check comes last because grabbing has side effects.
    for u in runqueues[rq].runq {
      let v = Int(u)
      let unit = VCPUID(v)
      if !yielding && !outranks(v, fallback) { break }
      if !context.isRunnable(unit) { continue }
      if !context.hardAffinity(of: unit).contains(PCPUID(cpu)) { continue }
      let tickled = tickledCPU[v]
      if tickled != -1 && tickled != cpu && runqueues[rq].tickled.contains(PCPUID(tickled)) { continue }
      if context.processor(unit).index != cpu && lead(v, over: fallback) < migrateResistNs { continue }
      if hasCap(v) && !grabBudget(v, now: now) {
        if ext.walksPastUnbudgetedUnits { continue } else { break }
      }
      return v
    }
    return fallback
  }
}
