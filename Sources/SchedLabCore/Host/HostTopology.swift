/// The host: `sockets × cores × threads` pCPUs, numbered socket-major, then core, then thread, so
/// that SMT siblings are adjacent as on most x86 hosts. One NUMA node per socket.
public struct HostTopology: Hashable, Sendable {
  public let sockets: Int
  public let coresPerSocket: Int
  public let threadsPerCore: Int

  public init(sockets: Int, coresPerSocket: Int, threadsPerCore: Int) {
    precondition(sockets > 0 && coresPerSocket > 0 && threadsPerCore > 0)
    precondition(sockets * coresPerSocket * threadsPerCore <= CPUMask.capacity)
    self.sockets = sockets
    self.coresPerSocket = coresPerSocket
    self.threadsPerCore = threadsPerCore
  }

  public var pcpuCount: Int { sockets * coresPerSocket * threadsPerCore }
  public var coreCount: Int { sockets * coresPerSocket }
  public var allPCPUs: CPUMask { CPUMask.first(pcpuCount) }

  /// Global core index of a pCPU.
  @inlinable public func core(of cpu: PCPUID) -> Int { cpu.index / threadsPerCore }
  @inlinable public func socket(of cpu: PCPUID) -> Int { cpu.index / (threadsPerCore * coresPerSocket) }
  /// NUMA node of a pCPU (one node per socket).
  @inlinable public func node(of cpu: PCPUID) -> Int { socket(of: cpu) }

  /// The SMT siblings of `cpu`, itself included.
  public func siblings(of cpu: PCPUID) -> CPUMask {
    let base = core(of: cpu) * threadsPerCore
    var mask = CPUMask()
    for t in 0..<threadsPerCore { mask.insert(PCPUID(base + t)) }
    return mask
  }

  public var description: String { "\(sockets)x\(coresPerSocket)x\(threadsPerCore)" }
}
