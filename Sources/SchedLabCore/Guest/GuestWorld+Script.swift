/// Script tasks: run/sleep/timer/io steps in blocks, as rt-app describes threads.
extension GuestWorld {
  /// What a script does after moving on: compute, wait for its timer source, do I/O, or stop.
  private enum ScriptAction {
    case run(Int64)
    case wait(until: Int64)
    case io(source: Int32)
    case stop
    /// 100,000 steps without taking time: the thread is stopped.
    case stalled
  }

  /// Move a script task to its next step(s) until one needs time: a run sets work; a sleep, a timer
  /// in the future or an I/O makes it wait. A completed pass over all blocks counts one iteration.
  func advanceScript(_ t: Int) {
    let m = Int(tasks[t].metric)
    var rng = tasks[t].rng
    let now = self.now
    let (action, timerSource) = tasks[t].with(ScriptRun.self) { run -> (ScriptAction, Int32) in
      let action = GuestWorld.step(&run, rng: &rng, now: now) { iteration in
        self.workloads[m].completed += 1
        self.workloads[m].response.record(iteration)
      }
      return (action, run.timerSource)
    }
    tasks[t].rng = rng
    switch action {
    case .run(let work):
      tasks[t].remaining = work
    case .wait(let time):
      armOneShot(Int(timerSource), at: time)
    case .io(let source):
      deliverInterrupt(Int(source), stamp: now)
    case .stop:
      tasks[t].remaining = 0
    case .stalled:
      tasks[t].remaining = 0
      host.warn("a script thread made no progress in 100000 steps and was stopped")
    }
  }

  /// Walk `run` forward from its current step; `iterationDone` gets the duration of each completed
  /// pass over the blocks.
  private static func step(
    _ run: inout ScriptRun, rng: inout Xoshiro256, now: Int64, iterationDone: (Int64) -> Void
  ) -> ScriptAction {
    guard let thread = run.thread, !thread.blocks.isEmpty else { return .stop }
    func draw(_ lo: Int64, _ hi: Int64) -> Int64 { hi > lo ? lo + rng.below(hi - lo + 1) : lo }
    for _ in 0..<100_000 {
      run.stepIndex += 1
      if run.stepIndex >= thread.blocks[run.blockIndex].steps.count {
        run.stepIndex = 0
        run.blockRepeat += 1
        if run.blockRepeat >= thread.blocks[run.blockIndex].loops {
          run.blockRepeat = 0
          run.blockIndex += 1
          if run.blockIndex >= thread.blocks.count {
            run.blockIndex = 0
            run.outerDone += 1
            iterationDone(now - run.iterationStart)
            run.iterationStart = now
            if thread.loops >= 0 && run.outerDone >= thread.loops {
              run.thread = nil  // done for good
              return .stop
            }
          }
        }
        if thread.blocks[run.blockIndex].steps.isEmpty { continue }
      }
      switch thread.blocks[run.blockIndex].steps[run.stepIndex] {
      case .run(let lo, let hi):
        let work = draw(lo, hi)
        if work > 0 { return .run(work) }
      case .sleep(let lo, let hi):
        let pause = draw(lo, hi)
        if pause > 0 { return .wait(until: now + pause) }
      case .timer(let period, let absolute):
        var target: Int64
        if absolute {
          let k = (now - run.timerStart) / period + 1
          target = run.timerStart + k * period
        } else {
          target = (run.timerLast < 0 ? now : run.timerLast) + period
          if target < now { target = now }
        }
        run.timerLast = target
        if target > now { return .wait(until: target) }
      case .io:
        guard run.ioSource >= 0 else { continue }
        return .io(source: run.ioSource)
      }
    }
    // A script whose steps never take time would spin forever: stop it.
    run.thread = nil
    return .stalled
  }
}
