// swift-tools-version: 6.1
// The coverage-guided fuzzer of the scenario loader and the rt-app importer (libFuzzer). Kept out of
// the main package so that a plain `swift build` never needs the fuzzer runtime. Build and run:
//   swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
//   Fuzz/.build/debug/ScenarioFuzz -max_total_time=60 -timeout=1 CORPUS_DIR
// (`Fuzz/run` does both, seeded with the shipped scenarios.)
import PackageDescription

let package = Package(
  name: "SchedLabFuzz",
  dependencies: [.package(name: "SchedLab", path: "..")],
  targets: [
    .executableTarget(
      name: "ScenarioFuzz",
      dependencies: [.product(name: "SchedLabScenario", package: "SchedLab")]
    )
  ]
)
