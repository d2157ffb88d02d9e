/// A user error in a scenario file or its command line: where it is and what is wrong. The CLI prints
/// it as one line, `file:line: key: message`, and exits with status 2.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
  public var file: String
  /// 1-based line, or nil when the error is not tied to a line (a missing file).
  public var line: Int?
  /// Dotted path of the offending key (`domains[1].weight`), or empty.
  public var key: String
  public var message: String

  public init(file: String, line: Int?, key: String, message: String) {
    self.file = file
    self.line = line
    self.key = key
    self.message = message
  }

  public var description: String {
    var text = file
    if let line { text += ":\(line)" }
    text += ": "
    if !key.isEmpty { text += "\(key): " }
    return text + message
  }
}
