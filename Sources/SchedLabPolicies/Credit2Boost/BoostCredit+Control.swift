import SchedLabCore

/// The control interface (interpretation 7), modelled on hypercalls.
extension BoostCredit {
  /// The operations, as scenarios write them (the loader checks calls against these).
  static let controlOps: [ControlOpSpec] = [
    ControlOpSpec(
      "set_boost",
      arguments: [
        ControlArgumentSpec("ratio", .fraction), ControlArgumentSpec("interval", .duration),
        ControlArgumentSpec("max_credit", .duration),
      ], doc: "boost ratio, interval and maximum boost credit of the target domain; dom0 only"),
    ControlOpSpec("get_boost", doc: "read the target's boost parameters; dom0, or a domain for itself"),
    ControlOpSpec("get_counters", doc: "read the target's boost counters; dom0, or a domain for itself"),
    ControlOpSpec(
      "set_weight", arguments: [ControlArgumentSpec("weight", .integer(1...65535))], requiresArgument: true,
      doc: "the proposal's weight call; dom0 only"),
  ]

  func handleControl(_ call: ControlCall, now: Int64) -> ControlOutcome {
    let privileged = context.isControlDomain(call.caller)
    let own = call.caller == call.target
    func refuse(_ why: String) -> ControlOutcome {
      boostStats[.refusedControlCalls] += 1
      refusedByCaller[call.caller.index] += 1
      return .permissionDenied(why)
    }
    let d = call.target.index
    let vcpus = context.vcpus(of: call.target)
    switch call.op {
    case "set_boost":
      guard privileged else { return refuse("only dom0 may set boost parameters") }
      let ratio = call.argument("ratio_permille")
      let interval = call.argument("interval_ns")
      let maxCredit = call.argument("max_credit_ns")
      if let ratio, !(0...1000).contains(ratio) { return .invalid("ratio must be 0...100%") }
      if let interval, !(Nanos.us(10)...Nanos.s(1)).contains(interval) {
        return .invalid("interval must be 10us...1s")
      }
      if let maxCredit, !(0...Credit2Constants.creditInit).contains(maxCredit) {
        return .invalid("max_credit must be 0...10ms")
      }
      for v in vcpus {
        if let ratio { ratioPermille[v] = ratio }
        if let interval { intervalNs[v] = interval }
      }
      if let maxCredit { maxBoostCredit[d] = maxCredit }
      return .ok([])
    case "get_boost":
      guard privileged || own else { return refuse("a guest may read only its own boost parameters") }
      return .ok([
        ControlArgument("ratio_permille", ratioPermille[vcpus.lowerBound]),
        ControlArgument("interval_ns", intervalNs[vcpus.lowerBound]),
        ControlArgument("max_credit_ns", maxBoostCredit[d]),
      ])
    case "get_counters":
      guard privileged || own else { return refuse("a guest may read only its own counters") }
      var total = Counters<BoostVCPUCounter>()
      for v in vcpus { total.add(vcpuStats[v]) }
      return .ok(total.reported.map { ControlArgument($0.name, $0.value) })
    case "set_weight":
      guard privileged else { return refuse("only dom0 may set weights") }
      guard let weight = call.argument("weight") else { return .invalid("set_weight needs weight") }
      do {
        try s.adjust(call.target, weight: Int(weight), capPercent: nil, now: now)
      } catch {
        return .invalid(error.message)
      }
      context.recordDomainParameters(call.target, weight: Int(weight), capPercent: nil)
      return .ok([])
    default:
      return .invalid("credit2-boost has no control operation '\(call.op)'")
    }
  }
}
