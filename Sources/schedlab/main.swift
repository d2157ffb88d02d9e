import ArgumentParser
import Foundation
import SchedLabScenario

// Entry point: every user error is one line on stderr and exit status 2; no stack traces.

// ArgumentParser reads a negative number after an option as another option ("Missing value"): say
// what is wrong instead. Every numeric option of schedlab is non-negative.
let arguments = CommandLine.arguments
for (i, argument) in arguments.enumerated().dropFirst() where argument.hasPrefix("--") && i + 1 < arguments.count {
  let next = arguments[i + 1]
  if next.count > 1 && next.hasPrefix("-") && next.dropFirst().first.map({ $0.isNumber || $0 == "." }) == true {
    FileHandle.standardError.write(Data("schedlab: \(argument): '\(next)' cannot be negative\n".utf8))
    exit(2)
  }
}

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
