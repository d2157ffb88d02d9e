/// The narrow view of the host that the guest world drives, the mirror of ``SchedContext``: the
/// clock, whether a vCPU is runnable, the guest's hypercalls (block, yield), wake-ups, notifications
/// for guest-aware policies, and the two kinds of events a guest arms (its progress, its interrupt
/// sources). Nothing else of the engine is reachable from the guest.
@usableFromInline struct HostPort {
  /// The engine, held without reference counting: it owns the guest world that holds this port.
  /// Unset only while the engine is being built (before the world is attached to it).
  @usableFromInline var handle: Unmanaged<Engine>?

  init() {}
  init(_ engine: Engine) { handle = .passUnretained(engine) }

  @inline(__always) func with<T>(_ body: (Engine) -> T) -> T { handle.unsafelyUnwrapped._withUnsafeGuaranteedRef(body) }

  @inline(__always) var now: Int64 { with { $0.now } }
  /// Whether the vCPU is runnable (it wants a pCPU), whether or not it holds one.
  @inline(__always) func isRunnable(_ v: Int) -> Bool { with { $0.runnable[v] } }

  /// A blocked vCPU becomes runnable (`vcpu_unblock`).
  @inline(__always) func wake(_ v: Int, cause: WakeCause) { with { $0.wake(v, cause: cause) } }
  /// The running vCPU blocks (`SCHEDOP_block`).
  @inline(__always) func block(_ v: Int) { with { $0.block(v) } }
  /// The running vCPU yields (`SCHEDOP_yield`).
  @inline(__always) func yield(_ v: Int) { with { $0.yieldVCPU(v) } }

  /// Tell a guest-aware policy what the guest just did.
  @inline(__always) func notify(_ note: GuestNotification, vcpu v: Int) {
    with { engine in engine.guestAware?.guestNotification(note, vcpu: VCPUID(v), now: engine.now) }
  }
  /// An interrupt reached the vCPU (trace bus).
  @inline(__always) func interruptDelivered(vcpu v: Int, source: Int) {
    with { $0.emit(.interrupt(vcpu: VCPUID(v), source: source)) }
  }

  /// A periodic job finished (trace bus).
  @inline(__always) func jobCompleted(vcpu v: Int, domain d: Int, workload w: Int, release: Int64, deadline: Int64) {
    with {
      $0.emit(
        .jobCompleted(
          vcpu: VCPUID(v), domain: DomainID(d), workload: w, release: release, deadlineNs: deadline))
    }
  }

  /// Queue the progress event of vCPU `v`'s guest, or source `s`'s next interrupt; `token` is the
  /// generation that keeps the event live.
  @inline(__always) func armProgress(_ v: Int, at time: Int64, token: UInt32) {
    with { $0.queue.push(time: time, kind: .guestProgress, target: Int32(v), token: token) }
  }
  @inline(__always) func armSource(_ s: Int, at time: Int64, token: UInt32) {
    with { $0.queue.push(time: time, kind: .source, target: Int32(s), token: token) }
  }

  func warn(_ message: String) { with { $0.warn(message) } }
}
