// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "SchedLab",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "schedlab", targets: ["schedlab"]),
    .library(name: "SchedLabCore", targets: ["SchedLabCore"]),
    .library(name: "SchedLabPolicies", targets: ["SchedLabPolicies"]),
    .library(name: "SchedLabScenario", targets: ["SchedLabScenario"]),
    .library(name: "SchedLabEvaluation", targets: ["SchedLabEvaluation"]),
    .library(name: "SchedLabReport", targets: ["SchedLabReport"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
  ],
  targets: [
    // Mechanism: time, IDs, RNG, event queue, host, guest model, engine, policy protocol, metrics.
    .target(
      name: "SchedLabCore",
      dependencies: [.product(name: "DequeModule", package: "swift-collections")]
    ),
    // Policies: one folder per scheduler, seeing only Core's public API.
    .target(name: "SchedLabPolicies", dependencies: ["SchedLabCore"]),
    // Scenario files: YAML decoding and validation with file:line errors.
    .target(
      name: "SchedLabScenario",
      dependencies: ["SchedLabCore", "SchedLabPolicies", .product(name: "Yams", package: "Yams")]
    ),
    // Evaluation: ideal-share oracle and the run driver that turns a scenario into results.
    .target(name: "SchedLabEvaluation", dependencies: ["SchedLabCore", "SchedLabPolicies", "SchedLabScenario"]),
    // Search: generated scenarios judged against generic properties, failures shrunk.
    .target(
      name: "SchedLabSearch",
      dependencies: ["SchedLabCore", "SchedLabPolicies", "SchedLabScenario", "SchedLabEvaluation"]),
    // Timelines: Perfetto and xentrace writers, fed by the engine's trace bus.
    .target(name: "SchedLabTrace", dependencies: ["SchedLabCore"]),
    // Reports: table, JSON and CSV writers.
    .target(name: "SchedLabReport", dependencies: ["SchedLabCore", "SchedLabEvaluation"]),
    .executableTarget(
      name: "schedlab",
      dependencies: [
        "SchedLabCore", "SchedLabPolicies", "SchedLabScenario", "SchedLabEvaluation", "SchedLabReport",
        "SchedLabTrace", "SchedLabSearch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "SchedLabTestSupport",
      dependencies: ["SchedLabCore", "SchedLabPolicies", "SchedLabScenario", "SchedLabEvaluation"],
      path: "Tests/SchedLabTestSupport"
    ),
    .testTarget(
      name: "SchedLabTests",
      dependencies: [
        "SchedLabCore", "SchedLabPolicies", "SchedLabScenario", "SchedLabEvaluation", "SchedLabReport",
        "SchedLabSearch", "SchedLabTestSupport",
        // The reference that SparseHistogram's percentiles are checked against.
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]
    ),
  ]
)

for target in package.targets {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  // The engine and the policies are single-threaded array code on the hot path; dynamic
  // exclusivity checks cost about a third of the run time there. Release builds only.
  if ["SchedLabCore", "SchedLabPolicies"].contains(target.name) {
    settings.append(.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)))
  }
  target.swiftSettings = settings
}
