import SchedLabCore

/// Caps: a capped domain gets `cap% × cap_period` of CPU time per period, handed to its units in
/// quotas; a unit that finds the pool empty is parked until the next replenishment.
extension Credit2Scheduler {
  func enableCap(_ d: DomainID, capPercent: Int, now: Int64) {
    let i = d.index
    let wasCapped = domains[i].capPercent > 0
    domains[i].capPercent = capPercent
    for v in context.vcpus(of: d) { unitCapped[v] = true }
    domains[i].totalBudget = capPeriodNs * Int64(capPercent) / 100
    let quota = max(domains[i].totalBudget / Int64(domains[i].nrUnits), Credit2Constants.minTimer)
    for v in context.vcpus(of: d) { budgetQuota[v] = quota }
    guard !wasCapped else { return }
    domains[i].budget = domains[i].totalBudget
    domains[i].nextReplenish = now + capPeriodNs
    context.armTimer(domains[i].replenishTimer, at: domains[i].nextReplenish)
    for v in context.vcpus(of: d) {
      if context.isRunning(VCPUID(v)) {
        burnCredits(v, now: now)
        tickle(context.processor(VCPUID(v)).index)
      }
      budget[v] = 0
    }
  }

  func disableCap(_ d: DomainID, now: Int64) {
    let i = d.index
    context.cancelTimer(domains[i].replenishTimer)
    domains[i].capPercent = 0
    for v in context.vcpus(of: d) {
      budget[v] = Int64.max
      unitCapped[v] = false
    }
    let parked = domains[i].parkedUnits
    domains[i].parkedUnits = []
    unparkUnits(parked, now: now)
  }

  /// `unit_grab_budget`: true if the unit has (or got) budget; otherwise it is parked.
  func grabBudget(_ v: Int, now: Int64) -> Bool {
    if budget[v] > 0 { return true }
    let d = context.domain(of: VCPUID(v)).index
    domains[d].budget += budget[v]
    if domains[d].budget > 0 {
      budget[v] = min(budgetQuota[v], domains[d].budget)
      domains[d].budget -= budget[v]
      return true
    }
    budget[v] = 0
    park(v, domain: d, now: now)
    return false
  }

  func park(_ v: Int, domain d: Int, now: Int64) {
    stats[.capParks] += 1
    context.setParked(VCPUID(v), true)
    if onRunq[v] {
      runqRemove(v)
      updateLoad(unitRunqueue[v], unit: v, change: -1, now: now)
    }
    domains[d].parkedUnits.append(Int32(v))
  }

  /// `unit_return_budget`: leftover budget goes back to the pool; if the pool is positive, the
  /// domain's parked units are collected for unparking.
  func returnBudget(_ v: Int, collecting unpark: inout [Int32]) {
    let d = context.domain(of: VCPUID(v)).index
    domains[d].budget += budget[v]
    budget[v] = 0
    if domains[d].budget > 0 {
      unpark.append(contentsOf: domains[d].parkedUnits)
      domains[d].parkedUnits = []
    }
  }

  func unparkUnits(_ units: [Int32], now: Int64) {
    for u in units {
      let v = Int(u)
      let unit = VCPUID(v)
      context.setParked(unit, false)
      if scheduled[v] {
        delayedRunqAdd[v] = true
      } else if context.isRunnable(unit) && !context.isRunning(unit) && !onRunq[v] {
        updateLoad(unitRunqueue[v], unit: v, change: 1, now: now)
        runqInsert(v)
        runqTickle(v, now: now)
      }
    }
  }

  /// `replenish_domain_budget`: the per-domain timer refills the pool every period.
  func replenishBudget(_ d: Int, now: Int64) {
    while domains[d].nextReplenish <= now {
      domains[d].budget += domains[d].totalBudget
      domains[d].nextReplenish += capPeriodNs
    }
    if domains[d].budget > 0 {
      domains[d].budget = min(domains[d].budget, domains[d].totalBudget)
      let parked = domains[d].parkedUnits
      domains[d].parkedUnits = []
      unparkUnits(parked, now: now)
    }
    context.armTimer(domains[d].replenishTimer, at: domains[d].nextReplenish)
  }
}
