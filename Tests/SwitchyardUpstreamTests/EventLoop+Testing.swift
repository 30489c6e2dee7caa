import SwitchyardIO

extension EventLoop {
    /// Runs the loop until something stops it; false if the safety net (`seconds`) had to. The net only keeps a
    /// broken test from hanging: tests assert on what happened, never on how long it took.
    func runUntilStopped(safetyNetSeconds seconds: Double = 10) -> Bool {
        var timedOut = false
        let net = schedule(afterNanoseconds: MonotonicClock.nanoseconds(seconds)) { [unowned self] in
            timedOut = true
            stop()
        }
        run()
        cancel(net)
        return !timedOut
    }

    /// A closure any thread may call to stop this loop (through its waker).
    var stopFromAnyThread: @Sendable () -> Void {
        let loop = UncheckedLoop(loop: self)
        return { [waker] in waker.execute { loop.loop.stop() } }
    }
}

/// Carries a loop into a closure that runs on the loop's own thread.
private struct UncheckedLoop: @unchecked Sendable {
    let loop: EventLoop
}
