import SchedLabCore
public import SchedLabEvaluation

/// `schedlab check` output: a table of verdicts, the failures spelled out, and JUnit XML for CI.
public enum CheckReport {
  public static func table(_ results: [CheckResult], seeds: String) -> String {
    var rows = [["scenario", "expectation", "measured", "bound", "where (worst)", "verdict"]]
    for r in results {
      rows.append([
        r.scenario, r.expectation.name, r.measuredText, r.expectation.boundText, r.whereText, r.verdict.rawValue,
      ])
    }
    var out = Format.table(rows) + "\n"
    let count = { (v: Verdict) in results.filter { $0.verdict == v }.count }
    let bad = results.filter { $0.verdict.isFailure }
    if !bad.isEmpty {
      out += "\n"
      for r in bad {
        let why = r.verdict == .xpass ? " (marked xfail for \(r.scheduler): drop the mark)" : ""
        out += "\(r.verdict.rawValue): \(r.message)\(why)\n"
      }
    }
    let scheduler = Set(results.map(\.scheduler)).sorted().joined(separator: ",")
    let models = Set(results.map(\.hostModel)).sorted().joined(separator: "+")
    out +=
      "\n\(results.count) expectation\(results.count == 1 ? "" : "s"), \(seeds), scheduler \(scheduler.isEmpty ? "-" : scheduler)"
      + (models.isEmpty ? "" : ", host model \(models)") + ": "
    out += "\(count(.pass)) passed, \(count(.xfail)) failed as expected, \(count(.fail)) failed, "
    out += "\(count(.xpass)) passed unexpectedly\n"
    return out
  }

  /// JUnit XML: one testsuite per scenario, one testcase per expectation. XFAIL is reported as
  /// skipped (with why), FAIL and XPASS as failures.
  public static func junit(_ results: [CheckResult]) -> String {
    var scenarios: [String] = []
    var byScenario: [String: [CheckResult]] = [:]
    for r in results {
      let key = r.file + "\u{0}" + r.scenario
      if byScenario[key] == nil { scenarios.append(key) }
      byScenario[key, default: []].append(r)
    }
    let failures = results.filter { $0.verdict.isFailure }.count
    let skipped = results.filter { $0.verdict == .xfail }.count
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<testsuites name=\"schedlab check\" tests=\"\(results.count)\" failures=\"\(failures)\""
    out += " errors=\"0\" skipped=\"\(skipped)\">\n"
    for key in scenarios {
      let rs = byScenario[key]!
      let name = rs[0].scenario
      out += "  <testsuite name=\"\(xml(name))\" tests=\"\(rs.count)\""
      out += " failures=\"\(rs.filter { $0.verdict.isFailure }.count)\" errors=\"0\""
      out += " skipped=\"\(rs.filter { $0.verdict == .xfail }.count)\">\n"
      for r in rs {
        out += "    <testcase classname=\"\(xml(r.file))\" name=\"\(xml(r.expectation.name))\">\n"
        let detail = xml(r.message)
        switch r.verdict {
        case .pass:
          out += "      <system-out>\(detail)</system-out>\n"
        case .xfail:
          let why = r.expectation.why.map { ": " + $0 } ?? ""
          out +=
            "      <skipped message=\"expected to fail under \(xml(r.scheduler))\(xml(why))\">\(detail)</skipped>\n"
        case .fail:
          out += "      <failure message=\"\(detail)\" type=\"FAIL\">\(detail)</failure>\n"
        case .xpass:
          out += "      <failure message=\"unexpectedly passed: \(detail)\" type=\"XPASS\">\(detail)</failure>\n"
        }
        out += "    </testcase>\n"
      }
      out += "  </testsuite>\n"
    }
    out += "</testsuites>\n"
    return out
  }

  /// Escape text for XML attribute values and character data.
  static func xml(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" { out += "?" } else { out.unicodeScalars.append(c) }
      }
    }
    return out
  }
}
