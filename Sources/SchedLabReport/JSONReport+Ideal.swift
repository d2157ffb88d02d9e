import SchedLabCore
public import SchedLabEvaluation
public import SchedLabPolicies
public import SchedLabScenario

extension JSONReport {
  /// `schedlab ideal --format json`: the oracle's answer alone.
  ///
  /// ```
  /// format_version, schedlab_version, scenario, scheduler, weight_semantics, pcpus,
  /// domains [ {name, weight, cap, vcpus, demand, demand_source, ideal_share} ], total_ideal
  /// ```
  public static func ideal(
    _ scenario: Scenario, weights policy: PolicyDescriptor, demands: [DomainDemand], ideal: [Double], version: String
  ) -> String {
    var w = JSONWriter()
    w.open()
    w.int("format_version", formatVersion)
    w.string("schedlab_version", version)
    w.string("scenario", scenario.name)
    w.string("scheduler", policy.name)
    w.string("weight_semantics", policy.weights.rawValue)
    w.int("pcpus", scenario.simulation.topology.pcpuCount)
    w.open("domains", array: true)
    for (d, domain) in scenario.simulation.domains.enumerated() {
      w.open()
      w.string("name", domain.name)
      w.int("weight", domain.weight)
      w.int("cap", domain.capPercent)
      w.int("vcpus", domain.vcpus)
      w.double("demand", demands[d].total)
      w.string("demand_source", demands[d].source.rawValue)
      w.double("ideal_share", ideal[d])
      w.close()
    }
    w.close(array: true)
    w.double("total_ideal", ideal.reduce(0, +))
    w.close()
    return w.text
  }
}
