import SwitchyardIO

/// The clock and timers an ``UpstreamCall`` runs on: the worker's ``EventLoop``, or a manual clock in tests.
protocol CallScheduler: AnyObject {
    /// Monotonic nanoseconds.
    var now: UInt64 { get }
    /// Runs `body` once, `nanoseconds` from now.
    @discardableResult
    func schedule(afterNanoseconds nanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerID
    /// Cancels a timer; harmless when it already ran.
    func cancel(_ timer: TimerID)
    /// Runs `body` after the current batch of events (never re-entrantly from inside a callback).
    func afterCurrentIteration(_ body: @escaping () -> Void)
}

extension EventLoop: CallScheduler {}
