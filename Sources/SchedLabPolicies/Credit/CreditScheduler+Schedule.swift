import SchedLabCore

/// `csched_schedule` and work stealing.
extension CreditScheduler {
  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    let cpu = pcpu.index
    let scurr = context.current(pcpu).map(\.index) ?? -1
    var runtime: Int64 = 0
    if scurr >= 0 {
      runtime = max(0, now - context.runstateEntryTime(VCPUID(scurr)))
      burnCredits(scurr, now: now)
      chargeReservation(scurr, now: now)
      startTime[scurr] -= now  // kept as an offset while descheduled
      lastSchedTime[scurr] = now
    }
    // Ratelimit: a runnable vCPU that has run less than ratelimit continues, for the rest of it
    // (Xen's quirk: if it has run under 100 us, for 100 us).
    if scurr >= 0 && !yieldFlag[scurr] && ratelimitNs > 0 && context.isRunnable(VCPUID(scurr)) && runtime < ratelimitNs
    {
      startTime[scurr] += now
      stats[.ratelimitContinues] += 1
      let slice = runtime < Self.minTimer ? Self.minTimer : ratelimitNs - runtime
      return ScheduleDecision(next: VCPUID(scurr), runtimeNs: reservationSlice(scurr, now: now, slice: slice))
    }
    if scurr >= 0 {
      if context.isRunnable(VCPUID(scurr)) {
        runqInsertRaw(scurr)
      } else {
        nrRunnable[cpu] -= 1
        yieldFlag[scurr] = false
      }
    }
    var snext = -1
    while true {
      let head = runq[cpu].first.map(Int.init) ?? -1
      let headPri = head >= 0 ? pri[head] : Self.priIdle
      if headPri <= Self.priOver && now - lastLoadBalance[cpu] > loadBalanceRatelimitNs {
        lastLoadBalance[cpu] = now
        snext = loadBalance(cpu: cpu, head: head, headPri: headPri, now: now)
      } else {
        if head >= 0 { runqRemoveRaw(head, cpu: cpu) }
        snext = head
      }
      if snext < 0 || context.isRunnable(VCPUID(snext)) { break }
    }
    if snext < 0 {
      idlers.insert(pcpu)
    } else {
      idlers.remove(pcpu)
      startTime[snext] += now
    }
    // The credit tick stops when the pCPU goes idle and restarts on a tick boundary.
    if scurr >= 0 && snext < 0 { context.cancelTimer(ticker[cpu]) }
    if scurr < 0 && snext >= 0 { context.armTimer(ticker[cpu], at: now + tickPeriodNs - now % tickPeriodNs) }
    guard snext >= 0 else { return .idle }
    return ScheduleDecision(next: VCPUID(snext), runtimeNs: reservationSlice(snext, now: now, slice: tsliceNs))
  }

  /// `csched_load_balance`: our best is OVER or idle; look at the other busy pCPUs, our node
  /// first, for a queued vCPU of strictly higher priority that may run here and is not cache-hot.
  /// Returns it (already moved here), or our own head, dequeued.
  func loadBalance(cpu: Int, head: Int, headPri: Int8, now: Int64) -> Int {
    let topo = context.topology
    let node = topo.node(of: PCPUID(cpu))
    var peerNode = node
    repeat {
      var workers = context.topology.allPCPUs.subtracting(idlers).intersection(socketMask(peerNode))
      workers.remove(PCPUID(cpu))
      if let first = workers.cycle(after: PCPUID(balanceBias[peerNode])) {
        var peer = first
        repeat {
          if nrRunnable[peer.index] > 1, let stolen = steal(from: peer.index, to: cpu, pri: headPri, now: now) {
            balanceBias[peerNode] = peer.index
            stats[.steals] += 1
            return stolen
          }
          peer = workers.cycle(after: peer)!
        } while peer != first
      }
      peerNode = (peerNode + 1) % topo.sockets
    } while peerNode != node
    if head >= 0 { runqRemoveRaw(head, cpu: cpu) }
    return head
  }

  /// `csched_runq_steal`.
  func steal(from peer: Int, to cpu: Int, pri minimum: Int8, now: Int64) -> Int? {
    guard context.current(PCPUID(peer)) != nil else { return nil }
    for u in runq[peer] {
      let v = Int(u)
      if pri[v] <= minimum { break }
      // A unit that yielded is waiting for a reason: not stolen.
      if yieldFlag[v] || context.isRunning(VCPUID(v)) { continue }
      let hot = migrationDelayNs > 0 && now - lastSchedTime[v] < migrationDelayNs
      if !hot && context.hardAffinity(of: VCPUID(v)).contains(PCPUID(cpu)) {
        runqRemove(v)
        context.setProcessor(VCPUID(v), PCPUID(cpu))
        nrRunnable[cpu] += 1
        return v
      }
    }
    return nil
  }
}
