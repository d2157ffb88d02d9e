import SchedLabCore

/// Credit: burning, the per-pCPU tick, the 30 ms accounting, active/inactive and cap parking.
extension CreditScheduler {
  /// `burn_credits`: charge 10 credits per ms run since `start_time`, keeping the sub-credit
  /// remainder in `residual`, and advance `start_time` by the whole credits charged only (Xen's
  /// double-kept remainder, a bounded over-charge of at most one credit).
  func burnCredits(_ v: Int, now: Int64) {
    guard accurateDebit else { return }
    let delta = now - startTime[v]
    guard delta > 0 else { return }
    let value = delta * Self.creditsPerMs + residual[v]
    residual[v] = value % Nanos.ms(1)
    let credits = value / Nanos.ms(1)
    credit[v] -= credits
    startTime[v] += credits * Nanos.ms(1) / Self.creditsPerMs
  }

  /// `csched_tick`, every `tslice/3` on each busy pCPU.
  func tick(cpu: Int, now: Int64) {
    if let cur = context.current(PCPUID(cpu)) { unitAccounting(cur.index, cpu: cpu, now: now) }
    runqSort(cpu)
    context.armTimer(ticker[cpu], at: now + tickPeriodNs)
  }

  /// `csched_unit_acct`: the tick found `v` running on `cpu`.
  func unitAccounting(_ v: Int, cpu: Int, now: Int64) {
    // Found running at a tick: it consumes "a non-negligible amount of CPU", so BOOST ends.
    if pri[v] == Self.priBoost && !holdsReservation(v) {
      setPri(v, Self.priUnder, now: now)
      stats[.boostsEndedByTick] += 1
    }
    if accurateDebit {
      burnCredits(v, now: now)
    } else {
      credit[v] -= creditsPerTslice / Self.ticksPerTslice
    }
    if !active[v] {
      accountingStart(v, now: now)
    } else {
      // Active a while: would it be better off elsewhere (an idler with idler neighbours)?
      let target = cpuPick(v, commit: false)
      if target != cpu {
        stats[.tickMigrations] += 1
        context.requestMigration(VCPUID(v))
      }
    }
  }

  /// `__csched_unit_acct_start`: the vCPU (and its domain) join the accounting, at the head of
  /// their lists.
  func accountingStart(_ v: Int, now: Int64) {
    guard !active[v] else { return }
    let d = unitDomain[v]
    active[v] = true
    domainActiveUnits[d].insert(Int32(v), at: 0)
    totalWeight += domainWeight[d]
    if !activeDomains.contains(d) { activeDomains.insert(d, at: 0) }
    stats[.becameActive] += 1
    activations[v] += 1
  }

  /// `__csched_unit_acct_stop_locked`.
  func accountingStop(_ v: Int) {
    let d = unitDomain[v]
    active[v] = false
    domainActiveUnits[d].removeAll { $0 == Int32(v) }
    totalWeight -= domainWeight[d]
    if domainActiveUnits[d].isEmpty { activeDomains.removeAll { $0 == d } }
    stats[.becameInactive] += 1
    deactivations[v] += 1
  }

  /// `csched_acct`: share `300 × pCPUs` credits (plus any negative balance) among active domains
  /// by weight, capped at what they can use; set UNDER/OVER; deactivate vCPUs with more than a
  /// timeslice of credit (halving it); park and unpark capped vCPUs.
  func accounting(now: Int64) {
    stats[.accountings] += 1
    let weightTotal = totalWeight
    var creditTotal = creditsPerTslice * Int64(context.pcpuCount)
    if creditBalance < 0 { creditTotal -= creditBalance }
    guard weightTotal > 0 else {
      creditBalance = 0
      return
    }
    var weightLeft = weightTotal
    var balance: Int64 = 0
    var extra = false
    var capPerUnit: Int64 = 0
    var position = 0
    while position < activeDomains.count {
      let d = activeDomains[position]
      let activeCount = Int64(domainActiveUnits[d].count)
      let weight = domainWeight[d]
      weightLeft -= weight * activeCount
      var peak = activeCount * creditsPerTslice
      if creditBalance < 0 {
        peak += (-creditBalance * weight * activeCount + (weightTotal - 1)) / weightTotal
      }
      if domainCap[d] != 0 {
        let capCredits = (domainCap[d] * creditsPerTslice + 99) / 100
        if capCredits < peak { peak = capCredits }
        capPerUnit = (capCredits + (activeCount - 1)) / activeCount
      }
      var fair = (creditTotal * weight * activeCount + (weightTotal - 1)) / weightTotal
      if fair < peak {
        extra = true
        position += 1
      } else {
        if weightLeft != 0 {
          // Give the other domains a chance at the credit this one cannot use.
          creditTotal += ((fair - peak) * weightTotal + (weightLeft - 1)) / weightLeft
        }
        if extra {
          // Keep domains with spare credit at the head of the list.
          activeDomains.remove(at: position)
          activeDomains.insert(d, at: 0)
        }
        position += 1
        fair = peak
      }
      let perUnit = (fair + (activeCount - 1)) / activeCount
      for u in domainActiveUnits[d] {
        let v = Int(u)
        credit[v] += perUnit
        if credit[v] < 0 {
          setPri(v, Self.priOver, now: now)
          if domainCap[d] != 0 && credit[v] < -capPerUnit && !parked[v] { park(v) }
          if credit[v] < -creditsPerTslice { credit[v] = -creditsPerTslice }
        } else {
          setPri(v, Self.priUnder, now: now)
          if parked[v] { unpark(v, now: now) }
          if credit[v] > creditsPerTslice {
            accountingStop(v)
            credit[v] /= 2
          }
        }
        balance += credit[v]
      }
    }
    creditBalance = balance
    runqSortEpoch += 1
  }

  /// Pause a capped vCPU that overspent (Xen: `sched_unit_pause_nosync`).
  func park(_ v: Int) {
    parked[v] = true
    stats[.capParks] += 1
    if onRunq[v] { runqRemove(v) }
    context.setParked(VCPUID(v), true)
  }

  /// Unpause it: it is woken (still flagged parked, so not boosted), then the flag is cleared.
  func unpark(_ v: Int, now: Int64) {
    context.setParked(VCPUID(v), false)
    if context.isRunnable(VCPUID(v)) { wake(VCPUID(v), now: now) }
    parked[v] = false
  }
}
