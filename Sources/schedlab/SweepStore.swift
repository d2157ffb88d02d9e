import Foundation
import SchedLabCore
import SchedLabReport
import SchedLabScenario

/// A sweep's results directory: `sweep.txt` (which sweep: its spec, a fingerprint of the spec's and
/// base files' text, the number of points, the columns), `points/NNNNNN.csv` (each finished point's
/// rows, written whole or not at all), and once every point is there `results.csv` and
/// `results.jsonl`. A directory of another sweep (or of changed files) is refused, never mixed.
final class SweepStore: @unchecked Sendable {
  let directory: String
  let points: Int
  private let lock = NSLock()
  private var done: Set<Int>

  init(directory: String, sweep: SweepSpec, points: Int) throws {
    self.directory = directory
    self.points = points
    let manifest = try Self.manifest(sweep, points: points)
    let fm = FileManager.default
    let file = directory + "/sweep.txt"
    let existing = fm.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
    if let existing, existing != manifest {
      throw CLIError(
        message: "\(directory): holds results of another sweep, or of these files before they changed; give another -o")
    }
    var isDirectory: ObjCBool = false
    if existing == nil && fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw CLIError(message: "\(directory): is not a directory") }
      guard (try? fm.contentsOfDirectory(atPath: directory))?.isEmpty ?? false else {
        throw CLIError(message: "\(directory): is not empty and holds no sweep; give another -o")
      }
    }
    do {
      try fm.createDirectory(atPath: directory + "/points", withIntermediateDirectories: true)
    } catch {
      throw CLIError(message: "\(directory): cannot create it (\(error.localizedDescription))")
    }
    if existing == nil { try Self.write(manifest, to: file) }
    done = Set(Self.pointFiles(in: directory).keys)
  }

  /// What identifies a sweep: the spec's name, a fingerprint (FNV-1a) of its text and of every base
  /// file's, the number of points and the columns.
  static func manifest(_ sweep: SweepSpec, points: Int) throws -> String {
    var hash = StreamKey.hash(bytes: [])
    for path in [sweep.path] + sweep.files {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError(message: "\(path): cannot read it")
      }
      hash = StreamKey.hash(bytes: data + [0], continuing: hash)
    }
    return """
      schedlab sweep results
      sweep: \(sweep.name)
      fingerprint: \(String(hash, radix: 16))
      points: \(points)
      columns: \(SweepTable.header(sweep).joined(separator: ","))

      """
  }

  static func name(_ index: Int) -> String { String(format: "%06d.csv", index) }

  /// The point files in a directory, by point number.
  static func pointFiles(in directory: String) -> [Int: String] {
    var files: [Int: String] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/points")) ?? [] {
      guard name.hasSuffix(".csv"), let index = Int(name.dropLast(4)) else { continue }
      files[index] = directory + "/points/" + name
    }
    return files
  }

  func has(_ index: Int) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    return done.contains(index)
  }

  /// Keep a finished point's rows (a temporary file renamed into place: all or nothing).
  func write(_ index: Int, _ rows: [[String]]) {
    let text = rows.map(SweepTable.csvLine).joined()
    try? Self.write(text, to: directory + "/points/" + Self.name(index))
    lock.lock()
    done.insert(index)
    lock.unlock()
  }

  /// results.csv and results.jsonl from every point, in order.
  func assemble(header: [String]) throws {
    try Self.assemble(directory: directory, points: points, header: header, files: Self.pointFiles(in: directory))
  }

  static func assemble(directory: String, points: Int, header: [String], files: [Int: String]) throws {
    var csv = SweepTable.csvLine(header)
    var rows: [[String]] = []
    for index in 0..<points {
      guard let file = files[index], let data = FileManager.default.contents(atPath: file) else {
        throw CLIError(message: "\(directory): point \(index) has no results")
      }
      let text = String(decoding: data, as: UTF8.self)
      csv += text
      rows += CSVText.parse(text)
    }
    try write(csv, to: directory + "/results.csv")
    try write(SweepTable.jsonLines(header, rows), to: directory + "/results.jsonl")
  }

  /// `schedlab merge`: every shard must be of the same sweep; every point in exactly one of them.
  static func merge(_ directories: [String], into output: String) throws {
    guard !directories.isEmpty else { throw CLIError(message: "merge: no directories given") }
    var manifest: String?
    var owner: [Int: (directory: String, file: String)] = [:]
    for directory in directories {
      guard let data = FileManager.default.contents(atPath: directory + "/sweep.txt") else {
        throw CLIError(message: "\(directory): not a sweep's results directory (no sweep.txt)")
      }
      let text = String(decoding: data, as: UTF8.self)
      if let manifest, manifest != text {
        throw CLIError(message: "\(directory): results of another sweep than \(directories[0]) (sweep.txt differs)")
      }
      manifest = text
      for (index, file) in pointFiles(in: directory).sorted(by: { $0.key < $1.key }) {
        if let other = owner[index] {
          throw CLIError(message: "merge: point \(index) is in both \(other.directory) and \(directory)")
        }
        owner[index] = (directory, file)
      }
    }
    let lines = manifest!.split(separator: "\n")
    let points = lines.first { $0.hasPrefix("points: ") }.flatMap { Int($0.dropFirst(8)) } ?? 0
    let header =
      lines.first { $0.hasPrefix("columns: ") }.map { $0.dropFirst(9).split(separator: ",").map(String.init) } ?? []
    if let missing = (0..<points).first(where: { owner[$0] == nil }) {
      let count = (0..<points).filter { owner[$0] == nil }.count
      throw CLIError(message: "merge: point \(missing) is in none of the directories (\(count) of \(points) missing)")
    }
    let fm = FileManager.default
    if let existing = fm.contents(atPath: output + "/sweep.txt") {
      guard String(decoding: existing, as: UTF8.self) == manifest! else {
        throw CLIError(message: "\(output): holds results of another sweep; give another -o")
      }
    }
    do {
      try fm.createDirectory(atPath: output + "/points", withIntermediateDirectories: true)
      try write(manifest!, to: output + "/sweep.txt")
      for index in 0..<points {
        let target = output + "/points/" + name(index)
        if owner[index]!.file != target {
          try write(String(decoding: fm.contents(atPath: owner[index]!.file)!, as: UTF8.self), to: target)
        }
      }
    } catch let error as CLIError {
      throw error
    } catch {
      throw CLIError(message: "\(output): cannot write it (\(error.localizedDescription))")
    }
    try assemble(directory: output, points: points, header: header, files: pointFiles(in: output))
    FileHandle.standardError.write(
      Data("merged \(directories.count) directories, \(points) points: \(output)/results.csv and results.jsonl\n".utf8))
  }

  /// Write a file whole or not at all (``OutputFile``: a temporary file renamed into place).
  static func write(_ text: String, to path: String) throws {
    try OutputFile(path, inputs: [], force: false).write(text)
  }
}
