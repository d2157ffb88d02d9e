import Foundation
import Testing

/// RTDS against an independent real-time simulator: SimSo's global EDF (PyPI `simso==0.8.5`, with
/// its `SimPy==2.3.1`, on Python 3.11). `.ci/run` installs it in a venv and sets
/// `SCHEDLAB_REAL_TOOLS=required`; elsewhere the test runs when `.build/simso-venv` or
/// `SCHEDLAB_SIMSO_PYTHON` provides it. The comparison itself is `Tests/tools/simso_compare.py`.
extension CLITests {
  static let simsoPython: String? = {
    let candidates = [
      ProcessInfo.processInfo.environment["SCHEDLAB_SIMSO_PYTHON"], packageRoot + "/.build/simso-venv/bin/python",
    ]
    return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  /// Three generated task sets (10-14 tasks, distinct prime periods whose deadlines never tie within
  /// the run, 2-4 CPUs, U 0.5-0.9 per CPU): every job completes at the same nanosecond in both (over
  /// 500 jobs); and the comparison can fail: the same sets under credit2 differ.
  @Test(.enabled(if: simsoPython != nil || toolsRequired))
  func rtdsJobCompletionsEqualSimSosGlobalEDF() throws {
    let python = try #require(Self.simsoPython, "no Python with simso 0.8.5 (see .ci/run)")
    let script = packageRoot + "/Tests/tools/simso_compare.py"
    let same = try run(python, [script, "--schedlab", Self.binary, "--sets", "3", "--workdir", temporaryPath("simso")])
    #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
    let summary = try #require(same.stdout.split(separator: "\n").last { $0.hasPrefix("simso-compare: ") })
    #expect(summary.contains("3 task sets") && summary.contains(" 0 sets differing"), "\(summary)")
    let compared = Int(summary.split(separator: ",")[1].split(separator: " ")[0]) ?? 0
    #expect(compared > 500, "\(summary)")
    let control = try run(
      python,
      [script, "--schedlab", Self.binary, "--sets", "3", "--policy", "credit2", "--workdir", temporaryPath("simso2")])
    #expect(control.status == 1, "credit2 must differ from EDF: \(control.stdout)\(control.stderr)")
  }
}
