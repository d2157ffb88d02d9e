import Foundation

/// A file written as a stream of buffered chunks: memory stays at one buffer however long the trace.
/// It is written at a temporary path; the caller moves it into place when the run succeeded.
final class TraceFile {
  let path: String
  private let handle: FileHandle
  private(set) var written: Int64 = 0

  init(path: String) throws {
    self.path = path
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
      throw TraceError("\(path): cannot create the trace file")
    }
    guard let handle = FileHandle(forWritingAtPath: path) else { throw TraceError("\(path): cannot open it") }
    self.handle = handle
  }

  func write(_ buffer: ByteBuffer) {
    guard buffer.count > 0 else { return }
    handle.write(Data(buffer.contents))
    written += Int64(buffer.count)
    buffer.removeAll()
  }

  func close() { try? handle.close() }
}

/// A trace could not be written.
public struct TraceError: Error, CustomStringConvertible {
  public var description: String
  init(_ message: String) { description = message }
}
