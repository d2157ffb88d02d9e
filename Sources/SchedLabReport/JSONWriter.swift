import SchedLabCore

/// A minimal streaming JSON writer with a fixed key order and deterministic numbers.
struct JSONWriter {
  private(set) var text = ""
  private var needsComma: [Bool] = [false]
  private let indentUnit = "  "

  private mutating func prefix(_ key: String?) {
    if needsComma[needsComma.count - 1] { text += "," }
    needsComma[needsComma.count - 1] = true
    text += "\n" + String(repeating: indentUnit, count: needsComma.count - 1)
    if let key { text += JSONWriter.quote(key) + ": " }
  }

  mutating func open(_ key: String? = nil, array: Bool = false) {
    if text.isEmpty && key == nil {
      text = array ? "[" : "{"
    } else {
      prefix(key)
      text += array ? "[" : "{"
    }
    needsComma.append(false)
  }

  mutating func close(array: Bool = false) {
    let hadItems = needsComma.removeLast()
    if hadItems { text += "\n" + String(repeating: indentUnit, count: needsComma.count - 1) }
    text += array ? "]" : "}"
  }

  mutating func raw(_ key: String?, _ value: String) {
    prefix(key)
    text += value
  }

  mutating func string(_ key: String?, _ value: String) { raw(key, JSONWriter.quote(value)) }
  mutating func int(_ key: String?, _ value: Int64) { raw(key, String(value)) }
  mutating func int(_ key: String?, _ value: Int) { raw(key, String(value)) }
  mutating func double(_ key: String?, _ value: Double, digits: Int = 6) { raw(key, Format.fixed(value, digits)) }
  mutating func bool(_ key: String?, _ value: Bool) { raw(key, value ? "true" : "false") }
  mutating func null(_ key: String?) { raw(key, "null") }

  static func quote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
