import Foundation

/// A report destination (`-o`, `--junit`), checked before anything is simulated and written so that
/// nothing is ever clobbered or half-written:
/// - it must be a regular file or not exist yet: a directory, a device (`/dev/null`), a FIFO or a
///   socket is refused; so is a symbolic link unless `--force` is given (then its target is written,
///   if that is a regular file);
/// - it may not be one of the command's input files;
/// - its directory must exist and be writable, and an existing file must be writable;
/// - the text goes to a temporary file in the same directory, which then replaces the destination
///   (a rename: readers see the old file or the new one), keeping an existing file's permissions.
struct OutputFile {
  let path: String
  /// Where the bytes land: the path itself, or a symbolic link's target with `--force`.
  let target: String

  init(_ path: String, inputs: [String], force: Bool) throws {
    self.path = path
    let fm = FileManager.default
    var target = path
    if let kind = try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType, kind == .typeSymbolicLink {
      guard force else {
        throw CLIError(message: "\(path): is a symbolic link; refusing to replace it (--force writes its target)")
      }
      target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
    self.target = target
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: target, isDirectory: &isDirectory) {
      if isDirectory.boolValue { throw CLIError(message: "\(path): is a directory; give a file name for the output") }
      let kind = (try? fm.attributesOfItem(atPath: target)[.type] as? FileAttributeType) ?? .typeUnknown
      guard kind == .typeRegular else {
        throw CLIError(message: "\(path): is not a regular file (a device, FIFO or socket); refusing to replace it")
      }
      guard fm.isWritableFile(atPath: target) else { throw CLIError(message: "\(path): is not writable") }
    }
    let resolved = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath().path
    for input in inputs where URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path == resolved
    {
      throw CLIError(message: "\(path): is an input of this command; refusing to overwrite it")
    }
    let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
    guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CLIError(message: "\(path): the directory \(directory) does not exist")
    }
    guard fm.isWritableFile(atPath: directory) else {
      throw CLIError(message: "\(path): cannot write in \(directory) (permission denied)")
    }
  }

  /// Where the bytes are written before they replace the destination (same directory).
  var temporary: String {
    let url = URL(fileURLWithPath: target)
    return url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).schedlab-\(ProcessInfo.processInfo.processIdentifier)"
    ).path
  }

  /// Write `text` through a temporary file and a rename, keeping an existing file's permissions.
  func write(_ text: String) throws {
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    } catch {
      discard()
      throw CLIError(message: "\(path): cannot write the output (\(error.localizedDescription))")
    }
    try commit()
  }

  /// Move the finished temporary file into place, keeping an existing file's permissions.
  func commit() throws {
    let fm = FileManager.default
    let permissions = (try? fm.attributesOfItem(atPath: target)[.posixPermissions]) as? NSNumber
    if let permissions { try? fm.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary) }
    guard rename(temporary, target) == 0 else {
      let reason = String(cString: strerror(errno))
      discard()
      throw CLIError(message: "\(path): cannot replace the file (\(reason))")
    }
  }

  /// Remove the temporary file (a failed run leaves the destination as it was).
  func discard() { try? FileManager.default.removeItem(atPath: temporary) }
}
