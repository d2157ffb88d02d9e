import DequeModule

/// The guest kernel model that runs inside each vCPU.
///
/// - Interrupt handlers run first, one at a time, with interrupts masked; each has a cost in CPU
///   time. An interrupt's effect on the guest (a request queued, a job released, a task woken)
///   happens when its handler returns.
/// - Guest tasks are real-time or normal. The guest runs the first ready real-time task, else the
///   normal tasks in round-robin with a guest tick (default 4 ms) when more than one is ready.
/// - With nothing to do the vCPU blocks (Xen: `SCHEDOP_block`) and wakes on an interrupt; guest
///   timers are interrupts too (Xen delivers `VIRQ_TIMER` as an event).
/// - Work advances only while the vCPU holds a pCPU, so a job's latency is host delay plus guest
///   delay.
@usableFromInline struct GuestKernel: Sendable {
  @usableFromInline var vcpu: Int32
  @usableFromInline var firstTask: Int32
  @usableFromInline var taskCount: Int32
  /// Interrupts delivered and not yet handled, oldest first (the head is being handled if
  /// `inHandler`).
  @usableFromInline var pending: Deque<PendingIRQ>
  @usableFromInline var inHandler = false
  @usableFromInline var handlerRemaining: Int64 = 0
  /// The task being run, or -1.
  @usableFromInline var activeTask: Int32 = -1
  /// Time from which the current activity is charged (may lie ahead of now by a context-switch cost).
  @usableFromInline var activityStart: Int64 = 0
  @usableFromInline var onCPU = false
  @usableFromInline var progressGen: UInt32 = 0
  /// CPU time the active normal task has had in its current guest round-robin slice.
  @usableFromInline var sliceUsed: Int64 = 0
  /// Next normal task to consider, for round-robin.
  @usableFromInline var rrCursor: Int32 = 0
  /// Guest hints the policy may read.
  @usableFromInline var irqsMasked = false
  @usableFromInline var dontDesched = false
  /// Interrupts masked by a critical section (not by a handler): pending handlers wait.
  @usableFromInline var sectionMasked = false
  /// Speed of the guest's progress, per mille of full speed (below 1000 while an SMT sibling of
  /// its pCPU is busy, on a host model with SMT contention).
  @usableFromInline var speedPermille: Int64 = 1000
  /// Work below one ns carried between charges at reduced speed (in thousandths of a ns).
  @usableFromInline var speedResidue: Int64 = 0

  init(vcpu: Int32, firstTask: Int32, taskCount: Int32) {
    self.vcpu = vcpu
    self.firstTask = firstTask
    self.taskCount = taskCount
    self.pending = Deque(minimumCapacity: 16)
  }
}

@usableFromInline struct PendingIRQ: Sendable {
  @usableFromInline var source: Int32
  /// When the interrupt was raised (request arrival, job release).
  @usableFromInline var stamp: Int64
}

/// What a handler does to the guest when it returns.
@usableFromInline enum IRQAction: UInt8, Sendable {
  /// Nothing but its cost (a device interrupt).
  case none
  /// Add `amount` of work to the task (open-loop demand).
  case releaseWork
  /// Release a periodic job stamped with the interrupt time.
  case releaseJob
  /// Queue a request stamped with its arrival time.
  case request
  /// Wake the task from its sleep (guest timer, I/O reply).
  case wakeTask
  /// Pass the interrupt on to source `next` (a backend forwarding to its guest).
  case forward
  /// A reply reached the backend: the request that started at the stamp is complete.
  case complete
  /// A stream batch was acknowledged: count it and send the next batch (source `next`).
  case repeatStream
  /// A later stage of a pipeline: release a job of the task, keeping the first stage's stamp (the
  /// job was counted when the pipeline released it).
  case releaseStage
  /// The last hop of a pipeline: the job released at the stamp is done; late if past `amount` (its
  /// relative deadline).
  case completeJob
}

/// A source of interrupts for one vCPU: a device, or a guest timer.
@usableFromInline struct IRQSource: Sendable {
  @usableFromInline var vcpu: Int32
  @usableFromInline var task: Int32
  @usableFromInline var action: IRQAction
  @usableFromInline var handlerNs: Int64
  /// nil: one-shot (re-armed by the guest).
  @usableFromInline var arrival: ArrivalProcess?
  @usableFromInline var amount: Int64 = 0
  /// For `forward` and `repeatStream`: the source to fire next.
  @usableFromInline var next: Int32 = -1
  /// Start of the current period, for jittered arrivals.
  @usableFromInline var periodStart: Int64 = 0
  @usableFromInline var gen: UInt32 = 0
  @usableFromInline var metric: Int32
  @usableFromInline var rng: Xoshiro256
}
