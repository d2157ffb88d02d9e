import ArgumentParser
import Foundation
import SchedLabCore
import SchedLabScenario

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Load and check scenario files without running them: exit 0 if all are valid, 2 at the first error.",
    discussion: """
      Every check `run` makes before simulating is made here, and a valid file is summarised on one line.

      Examples:
        schedlab validate scenarios/suite
        schedlab validate my-host.yaml other.yaml
      """)

  @Argument(help: "Scenario file(s) or directories.")
  var paths: [String]

  func run() throws {
    for file in try scenarioFiles(paths) {
      let s = try ScenarioLoader.load(path: file)
      let sim = s.simulation
      let t = sim.topology
      let workloads = sim.domains.reduce(0) { $0 + $1.workloads.count }
      print(
        "ok \(file): \(s.name), \(s.scheduler), \(t.pcpuCount) pCPUs (\(t.description), host model "
          + "\(sim.hostModel.name)), \(sim.domains.count) domains, \(sim.totalVCPUs) vCPUs, \(workloads) workloads, "
          + "\(Nanos.format(sim.durationNs)), \(s.expectations.count) expectations")
    }
  }
}
