import SchedLabCore

/// Credit arithmetic: burning, conversion, reset and slice length (credit2.c §§ t2c, c2t,
/// burn_credits, reset_credit, csched2_runtime).
extension Credit2Scheduler {
  /// `t2c_update`: charge `time` ns of running to unit `v`, scaled by max_weight/weight with the
  /// division remainder kept in `residual`; clamp at CREDIT_MIN.
  func timeToCredit(_ v: Int, time: Int64) {
    let rq = unitRunqueue[v]
    let w = weight(v)
    let value = time * rqMaxWeight[rq] + residual[v]
    residual[v] = value % w
    credit[v] -= value / w
    if credit[v] < Credit2Constants.creditMin { credit[v] = Credit2Constants.creditMin }
  }

  /// `c2t`: how long unit `v` runs to burn `amount` credit.
  func creditToTime(_ v: Int, amount: Int64) -> Int64 {
    amount * weight(v) / rqMaxWeight[unitRunqueue[v]]
  }

  /// `burn_credits`: charge a running unit for the time since its `start_time`.
  func burnCredits(_ v: Int, now: Int64) {
    let delta = now - startTime[v]
    guard delta > 0 else { return }
    let from = startTime[v]
    startTime[v] = now
    if boosted(v) {
      ext.burnBoostCredit(self, v, time: delta, now: now)
    } else if protectedUntil(v) > from {
      // credit2-boost: the ratelimit-protected rest of a run a boost began is paid from the bucket.
      let paid = min(now, protectedUntil(v)) - from
      if delta > paid { timeToCredit(v, time: delta - paid) }
      ext.burnBoostCredit(self, v, time: paid, now: now)
    } else {
      timeToCredit(v, time: delta)
    }
    if hasCap(v) { budget[v] -= delta }
    context.trace(PolicyTraceEvent("credit", vcpu: VCPUID(v), detail: "burn", value: credit[v]))
  }

  /// `reset_credit`: a new epoch for runqueue `rq`, started because `snext`'s pick found no
  /// runnable unit with credit left.
  func resetCredit(_ rq: Int, snext: Int, now: Int64) {
    stats[.creditResets] += 1
    context.trace(PolicyTraceEvent("credit_reset", vcpu: VCPUID(snext), detail: "runqueue \(rq)", value: Int64(rq)))
    // A unit at the floor gets a double increment, so it is back in the black (Xen computes
    // m = 1 + (-credit)/CREDIT_INIT).
    let multiplier: Int64 = credit[snext] <= Credit2Constants.creditMin ? 2 : 1
    for u in runqueues[rq].units {
      let v = Int(u)
      if context.isRunning(VCPUID(v)) {
        burnCredits(v, now: now)
        if hasCap(v) && budget[v] <= 0 { tickle(context.processor(VCPUID(v)).index) }
      }
      ext.assignCredit(self, v, increment: multiplier * Credit2Constants.creditInit, now: now)
      startTime[v] = now
      context.trace(PolicyTraceEvent("credit", vcpu: VCPUID(v), detail: "reset", value: credit[v]))
    }
  }

  /// `csched2_runtime`: the slice for `snext` on `cpu`: run until its credit would equal the best
  /// waiter's, within [min_time, MAX_TIMER], never beyond its cap budget.
  func runtime(_ snext: Int, cpu: Int, now: Int64) -> Int64 {
    if boosted(snext) { return ext.boostSlice(self, snext, now: now) }
    var minTime = Credit2Constants.minTimer
    if ratelimitNs > 0 {
      var r = ratelimitNs
      if context.isRunning(VCPUID(snext)) {
        r = context.runstateEntryTime(VCPUID(snext)) + ratelimitNs - now
      }
      minTime = max(minTime, r)
    }
    let rq = unitRunqueue[snext]
    var waiter: Int64 = 0
    if let head = runqueues[rq].runq.first, credit[Int(head)] > 0 { waiter = credit[Int(head)] }
    if inflightCredit { waiter = max(waiter, inflight[cpu]) }
    var rtCredit = credit[snext]
    if waiter > 0 { rtCredit = credit[snext] - waiter }
    var time = rtCredit > 0 ? creditToTime(snext, amount: rtCredit) : 0
    if hasCap(snext) { time = min(time, budget[snext]) }
    time = time < minTime ? minTime : min(time, Credit2Constants.maxTimer)
    if protectedUntil(snext) > now {
      // A protected run ends when its boost bucket would run out (credit2-boost).
      time = max(Nanos.us(1), min(time, creditToTime(snext, amount: boostCredit(snext))))
    }
    return time
  }

}
