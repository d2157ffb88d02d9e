import SchedLabCore

/// The three queues, budget and deadline rules, tickling and the replenishment handler.
extension RTDSScheduler {
  /// Xen's `compare_unit_priority`: positive when `a` outranks `b` (lower level, or the same level
  /// and an earlier deadline), 0 on a tie. Levels are compared as numbers, never subtracted: a
  /// saturated level stays the lowest priority.
  @inline(__always) func compare(_ a: Int, _ b: Int) -> Int64 {
    if level[a] != level[b] { return level[a] < level[b] ? 1 : -1 }
    return curDeadline[b] - curDeadline[a]
  }

  /// One more level for a unit that used up its budget with extratime, saturating.
  static func demoted(_ level: UInt32) -> UInt32 { level == .max ? .max : level + 1 }

  /// `rt_update_deadline`: the first deadline after `now`, a full budget, level 0.
  func updateDeadline(_ v: Int, now: Int64) {
    let period = periodNs[v]
    if curDeadline[v] + (period << 10) > now {
      repeat { curDeadline[v] += period } while curDeadline[v] <= now
    } else {
      curDeadline[v] += ((now - curDeadline[v]) / period + 1) * period
    }
    lastStart[v] = now
    curBudget[v] = budgetNs[v]
    level[v] = 0
  }

  /// `burn_budget`: charge the run time since `last_start`.
  func burnBudget(_ v: Int, now: Int64) {
    let delta = now - lastStart[v]
    guard delta >= 0 else {
      lastStart[v] = now
      return
    }
    unitStats[v][level[v] == 0 ? .budgetNs : .extratimeNs] += delta
    curBudget[v] -= delta
    lastStart[v] = now
    if curBudget[v] <= 0 {
      if extratime[v] {
        level[v] = Self.demoted(level[v])
        curBudget[v] = budgetNs[v]
        unitStats[v][.demotions] += 1
      } else {
        curBudget[v] = 0
        depleted[v] = true
        unitStats[v][.depletions] += 1
      }
    }
  }

  /// Insert `v` into an ordered queue after every unit it does not strictly outrank; returns whether
  /// it went to the front.
  @discardableResult
  func orderedInsert(_ v: Int, into q: inout [Int]) -> Bool {
    var i = 0
    while i < q.count && compare(v, q[i]) <= 0 { i += 1 }
    q.insert(v, at: i)
    return i == 0
  }

  /// `runq_insert`: the runqueue if it has budget or extratime, else the depleted queue's front.
  func runqInsert(_ v: Int) {
    if curBudget[v] > 0 || extratime[v] {
      orderedInsert(v, into: &runq)
      queue[v] = .run
    } else {
      depletedq.insert(v, at: 0)
      queue[v] = .depleted
    }
  }

  func qRemove(_ v: Int) {
    switch queue[v] {
    case .run: runq.remove(at: runq.firstIndex(of: v)!)
    case .depleted: depletedq.remove(at: depletedq.firstIndex(of: v)!)
    case .none: preconditionFailure("rtds: v\(v) is on no queue")
    }
    queue[v] = .none
  }

  func armReplTimer() {
    if let head = replq.first {
      context.armTimer(replTimer, at: curDeadline[head])
    } else {
      context.cancelTimer(replTimer)
    }
  }

  /// `replq_insert`.
  func replqInsert(_ v: Int) {
    precondition(!onReplq[v], "rtds: v\(v) is already on the replenishment queue")
    onReplq[v] = true
    if orderedInsert(v, into: &replq) { armReplTimer() }
  }

  /// `replq_remove`.
  func replqRemove(_ v: Int) {
    guard onReplq[v] else { return }
    let i = replq.firstIndex(of: v)!
    replq.remove(at: i)
    onReplq[v] = false
    if i == 0 { armReplTimer() }
  }

  /// `replq_reinsert`: the deadline changed.
  func replqReinsert(_ v: Int) {
    let i = replq.firstIndex(of: v)!
    replq.remove(at: i)
    let front = orderedInsert(v, into: &replq)
    if i == 0 || front { armReplTimer() }
  }

  /// `runq_tickle`: an idle pCPU of the unit's affinity (its own first), else the pCPU running the
  /// lowest-priority unit if `new` beats it; pCPUs already tickled are skipped.
  func tickle(for new: Int) {
    let notTickled = context.hardAffinity(of: VCPUID(new)).subtracting(tickled)
    guard
      var cpu = notTickled.contains(context.processor(VCPUID(new)))
        ? context.processor(VCPUID(new)) : notTickled.cycle(after: context.processor(VCPUID(new)))
    else {
      stats[.tickledNoCpu] += 1
      return
    }
    var remaining = notTickled
    var lowest = -1
    while true {
      guard let running = context.current(cpu) else {
        stats[.tickledIdleCpu] += 1
        send(cpu)
        return
      }
      if lowest < 0 || compare(running.index, lowest) < 0 { lowest = running.index }
      remaining.remove(cpu)
      guard let next = remaining.cycle(after: cpu) else { break }
      cpu = next
    }
    if lowest >= 0 && compare(lowest, new) < 0 {
      stats[.tickledBusyCpu] += 1
      send(context.processor(VCPUID(lowest)))
    } else {
      stats[.tickledNoCpu] += 1
    }
  }

  private func send(_ p: PCPUID) {
    tickled.insert(p)
    context.tickle(p)
  }

  /// `repl_timer_handler`: replenish every unit whose deadline has come, requeue it, then tickle
  /// for the ones that changed the picture, and re-arm the timer.
  func replenish(now: Int64) {
    var done: [Int] = []
    while let v = replq.first, now >= curDeadline[v] {
      replq.removeFirst()
      onReplq[v] = false
      updateDeadline(v, now: now)
      stats[.replenishments] += 1
      done.insert(v, at: 0)
      if queue[v] != .none {
        qRemove(v)
        runqInsert(v)
      }
    }
    for v in done {
      if context.isRunning(VCPUID(v)) && context.current(context.processor(VCPUID(v))) == VCPUID(v),
        let head = runq.first
      {
        if compare(v, head) < 0 { tickle(for: head) }
      } else if depleted[v] {
        depleted[v] = false
        if queue[v] != .none { tickle(for: v) }
      }
      onReplq[v] = true
      orderedInsert(v, into: &replq)
    }
    armReplTimer()
  }
}
