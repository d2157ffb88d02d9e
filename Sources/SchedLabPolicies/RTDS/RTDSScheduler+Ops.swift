import SchedLabCore

/// The scheduling ops: insert, schedule, wake, sleep, context saved, pick, and the control calls.
extension RTDSScheduler {
  /// `rt_unit_insert`: place it (`rt_res_pick`), start its first period at time 0; it is blocked,
  /// so it joins no queue yet.
  public func insert(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    context.setProcessor(vcpu, pickResource(vcpu, now: now))
    if now >= curDeadline[v] { updateDeadline(v, now: now) }
    if queue[v] == .none && context.isRunnable(vcpu) {
      replqInsert(v)
      if !context.isRunning(vcpu) { runqInsert(v) }
    }
  }

  /// `rt_res_pick`: its own pCPU if allowed, else the next allowed one after it.
  public func pickResource(_ vcpu: VCPUID, now: Int64) -> PCPUID {
    let allowed = context.hardAffinity(of: vcpu)
    let own = context.processor(vcpu)
    return allowed.contains(own) ? own : allowed.cycle(after: own)!
  }

  /// `rt_schedule`.
  public func schedule(on pcpu: PCPUID, now: Int64) -> ScheduleDecision {
    tickled.remove(pcpu)
    let scurr = context.current(pcpu)?.index ?? -1
    if scurr >= 0 { burnBudget(scurr, now: now) }
    var snext = -1
    while true {
      guard let i = runq.firstIndex(where: { context.hardAffinity(of: VCPUID($0)).contains(pcpu) }) else { break }
      let candidate = runq[i]
      // Xen's ASSERT in runq_pick: nothing on the runqueue is without budget.
      precondition(curBudget[candidate] > 0, "rtds: v\(candidate) is on the runqueue without budget")
      if context.isRunnable(VCPUID(candidate)) {
        snext = candidate
        break
      }
      qRemove(candidate)
      replqRemove(candidate)
    }
    if scurr >= 0 && context.isRunnable(VCPUID(scurr)) && curBudget[scurr] > 0
      && (snext < 0 || compare(scurr, snext) > 0)
    {
      snext = scurr
    }
    if snext != scurr && scurr >= 0 && context.isRunnable(VCPUID(scurr)) { delayedRunqAdd[scurr] = true }
    guard snext >= 0 else { return .idle }
    lastStart[snext] = now
    if snext != scurr {
      qRemove(snext)
      scheduled[snext] = true
    }
    if context.processor(VCPUID(snext)) != pcpu { context.setProcessor(VCPUID(snext), pcpu) }
    return ScheduleDecision(next: VCPUID(snext), runtimeNs: curBudget[snext])
  }

  /// `rt_unit_wake`.
  public func wake(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.current(context.processor(vcpu)) == vcpu || queue[v] != .none { return }
    let missed = now >= curDeadline[v]
    if missed { updateDeadline(v, now: now) }
    if scheduled[v] {
      // Not switched off yet: requeued when its context is saved.
      delayedRunqAdd[v] = true
      if missed && onReplq[v] { replqReinsert(v) }
      return
    }
    replqInsert(v)
    runqInsert(v)
    tickle(for: v)
  }

  /// `rt_unit_sleep`.
  public func sleep(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    if context.current(context.processor(vcpu)) == vcpu {
      context.tickle(context.processor(vcpu))
    } else if queue[v] != .none {
      qRemove(v)
      replqRemove(v)
    } else if delayedRunqAdd[v] {
      delayedRunqAdd[v] = false
    }
  }

  /// `rt_context_saved`: requeue a unit switched out while runnable; a blocked one leaves the
  /// replenishment queue (its budget is kept; a missed deadline is caught up on wake).
  public func contextSaved(_ vcpu: VCPUID, now: Int64) {
    let v = vcpu.index
    scheduled[v] = false
    if delayedRunqAdd[v] && context.guestWantsToRun(vcpu) {
      delayedRunqAdd[v] = false
      runqInsert(v)
      tickle(for: v)
    } else {
      delayedRunqAdd[v] = false
      replqRemove(v)
    }
  }

  // MARK: Control calls (`rt_dom_cntl`)

  public func control(_ call: ControlCall, now: Int64) -> ControlOutcome {
    let privileged = context.isControlDomain(call.caller)
    let vcpus = context.vcpus(of: call.target)
    switch call.op {
    case "rtds_set":
      guard privileged else { return .permissionDenied("only dom0 may set RTDS parameters") }
      let server = requestedServer(call, from: vcpus.lowerBound)
      if let reason = server.refusal { return .invalid(reason) }
      for v in vcpus {
        periodNs[v] = server.periodNs
        budgetNs[v] = server.budgetNs
      }
      return .ok([])
    case "rtds_set_vcpu":
      guard privileged else { return .permissionDenied("only dom0 may set RTDS parameters") }
      guard let index = call.argument("vcpu"), index < vcpus.count else {
        return .invalid("vcpu is missing or not a vCPU of the target")
      }
      let v = vcpus.lowerBound + Int(index)
      let server = requestedServer(call, from: v)
      if let reason = server.refusal { return .invalid(reason) }
      periodNs[v] = server.periodNs
      budgetNs[v] = server.budgetNs
      if let flag = call.argument("extratime") { setExtratime(v, flag == 1) }
      return .ok([])
    case "rtds_get_vcpu":
      guard privileged || call.caller == call.target else {
        return .permissionDenied("a guest may read only its own RTDS parameters")
      }
      guard let index = call.argument("vcpu"), index < vcpus.count else {
        return .invalid("vcpu is missing or not a vCPU of the target")
      }
      let v = vcpus.lowerBound + Int(index)
      return .ok([
        ControlArgument("period_ns", periodNs[v]), ControlArgument("budget_ns", budgetNs[v]),
        ControlArgument("extratime", extratime[v] ? 1 : 0), ControlArgument("cur_budget_ns", curBudget[v]),
        ControlArgument("cur_deadline_ns", curDeadline[v]),
        ControlArgument("priority_level", Int64(level[v])), ControlArgument("depleted", depleted[v] ? 1 : 0),
      ])
    default:
      return .invalid("rtds has no control operation '\(call.op)'")
    }
  }

  /// The period and budget a call asks for, in whole µs as the hypercall carries them (unit `v`'s
  /// own for what it leaves out), and why `rt_validate_params` refuses them, if it does.
  func requestedServer(_ call: ControlCall, from v: Int) -> (periodNs: Int64, budgetNs: Int64, refusal: String?) {
    let periodUs = (call.argument("period_ns") ?? periodNs[v]) / 1000
    let budgetUs = (call.argument("budget_ns") ?? budgetNs[v]) / 1000
    return (Nanos.us(periodUs), Nanos.us(budgetUs), Self.validate(periodUs: periodUs, budgetUs: budgetUs))
  }

  /// Turn extratime on or off. Turning it on for a depleted unit does what `burn_budget` would have
  /// done had the flag been set when its budget ran out (one level down, a fresh budget, not
  /// depleted) and moves it from the depleted queue to the runqueue: Xen's fix for a unit put on the
  /// runqueue with no budget.
  func setExtratime(_ v: Int, _ on: Bool) {
    if on && !extratime[v] && curBudget[v] <= 0 {
      level[v] = Self.demoted(level[v])
      curBudget[v] = budgetNs[v]
      depleted[v] = false
      extratime[v] = true
      if queue[v] != .none {
        qRemove(v)
        runqInsert(v)
      }
    }
    extratime[v] = on
  }
}
