/// Script tasks: run/sleep/timer/io steps in blocks, as rt-app describes threads.
extension Engine {
  /// Move a script task to its next step(s) until one needs time: a run sets work; a sleep, a timer
  /// in the future or an I/O makes it wait. A completed pass over all blocks counts one iteration.
  func advanceScript(_ t: Int) {
    guard let thread = tasks[t].script, !thread.blocks.isEmpty else { return }
    var guardSteps = 0
    while guardSteps < 100_000 {
      guardSteps += 1
      tasks[t].stepIndex += 1
      if tasks[t].stepIndex >= thread.blocks[tasks[t].blockIndex].steps.count {
        tasks[t].stepIndex = 0
        tasks[t].blockRepeat += 1
        if tasks[t].blockRepeat >= thread.blocks[tasks[t].blockIndex].loops {
          tasks[t].blockRepeat = 0
          tasks[t].blockIndex += 1
          if tasks[t].blockIndex >= thread.blocks.count {
            tasks[t].blockIndex = 0
            finishIteration(t)
            if thread.loops >= 0 && tasks[t].outerDone >= thread.loops {
              tasks[t].remaining = 0
              tasks[t].script = nil  // done for good
              return
            }
          }
        }
        if thread.blocks[tasks[t].blockIndex].steps.isEmpty { continue }
      }
      switch thread.blocks[tasks[t].blockIndex].steps[tasks[t].stepIndex] {
      case .run(let lo, let hi):
        tasks[t].remaining = draw(t, lo, hi)
        if tasks[t].remaining > 0 { return }
      case .sleep(let lo, let hi):
        let pause = draw(t, lo, hi)
        if pause > 0 {
          armOneShot(Int(tasks[t].timerSource), at: now + pause)
          return
        }
      case .timer(let period, let absolute):
        var target: Int64
        if absolute {
          let k = (now - tasks[t].timerStart) / period + 1
          target = tasks[t].timerStart + k * period
        } else {
          target = (tasks[t].timerLast < 0 ? now : tasks[t].timerLast) + period
          if target < now { target = now }
        }
        tasks[t].timerLast = target
        if target > now {
          armOneShot(Int(tasks[t].timerSource), at: target)
          return
        }
      case .io:
        guard tasks[t].ioSource >= 0 else { continue }
        deliverInterrupt(Int(tasks[t].ioSource), stamp: now)
        return
      }
    }
    // A script whose steps never take time would spin forever: stop it.
    tasks[t].remaining = 0
    tasks[t].script = nil
    warn("a script thread made no progress in 100000 steps and was stopped")
  }

  private func finishIteration(_ t: Int) {
    let m = Int(tasks[t].metric)
    tasks[t].outerDone += 1
    metrics.workloads[m].completed += 1
    metrics.workloads[m].response.record(now - tasks[t].iterationStart)
    tasks[t].iterationStart = now
  }

  private func draw(_ t: Int, _ lo: Int64, _ hi: Int64) -> Int64 {
    hi > lo ? lo + tasks[t].rng.below(hi - lo + 1) : lo
  }
}
