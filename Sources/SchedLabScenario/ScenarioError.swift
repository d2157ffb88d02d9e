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

  /// One line, always: control characters that a quoted value may carry are escaped, and an
  /// overlong message (a value pasted from a huge file) is cut.
  public var description: String {
    var text = file
    if let line { text += ":\(line)" }
    text += ": "
    if !key.isEmpty { text += "\(Self.oneLine(key, limit: 200)): " }
    return text + Self.oneLine(message, limit: 600)
  }

  static func oneLine(_ text: String, limit: Int) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .lineSeparator
          || scalar.properties.generalCategory == .paragraphSeparator
        {
          out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
      if out.count > limit { return String(out.prefix(limit)) + "..." }
    }
    return out
  }
}
