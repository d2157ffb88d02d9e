import SchedLabScenario

/// libFuzzer's entry point: one input per call. The first byte chooses the parser (even: scenario
/// YAML, odd: rt-app JSON); the rest is the text. Whatever the bytes, the parser must return a
/// scenario or throw exactly one `ScenarioError` whose message is a single line: a crash, a trap,
/// a hang (libFuzzer's -timeout) or a multi-line message is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  guard size > 0 else { return 0 }
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
  do {
    if bytes[0] % 2 == 0 {
      let scenario = try ScenarioLoader.parse(text, path: "fuzz.yaml")
      precondition(scenario.simulation.durationNs > 0 && !scenario.simulation.domains.isEmpty)
    } else {
      _ = try RTAppImporter.parse(text, file: "fuzz.json")
    }
  } catch {
    let line = error.description
    precondition(!line.contains("\n"), "a multi-line error: \(line.prefix(300))")
    precondition(line.utf8.count < 2_000, "an error of \(line.utf8.count) bytes")
  }
  return 0
}

/// libFuzzer's driver, run from the executable's entry point (SwiftPM names it `ScenarioFuzz_main`
/// and aliases `main` to it, so libFuzzer's own `main` is not linked).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("ScenarioFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
  var count = argc
  var arguments = argv
  return runFuzzerDriver(&count, &arguments) { data, size in
    guard let data else { return 0 }
    return fuzz(data, size)
  }
}
