import SchedLabCore
import SchedLabEvaluation
import SchedLabPolicies
import SchedLabScenario
import SchedLabSearch
import Testing

/// `schedlab search`: draws, properties, shrinking, determinism, and planted bugs found.
@Suite struct SearchTests {
  @Test func drawsAreReproducibleAndInsideTheSpace() throws {
    let space = SearchSpace.standard
    for i in 0..<50 {
      let draw = space.draw(seed: 7, index: i)
      #expect(draw == space.draw(seed: 7, index: i))
      #expect(space.domains.contains(draw.domains.count))
      #expect(space.cores.contains(draw.cores))
      #expect(draw.domains.allSatisfy { space.vcpus.contains($0.vcpus) && space.weights.contains($0.weight) })
      // Every draw is a valid scenario file.
      _ = try ScenarioLoader.parse(draw.yaml(name: "d\(i)", scheduler: "credit2", expectations: []), path: "d.yaml")
    }
    #expect(space.draw(seed: 7, index: 0) != space.draw(seed: 8, index: 0))
  }

  /// A space file: its values replace the default's; a wrong key or value is one line at its place.
  @Test func spaceFilesAreReadAndCheckedAtTheirLine() throws {
    let shipped = try SearchSpace.load(path: packageRoot + "/spaces/two-sockets.yaml")
    #expect(shipped.sockets == 1...2 && shipped.threads == [1, 2] && shipped.models == ["ideal", "realistic"])
    #expect(shipped.durations == [Nanos.s(2), Nanos.s(3)])
    for i in 0..<20 {
      let draw = shipped.draw(seed: 1, index: i)
      #expect(draw.pcpus <= 16)
      _ = try ScenarioLoader.parse(draw.yaml(name: "d", scheduler: "credit2", expectations: []), path: "d.yaml")
    }
    func error(_ text: String) -> String {
      do {
        _ = try SearchSpace.parse(text, path: "space.yaml")
        return ""
      } catch { return error.description }
    }
    #expect(
      error("cores: [1, 4]\nworkloads: [burner, flute]\n").hasPrefix("space.yaml:2: workloads: 'flute' is not one of"))
    #expect(error("cores: [4, 1]\n") == "space.yaml:1: cores: 4 is above 1")
    #expect(error("sockets: [1, 2]\ncolors: [red]\n").hasPrefix("space.yaml:2: colors: unknown key"))
  }

  func search(_ policy: PolicyDescriptor, runs: Int = 60, jobs: Int = 1) throws -> Search.Outcome {
    var options = Search.Options(policy: policy, properties: [.fairness], runs: runs)
    options.jobs = jobs
    return try Search.run(options)
  }

  /// A planted bug: credit2 that ignores weights. Found, shrunk to at most 3 domains on 4 pCPUs, and
  /// the shrunk file passes under the real credit2 (the fault is the policy's, not the scenario's).
  @Test func aWeightBlindCredit2IsFoundAndShrunk() throws {
    let outcome = try search(WeightBlind.weightBlind)
    let found = try #require(outcome.counterexamples.first)
    #expect(found.shrunk.domains.count <= 3 && found.shrunk.pcpus <= 4)
    #expect(found.shrunk.size <= found.original.size)
    #expect(Set(found.shrunk.domains.map(\.weight)).count > 1, "weights that differ are what it needs")
    let file = try ScenarioLoader.parse(found.file, path: "found.yaml")
    let blind = try Checker.check([file], options: .init(policy: WeightBlind.weightBlind))
    #expect(blind.contains { $0.verdict == .fail })
    let real = try Checker.check([file], options: .init(policy: PolicyRegistry.lookup("credit2")!))
    #expect(real.allSatisfy { $0.verdict == .pass }, "\(real.map(\.message))")
  }

  /// credit1's failure class of the 2009 mail: a demand-limited VM short of its share. The shrunk file
  /// fails under credit and passes under credit2.
  @Test func creditsFairnessFailureIsFoundAndKept() throws {
    let found = try #require(try search(PolicyRegistry.lookup("credit")!).counterexamples.first)
    #expect(found.shrunk.domains.count <= 3 && found.shrunk.pcpus <= 4)
    let file = try ScenarioLoader.parse(found.file, path: "found.yaml")
    #expect(try Checker.check([file], options: .init()).contains { $0.verdict == .fail })
    let credit2 = try Checker.check([file], options: .init(policy: PolicyRegistry.lookup("credit2")!))
    #expect(credit2.allSatisfy { $0.verdict == .pass }, "\(credit2.map(\.message))")
    #expect(found.file.hasPrefix("# Found by schedlab search --scheduler credit --seed 1"))
  }

  /// The same search with one worker or two finds the same draw and shrinks it to the same file.
  @Test func workersDoNotChangeWhatIsFound() throws {
    let one = try search(WeightBlind.weightBlind, jobs: 1).counterexamples.map(\.file)
    let two = try search(WeightBlind.weightBlind, jobs: 2).counterexamples.map(\.file)
    #expect(!one.isEmpty && one == two)
  }
}
