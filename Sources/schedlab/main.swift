import ArgumentParser
import Foundation
import SchedLabScenario

// Entry point: every user error is one line on stderr and exit status 2; no stack traces.
do {
  var command = try SchedLabCommand.parseAsRoot()
  try command.run()
} catch let error as ScenarioError {
  FileHandle.standardError.write(Data("schedlab: \(error)\n".utf8))
  exit(2)
} catch let error as CLIError {
  FileHandle.standardError.write(Data("schedlab: \(error.message)\n".utf8))
  exit(2)
} catch let code as ExitCode {
  // A deliberate status (e.g. `check` found failures): the report has already been printed.
  exit(code.rawValue)
} catch {
  let code = SchedLabCommand.exitCode(for: error)
  if code == .success {
    SchedLabCommand.exit(withError: error)
  }
  let message = SchedLabCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
  FileHandle.standardError.write(Data("schedlab: \(message) (see schedlab --help)\n".utf8))
  exit(2)
}
