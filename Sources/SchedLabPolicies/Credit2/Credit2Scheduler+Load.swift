import SchedLabCore

/// Load tracking (exponentially weighted averages in fixed point) and load balancing between
/// runqueues, which credit2 does only right after a credit reset.
extension Credit2Scheduler {
  /// `update_load`: fold the runqueue's (and the unit's, if `unit` ≥ 0) load up to now, then apply
  /// `change` (+1 wake, -1 block/sleep/park, 0 refresh) to the runqueue's instantaneous load.
  func updateLoad(_ rq: Int, unit: Int, change: Int64, now: Int64) {
    let t = now >> 10
    let windowShift = loadWindowShift - 10
    let window: Int64 = 1 << windowShift
    let p = loadPrecisionShift
    let delta = max(0, t - runqueues[rq].loadLast)
    let load = runqueues[rq].load
    if delta > window {
      runqueues[rq].avgload = load << p
      runqueues[rq].bAvgload = load << p
    } else {
      runqueues[rq].avgload = (delta * (load << p) + (window - delta) * runqueues[rq].avgload) >> windowShift
      runqueues[rq].bAvgload = (delta * (load << p) + (window - delta) * runqueues[rq].bAvgload) >> windowShift
    }
    runqueues[rq].load += change
    runqueues[rq].loadLast = t
    if unit >= 0 { updateUnitLoad(unit, change: change, now: now) }
  }

  /// `update_svc_load`: fold one unit's average load up to now. Its load until now was 1 if it is
  /// blocking (`change` -1), 0 if it is waking (+1), else whether it is runnable.
  func updateUnitLoad(_ unit: Int, change: Int64, now: Int64) {
    let t = now >> 10
    let windowShift = loadWindowShift - 10
    let window: Int64 = 1 << windowShift
    let p = loadPrecisionShift
    let unitValue: Int64 =
      change == -1 ? 1 : (change == 1 ? 0 : (context.isRunnable(VCPUID(unit)) ? 1 : 0))
    let unitDelta = max(0, t - unitLoadLast[unit])
    if unitDelta > window {
      unitLoad[unit] = unitValue << p
    } else {
      unitLoad[unit] = (unitDelta * (unitValue << p) + (window - unitDelta) * unitLoad[unit]) >> windowShift
    }
    unitLoadLast[unit] = t
  }

  /// `balance_load`, run by `cpu` right after it reset its runqueue's credit: find the runqueue
  /// whose balance load differs most from ours and, if the difference passes the threshold, push,
  /// pull or swap the unit(s) that best even the two out.
  func balanceLoad(cpu: Int, now: Int64) {
    let local = cpuRunqueue[cpu]
    guard runqueues.count > 1 else { return }
    stats[.balanceRuns] += 1
    updateLoad(local, unit: -1, change: 0, now: now)
    var loadDelta: Int64 = 0
    var other = -1
    for rq in runqueues.indices where rq != local {
      updateLoad(rq, unit: -1, change: 0, now: now)
      let delta = abs(runqueues[local].bAvgload - runqueues[rq].bAvgload)
      if delta > loadDelta {
        loadDelta = delta
        other = rq
      }
    }
    guard other >= 0 else { return }
    // Xen's quirk, kept on purpose: the capacity test reads the last runqueue of the list walked
    // above (possibly our own), not necessarily the one with the largest difference.
    let lastIterated = runqueues.count - 1
    let p = loadPrecisionShift
    let loadMax = max(runqueues[local].bAvgload, runqueues[lastIterated].bAvgload)
    let cpusMax = Int64(max(runqueues[local].nrCPUs, runqueues[lastIterated].nrCPUs))
    let threshold: Int64 = loadMax < (cpusMax << p) ? shifted(p + balanceUnder) : shifted(p + balanceOver)
    guard loadDelta >= threshold else { return }

    // Xen brings every unit of both runqueues up to date before weighing moves, so a unit that has
    // been blocked for a while carries its decayed load into the comparison.
    for u in runqueues[local].units { updateUnitLoad(Int(u), change: 0, now: now) }
    for u in runqueues[other].units { updateUnitLoad(Int(u), change: 0, now: now) }
    var best = loadDelta
    var push = -1
    var pull = -1
    func consider(_ pushUnit: Int, _ pullUnit: Int) {
      var l = runqueues[local].bAvgload
      var o = runqueues[other].bAvgload
      if pushUnit >= 0 {
        l -= unitLoad[pushUnit]
        o += unitLoad[pushUnit]
      }
      if pullUnit >= 0 {
        l += unitLoad[pullUnit]
        o -= unitLoad[pullUnit]
      }
      let delta = abs(l - o)
      if delta < best {
        best = delta
        push = pushUnit
        pull = pullUnit
      }
    }
    func migrateable(_ v: Int, to rq: Int) -> Bool {
      !migrateRequest[v] && context.hardAffinity(of: VCPUID(v)).intersects(runqueues[rq].active)
    }
    let localUnits = runqueues[local].units
    let otherUnits = runqueues[other].units
    for u in localUnits where migrateable(Int(u), to: other) {
      for w in otherUnits where migrateable(Int(w), to: local) { consider(Int(u), Int(w)) }
      consider(Int(u), -1)
    }
    for w in otherUnits where migrateable(Int(w), to: local) { consider(-1, Int(w)) }
    if push >= 0 {
      stats[.balanceMigrations] += 1
      moveUnit(push, to: other, now: now)
    }
    if pull >= 0 {
      stats[.balanceMigrations] += 1
      moveUnit(pull, to: local, now: now)
    }
  }

  private func shifted(_ exponent: Int64) -> Int64 { exponent >= 0 ? 1 << exponent : 0 }
}
