import DequeModule

/// One guest task: what every kind shares (its vCPU, class, metric, the CPU work left in its current
/// burst, job or request, its random stream and guest hints), and what only its kind has
/// (``TaskBehaviour``). The task is ready when `remaining` is positive.
@usableFromInline struct GuestTask: Sendable {
  @usableFromInline var vcpu: Int32
  @usableFromInline var realtime: Bool
  /// Index of the workload's metrics record.
  @usableFromInline var metric: Int32
  @usableFromInline var remaining: Int64 = 0
  @usableFromInline var rng: Xoshiro256
  /// Set `dont_desched` while a job or critical section is in progress; yield when it ends.
  @usableFromInline var dontDesched = false
  @usableFromInline var deboostYield = false
  @usableFromInline var behaviour: TaskBehaviour

  init(_ behaviour: TaskBehaviour, vcpu: Int32, realtime: Bool, metric: Int32, rng: Xoshiro256) {
    self.behaviour = behaviour
    self.vcpu = vcpu
    self.realtime = realtime
    self.metric = metric
    self.rng = rng
  }

  @inlinable var ready: Bool { remaining > 0 }

  /// Where a spinlock task is in its loop (nil: not a spinlock task). The tag is tested first, so
  /// other tasks cost a byte compare, not a copy of the enum.
  @inline(__always) var lockPhase: LockPhase? {
    guard case .spinlock = behaviour else { return nil }
    guard case .spinlock(let loop) = behaviour else { return nil }
    return loop.phase
  }

  /// Mutate the state of the task's kind (which must be `S`'s) in place. The enum gives up its
  /// payload for the call, so a queue in it is uniquely referenced and grows without a copy.
  @inline(__always) mutating func with<S: TaskState, R>(_: S.Type, _ body: (inout S) -> R) -> R {
    var taken = TaskBehaviour.burner
    swap(&taken, &behaviour)
    guard var state = S.extract(taken) else { preconditionFailure("task of another kind than \(S.self)") }
    _ = consume taken
    defer { behaviour = state.behaviour }
    return body(&state)
  }

  /// The state of the task's kind, if it is `S` (a copy, for reading).
  @inline(__always) func state<S: TaskState>(_: S.Type) -> S? { S.extract(behaviour) }
}

/// The state one kind of task carries in ``TaskBehaviour``.
@usableFromInline protocol TaskState: Sendable {
  static func extract(_ behaviour: TaskBehaviour) -> Self?
  var behaviour: TaskBehaviour { get }
}

/// What a task does, with the state only that kind needs.
@usableFromInline enum TaskBehaviour: Sendable {
  /// Always ready: its work is refilled whenever it runs out.
  case burner
  /// Open-loop work added by its source's handler.
  case demand
  case periodic(PeriodicJobs)
  case server(RequestServer)
  case phases(PhaseCycle)
  case spinlock(LockLoop)
  case script(ScriptRun)
}

/// Jobs released by a periodic source: one in service, the others waiting.
@usableFromInline struct PeriodicJobs: Sendable {
  var serviceNs: Int64
  var deadlineNs: Int64
  /// Release time of the job in service.
  var currentStamp: Int64 = 0
  /// Jobs waiting behind it: their release times.
  var waiting = Deque<Int64>(minimumCapacity: 4)
  /// A pipeline stage: a finished job goes on to this source, stamped with its release (-1: the job
  /// is complete here and counted).
  var next: Int32 = -1
}

/// Requests served one at a time, in arrival order.
@usableFromInline struct RequestServer: Sendable {
  var service: ServiceTime
  /// Arrival time of the request in service.
  var currentStamp: Int64 = 0
  var waiting = Deque<Int64>(minimumCapacity: 4)
  /// Served requests go back through this backend source (-1: completed here).
  var replySource: Int32 = -1
}

/// A closed-loop cycle of run/block/yield steps.
@usableFromInline struct PhaseCycle: Sendable {
  var steps: [Phase]
  var index = -1
  /// The one-shot timer source the task sleeps on.
  var timerSource: Int32 = -1
}

/// Where a spinlock task is in its loop.
@usableFromInline enum LockPhase: UInt8, Sendable {
  case outside, spinning, inside
}

/// Compute outside the lock, ask for it (spinning while another vCPU holds it), hold it, release it.
@usableFromInline struct LockLoop: Sendable {
  /// The lock, shared by the domain's instances of the workload.
  var lock: Int32
  var phase: LockPhase = .outside
  var outsideNs: Int64
  var insideNs: Int64
  /// Whether the critical section masks interrupts.
  var irqsOff: Bool
  /// When the lock was last asked for.
  var requestedAt: Int64 = 0
}

/// A script thread and where it is: block, repetition, step, outer loop, its timers, the start of
/// the current iteration, and the sources it sleeps on and does I/O through.
@usableFromInline struct ScriptRun: Sendable {
  /// nil once the thread has finished all its loops.
  var thread: ScriptThread?
  var blockIndex = 0
  var blockRepeat = 0
  var stepIndex = -1
  var outerDone = 0
  var timerStart: Int64 = 0
  var timerLast: Int64 = -1
  var iterationStart: Int64 = 0
  var timerSource: Int32 = -1
  var ioSource: Int32 = -1
}

extension PeriodicJobs: TaskState {
  @usableFromInline static func extract(_ b: TaskBehaviour) -> Self? { if case .periodic(let s) = b { s } else { nil } }
  @usableFromInline var behaviour: TaskBehaviour { .periodic(self) }
}

extension RequestServer: TaskState {
  @usableFromInline static func extract(_ b: TaskBehaviour) -> Self? { if case .server(let s) = b { s } else { nil } }
  @usableFromInline var behaviour: TaskBehaviour { .server(self) }
}

extension PhaseCycle: TaskState {
  @usableFromInline static func extract(_ b: TaskBehaviour) -> Self? { if case .phases(let s) = b { s } else { nil } }
  @usableFromInline var behaviour: TaskBehaviour { .phases(self) }
}

extension LockLoop: TaskState {
  @usableFromInline static func extract(_ b: TaskBehaviour) -> Self? { if case .spinlock(let s) = b { s } else { nil } }
  @usableFromInline var behaviour: TaskBehaviour { .spinlock(self) }
}

extension ScriptRun: TaskState {
  @usableFromInline static func extract(_ b: TaskBehaviour) -> Self? { if case .script(let s) = b { s } else { nil } }
  @usableFromInline var behaviour: TaskBehaviour { .script(self) }
}
