import SchedLabCore

/// Why a vCPU was boosted, or stopped being boosted.
enum BoostTrigger { case interrupt, masked, dontDesched }
enum DeboostReason { case interval, exhausted, handlerReturn, unmasked, yield }

/// Boost triggers, de-boost rules and the storm rule.
extension BoostCredit {
  /// Boost `v` for its interval if the trigger is enabled and it has boost credit.
  func boost(_ v: Int, trigger: BoostTrigger, now: Int64) {
    guard boostEnabled, !units.boosted[v] else { return }
    switch trigger {
    case .interrupt: guard triggerIRQ else { return }
    case .masked: guard triggerMasked else { return }
    case .dontDesched: guard triggerDontDesched else { return }
    }
    guard units.credit[v] > 0 else {
      vcpuStats[v][.boostsDeniedNoCredit] += 1
      return
    }
    let unit = VCPUID(v)
    if context.isRunning(unit) { s.burnCredits(v, now: now) }  // charge normal credit up to now
    guard units.credit[v] > 0 else {  // a protected run may just have used the bucket up
      vcpuStats[v][.boostsDeniedNoCredit] += 1
      return
    }
    units.boosted[v] = true
    boostStart[v] = now
    armBoostTimer(v, now: now)
    context.trace(PolicyTraceEvent("boost", vcpu: unit, detail: "\(trigger)", value: units.credit[v]))
    switch trigger {
    case .interrupt: vcpuStats[v][.boostsIrq] += 1
    case .masked: vcpuStats[v][.boostsMasked] += 1
    case .dontDesched: vcpuStats[v][.boostsDontDesched] += 1
    }
    if s.onRunq[v] {
      s.runqRemove(v)
      s.runqInsert(v)
      s.runqTickle(v, now: now)
    }
  }

  /// Arm `v`'s boost timer for the end of its interval or, while it runs, for when its boost credit
  /// would run out, whichever comes first (interpretation 4).
  func armBoostTimer(_ v: Int, now: Int64) {
    var at = boostStart[v] + intervalNs[v]
    if context.isRunning(VCPUID(v)) { at = min(at, now + max(1, s.creditToTime(v, amount: units.credit[v]))) }
    context.armTimer(boostTimers[v], at: at)
  }

  /// End a protected run's protection (interpretation 9): the pCPU reconsiders by credit at once.
  func endProtection(_ v: Int) {
    units.protectedUntil[v] = 0
    guard context.isRunning(VCPUID(v)) else { return }
    units.ratelimitWaived[v] = true
    s.tickle(context.processor(VCPUID(v)).index)
  }

  /// End `v`'s boost: charge the boost bucket up to now, then rank it by normal credit again.
  func deboost(_ v: Int, reason: DeboostReason, now: Int64) {
    guard units.boosted[v] else { return }
    let unit = VCPUID(v)
    let running = context.isRunning(unit)
    if running && reason != .exhausted {
      s.burnCredits(v, now: now)
      // Charging may have emptied the bucket, which ended the boost already (as an exhaustion).
      guard units.boosted[v] else { return }
    }
    units.boosted[v] = false
    context.trace(PolicyTraceEvent("deboost", vcpu: unit, detail: "\(reason)", value: units.credit[v]))
    vcpuStats[v][.boostedNs] += now - max(boostStart[v], boostMeasuredFrom)
    // The grace a boost gives is bounded by its interval (property 11's G): count any that ran longer.
    if now - boostStart[v] > intervalNs[v] && boostStart[v] >= boostMeasuredFrom {
      vcpuStats[v][.boostsOverInterval] += 1
    }
    context.cancelTimer(boostTimers[v])
    switch reason {
    case .interval: vcpuStats[v][.deboostInterval] += 1
    case .exhausted: break
    case .handlerReturn: vcpuStats[v][.deboostHandlerReturn] += 1
    case .unmasked: vcpuStats[v][.deboostUnmask] += 1
    case .yield: vcpuStats[v][.deboostYield] += 1
    }
    if s.onRunq[v] {
      s.runqRemove(v)
      s.runqInsert(v)
    } else if running {
      // Let the pCPU reconsider: someone waiting may now outrank it. A run this boost began keeps
      // or loses its ratelimit protection as interpretation 9 says.
      if boostBegunRun[v] {
        switch boostedRunRatelimit {
        case .credit: break
        case .waive: units.ratelimitWaived[v] = true
        case .bucket:
          // Still protected and paid for: the pCPU reconsiders when the protection or the bucket
          // ends (the slice computed then covers both). Otherwise the protection ends now.
          if reason == .exhausted || units.credit[v] <= 0 || units.protectedUntil[v] <= now { endProtection(v) }
          return
        }
      }
      s.tickle(context.processor(unit).index)
    }
  }

  func handleNotification(_ note: GuestNotification, vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    switch note {
    case .interruptDelivered(let source):
      if stormy(source, now: now) {
        if boostEnabled && triggerIRQ { boostStats[.stormInterruptsIgnored] += 1 }
      } else {
        boost(v, trigger: .interrupt, now: now)
      }
    case .handlerReturned:
      if !context.dontDesched(vcpu) { deboost(v, reason: .handlerReturn, now: now) }
    case .interruptsUnmasked:
      if !context.dontDesched(vcpu) { deboost(v, reason: .unmasked, now: now) }
    case .interruptsMasked, .dontDeschedSet, .dontDeschedCleared:
      break
    }
  }

  /// Interpretation 5: count the source's interrupts in fixed windows; storming if the current or
  /// the previous window exceeded the threshold.
  func stormy(_ source: Int, now: Int64) -> Bool {
    while stormCount.count <= source {
      stormWindowStart.append(now)
      stormCount.append(0)
      stormPrevious.append(0)
      stormFlag.append(false)
    }
    let elapsed = now - stormWindowStart[source]
    if elapsed >= stormWindowNs {
      stormPrevious[source] = elapsed < 2 * stormWindowNs ? stormCount[source] : 0
      stormCount[source] = 0
      stormWindowStart[source] = now - elapsed % stormWindowNs
    }
    stormCount[source] += 1
    let storming = stormCount[source] > stormIRQs || stormPrevious[source] > stormIRQs
    if storming && !stormFlag[source] { boostStats[.stormsDetected] += 1 }
    stormFlag[source] = storming
    return storming
  }
}
