import SchedLabCore

/// Per-pCPU runqueues, wake-up, tickling and the pCPU picker.
extension CreditScheduler {
  /// `__runq_insert`: after every unit of equal or higher priority; a yielding unit goes behind
  /// one more lower-priority (non-idle) unit if there is one.
  func runqInsertRaw(_ v: Int) {
    let cpu = context.processor(VCPUID(v)).index
    var position = 0
    let queue = runq[cpu]
    while position < queue.count && pri[v] <= pri[Int(queue[position])] { position += 1 }
    if yieldFlag[v] && position < queue.count { position += 1 }
    runq[cpu].insert(Int32(v), at: position)
    onRunq[v] = true
  }

  /// `runq_insert`: also counts the unit as runnable on its pCPU.
  func runqInsert(_ v: Int) {
    runqInsertRaw(v)
    nrRunnable[context.processor(VCPUID(v)).index] += 1
  }

  /// `__runq_remove`: dequeuing a unit also clears its YIELD flag (Xen clears it "when scheduling
  /// back in", so a yielder keeps the flag, and is not stolen, while it waits).
  func runqRemoveRaw(_ v: Int, cpu: Int) {
    if let i = runq[cpu].firstIndex(of: Int32(v)) { runq[cpu].remove(at: i) }
    onRunq[v] = false
    yieldFlag[v] = false
  }

  func runqRemove(_ v: Int) {
    let cpu = context.processor(VCPUID(v)).index
    nrRunnable[cpu] -= 1
    runqRemoveRaw(v, cpu: cpu)
  }

  /// `csched_runq_sort`: once per accounting epoch, move UNDER (or better) units ahead of OVER
  /// ones, keeping their order.
  func runqSort(_ cpu: Int) {
    guard runqSortLast[cpu] != runqSortEpoch else { return }
    runqSortLast[cpu] = runqSortEpoch
    let queue = runq[cpu]
    let under = queue.filter { pri[Int($0)] >= Self.priUnder }
    if under.count == queue.count || under.isEmpty { return }
    runq[cpu] = under + queue.filter { pri[Int($0)] < Self.priUnder }
  }

  /// `csched_unit_wake`: an UNDER vCPU waking from a block (not from a migration, not unparking)
  /// is BOOSTed; queue it and tickle.
  public func wake(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.isRunning(vcpu) || onRunq[v] { return }
    let migrating = migratingFlag[v]
    migratingFlag[v] = false
    if reservationWakeBoost(v, now: now) {
      // credit-bcs: boost credit left, BOOST whatever the credit.
    } else if !migrating && pri[v] == Self.priUnder && !parked[v] {
      setPri(v, Self.priBoost, now: now)
      stats[.boosts] += 1
      boosts[v] += 1
    }
    runqInsert(v)
    runqTickle(v)
  }

  public func sleep(_ vcpu: VCPUID, now: Int64) {
    if context.isRunning(vcpu) {
      context.tickle(context.processor(vcpu))
    } else if onRunq[vcpu.index] {
      runqRemove(vcpu.index)
    }
  }

  public func yield(_ vcpu: VCPUID, now: Int64) { yieldFlag[vcpu.index] = true }

  @inline(__always) func priority(ofCurrentOn cpu: Int) -> Int8 {
    context.current(PCPUID(cpu)).map { pri[$0.index] } ?? Self.priIdle
  }

  /// `__runq_tickle`: run the new vCPU on its own pCPU if that is idle (or nobody is idle and it
  /// outranks the current one); otherwise wake an idle pCPU it may use.
  func runqTickle(_ v: Int) {
    let unit = VCPUID(v)
    let cpu = context.processor(unit).index
    let curPri = priority(ofCurrentOn: cpu)
    var mask = CPUMask()
    if pinned[v] && idlers.contains(PCPUID(cpu)) {
      mask.insert(PCPUID(cpu))
    } else if curPri == Self.priIdle || (idlers.isEmpty && pri[v] > curPri) {
      mask.insert(PCPUID(cpu))
    } else if !idlers.isEmpty {
      let newIdlers = context.hardAffinity(of: unit).intersection(idlers)
      if newIdlers.isEmpty && pri[v] > curPri {
        // Xen would kick the current vCPU away if *new's* hard affinity met an idler, which the
        // branch condition has just ruled out: with no soft affinity, nobody is kicked away.
        mask.insert(PCPUID(cpu))
      } else if !newIdlers.isEmpty {
        if tickleOneIdle {
          lastTickleCPU = newIdlers.cycle(after: PCPUID(lastTickleCPU))!.index
          mask.insert(PCPUID(lastTickleCPU))
        } else {
          mask = newIdlers
        }
      }
    }
    var cursor = mask.first
    while let target = cursor {
      idlers.remove(target)
      stats[.tickles] += 1
      context.tickle(target)
      cursor = mask.next(atOrAfter: target.index + 1)
    }
  }

  /// `csched_res_pick`: the migration that follows will not boost the vCPU.
  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    migratingFlag[vcpu.index] = true
    return PCPUID(cpuPick(vcpu.index, commit: true))
  }

  /// `_csched_cpu_pick`: the vCPU's own pCPU if allowed (counted idle if it is the only runnable
  /// work there), else an idle pCPU, moving towards the idlest core (SMT siblings) or socket
  /// (which must be twice as idle).
  func cpuPick(_ v: Int, commit: Bool) -> Int {
    let topo = context.topology
    let own = context.processor(VCPUID(v))
    var cpus = context.hardAffinity(of: VCPUID(v))
    var cpu = cpus.contains(own) ? own : cpus.cycle(after: own)!
    var idle = idlers
    if own == cpu && runq[cpu.index].isEmpty { idle.insert(cpu) }
    cpus = cpus.intersection(idle)
    if !cpus.contains(cpu) && !cpus.isEmpty { cpu = cpus.cycle(after: cpu)! }
    cpus.remove(cpu)
    var chosenPeer = -1
    while !cpus.isEmpty {
      let next = cpus.cycle(after: cpu)!
      let sameSocket = topo.socket(of: cpu) == topo.socket(of: next)
      let factor = sameSocket ? 1 : 2
      let cpuIdlers = idle.intersection(sameSocket ? topo.siblings(of: cpu) : socketMask(topo.socket(of: cpu)))
      var nextIdlers = idle.intersection(sameSocket ? topo.siblings(of: next) : socketMask(topo.socket(of: next)))
      let moves =
        smtPowerSavings ? cpuIdlers.count > nextIdlers.count : cpuIdlers.count * factor < nextIdlers.count
      if moves {
        nextIdlers = nextIdlers.intersection(cpus)
        chosenPeer = next.index
        cpu = nextIdlers.cycle(after: PCPUID(idleBias[next.index]))!
        cpus = cpus.subtracting(topo.siblings(of: cpu))
      } else {
        cpus = cpus.subtracting(nextIdlers)
      }
    }
    if commit && chosenPeer >= 0 { idleBias[chosenPeer] = cpu.index }
    return cpu.index
  }

  func socketMask(_ socket: Int) -> CPUMask {
    let perSocket = context.topology.coresPerSocket * context.topology.threadsPerCore
    var mask = CPUMask()
    for i in (socket * perSocket)..<((socket + 1) * perSocket) { mask.insert(PCPUID(i)) }
    return mask
  }
}
