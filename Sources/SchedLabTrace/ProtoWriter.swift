/// A growable byte buffer behind a pointer: the trace writers append to it a few bytes at a time, and
/// a class with an unsafe buffer costs no uniqueness or exclusivity check per byte (an `[UInt8]` in a
/// writer's stored property did, for a third of a traced run's time).
final class ByteBuffer {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(64, capacity)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  @inline(__always) private func reserve(_ more: Int) {
    guard count + more > capacity else { return }
    var grown = capacity * 2
    while count + more > grown { grown *= 2 }
    let new = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
    new.update(from: base, count: count)
    base.deallocate()
    base = new
    capacity = grown
  }

  /// A 32-bit word, little-endian.
  @inline(__always) func word(_ w: UInt32) {
    reserve(4)
    base[count] = UInt8(truncatingIfNeeded: w)
    base[count + 1] = UInt8(truncatingIfNeeded: w >> 8)
    base[count + 2] = UInt8(truncatingIfNeeded: w >> 16)
    base[count + 3] = UInt8(truncatingIfNeeded: w >> 24)
    count += 4
  }

  func bytes(_ source: UnsafeRawBufferPointer) {
    reserve(source.count)
    if let from = source.baseAddress {
      (base + count).update(from: from.assumingMemoryBound(to: UInt8.self), count: source.count)
    }
    count += source.count
  }

  func append(_ other: ByteBuffer) { bytes(UnsafeRawBufferPointer(start: other.base, count: other.count)) }

  func set(_ b: UInt8, at index: Int) { base[index] = b }

  /// A protobuf varint (at most 10 bytes: one capacity check).
  @inline(__always) func varint(_ value: UInt64) {
    reserve(10)
    var v = value
    var at = count
    while v >= 0x80 {
      base[at] = UInt8(truncatingIfNeeded: v) | 0x80
      v >>= 7
      at += 1
    }
    base[at] = UInt8(v)
    count = at + 1
  }

  func removeAll() { count = 0 }

  var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

/// A minimal protocol-buffers encoder for the trace writers: varints, length-delimited fields and
/// nested messages, appended to one growing buffer. A nested message reserves four bytes for its
/// length and fills them in when it closes, as a redundant (padded) varint — valid protobuf, and
/// what Perfetto's own protozero writer does — so nothing is copied or allocated per message.
final class ProtoWriter {
  let buffer: ByteBuffer
  /// Where each open message's length goes (a fixed stack: messages nest a few levels deep).
  private let open = UnsafeMutablePointer<Int>.allocate(capacity: ProtoWriter.maxDepth)
  private var depth = 0
  static let maxDepth = 16

  init(capacity: Int = 1 << 16) { buffer = ByteBuffer(capacity: capacity) }

  deinit { open.deallocate() }

  var count: Int { buffer.count }
  func removeAll() { buffer.removeAll() }

  @inline(__always) private func varint(_ value: UInt64) { buffer.varint(value) }

  @inline(__always) private func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

  /// An integer field (int32, int64, uint32, uint64, bool, enum): varint, two's complement.
  func int(_ field: Int, _ value: Int64) {
    key(field, 0)
    varint(UInt64(bitPattern: value))
  }

  func uint(_ field: Int, _ value: UInt64) {
    key(field, 0)
    varint(value)
  }

  func string(_ field: Int, _ value: String) {
    key(field, 2)
    var text = value
    text.withUTF8 { utf8 in
      varint(UInt64(utf8.count))
      buffer.bytes(UnsafeRawBufferPointer(utf8))
    }
  }

  /// A string field written from two parts (a name built without an intermediate string).
  func string(_ field: Int, _ first: String, _ second: String) {
    key(field, 2)
    var a = first
    var b = second
    a.withUTF8 { x in
      b.withUTF8 { y in
        varint(UInt64(x.count + y.count))
        buffer.bytes(UnsafeRawBufferPointer(x))
        buffer.bytes(UnsafeRawBufferPointer(y))
      }
    }
  }

  /// Open a nested message in `field`; close it with ``end()``.
  func begin(_ field: Int) {
    precondition(depth < Self.maxDepth, "protobuf messages nested too deep")
    key(field, 2)
    open[depth] = buffer.count
    depth += 1
    buffer.word(0x0080_8080)  // 0x80 0x80 0x80 0x00, filled in by end()
  }

  /// Close the innermost message: its length as a 4-byte varint (at most 2^28 − 1 bytes).
  func end() {
    depth -= 1
    let at = open[depth]
    let length = buffer.count - at - 4
    precondition(length < 1 << 28, "a protobuf message over 256 MB")
    buffer.set(UInt8(length & 0x7f) | 0x80, at: at)
    buffer.set(UInt8((length >> 7) & 0x7f) | 0x80, at: at + 1)
    buffer.set(UInt8((length >> 14) & 0x7f) | 0x80, at: at + 2)
    buffer.set(UInt8((length >> 21) & 0x7f), at: at + 3)
  }

  /// Append already-encoded fields (a message body built in another writer).
  func append(_ other: ProtoWriter) { buffer.append(other.buffer) }
}
