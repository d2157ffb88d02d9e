// swift-tools-version: 6.1
// The engine's regression baseline, with ordo-one/benchmark: a package of its own so that the main
// build and `swift test` never pay for it. Run from this folder:
//   swift package benchmark                          # measure
//   swift package benchmark baseline check main      # compare with the committed baseline
// See README.md here.
import PackageDescription

let package = Package(
  name: "SchedLabBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "SchedLab", path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "EngineBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "SchedLabCore", package: "SchedLab"),
        .product(name: "SchedLabPolicies", package: "SchedLab"),
      ],
      path: "Benchmarks/EngineBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
  ]
)
