import SchedLabCore

/// Why a vCPU was boosted, or stopped being boosted.
enum BoostTrigger { case interrupt, masked, dontDesched }
enum DeboostReason { case interval, exhausted, handlerReturn, unmasked, yield }

/// Boost triggers, de-boost rules and the storm rule.
extension Credit2BoostScheduler {
  /// Boost `v` for its interval if the trigger is enabled and it has boost credit.
  func boost(_ v: Int, trigger: BoostTrigger, now: Int64) {
    guard boostEnabled, !boosted[v] else { return }
    switch trigger {
    case .interrupt: guard triggerIRQ else { return }
    case .masked: guard triggerMasked else { return }
    case .dontDesched: guard triggerDontDesched else { return }
    }
    guard boostCredit[v] > 0 else {
      vcpuStats[v].denied += 1
      return
    }
    let unit = VCPUID(v)
    if context.isRunning(unit) { burnCredits(v, now: now) }  // charge normal credit up to now
    boosted[v] = true
    boostStart[v] = now
    context.armTimer(boostTimerBase + v, at: now + intervalNs[v])
    switch trigger {
    case .interrupt: vcpuStats[v].boostsIRQ += 1
    case .masked: vcpuStats[v].boostsMasked += 1
    case .dontDesched: vcpuStats[v].boostsDontDesched += 1
    }
    if onRunq[v] {
      runqRemove(v)
      runqInsert(v)
      runqTickle(v, now: now)
    }
  }

  /// End `v`'s boost: charge the boost bucket up to now, then rank it by normal credit again.
  func deboost(_ v: Int, reason: DeboostReason, now: Int64) {
    guard boosted[v] else { return }
    let unit = VCPUID(v)
    let running = context.isRunning(unit)
    if running && reason != .exhausted { burnCredits(v, now: now) }
    boosted[v] = false
    vcpuStats[v].boostedNs += now - max(boostStart[v], boostMeasuredFrom)
    // The grace a boost gives is bounded by its interval (property 11's G): count any that ran longer.
    if now - boostStart[v] > intervalNs[v] && boostStart[v] >= boostMeasuredFrom { vcpuStats[v].overInterval += 1 }
    context.cancelTimer(boostTimerBase + v)
    switch reason {
    case .interval: vcpuStats[v].deboostInterval += 1
    case .exhausted: break
    case .handlerReturn: vcpuStats[v].deboostHandler += 1
    case .unmasked: vcpuStats[v].deboostUnmask += 1
    case .yield: vcpuStats[v].deboostYield += 1
    }
    if onRunq[v] {
      runqRemove(v)
      runqInsert(v)
    } else if running {
      // Let the pCPU reconsider: someone waiting may now outrank it (with `deboost_waives_ratelimit`,
      // even inside the ratelimit the boost's dispatch started).
      ratelimitWaived[v] = deboostWaivesRatelimit
      tickle(context.processor(unit).index)
    }
  }

  func handleNotification(_ note: GuestNotification, vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    switch note {
    case .interruptDelivered(let source):
      if stormy(source, now: now) {
        if boostEnabled && triggerIRQ { boostStats.stormInterruptsIgnored += 1 }
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

  /// About to preempt `vcpu`: boost it if its interrupts are masked (a likely lock holder) or it has
  /// `dont_desched` set.
  func handleAboutToPreempt(_ vcpu: VCPUID, now: Int64) {
    if context.interruptsMasked(vcpu) {
      boost(vcpu.index, trigger: .masked, now: now)
    } else if context.dontDesched(vcpu) {
      boost(vcpu.index, trigger: .dontDesched, now: now)
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
    if storming && !stormFlag[source] { boostStats.stormsDetected += 1 }
    stormFlag[source] = storming
    return storming
  }
}
