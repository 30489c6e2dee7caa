import CLinux
import Glibc
import Synchronization

/// Something that reacts to readiness of one file descriptor registered with an ``EventLoop``.
package protocol IOHandler: AnyObject {
    /// Called on the loop thread with the `epoll` event bits that fired (`EPOLLIN`, `EPOLLOUT`, `EPOLLHUP`, …).
    func handleIO(events: UInt32)
}

/// Readiness interest flags, spelled once so callers don't import CLinux.
package enum IOInterest {
    package static let read: UInt32 = SY_EPOLLIN | SY_EPOLLRDHUP
    package static let write: UInt32 = SY_EPOLLOUT
    package static let readWrite: UInt32 = SY_EPOLLIN | SY_EPOLLRDHUP | SY_EPOLLOUT
    package static let none: UInt32 = 0
    package static let readable: UInt32 = SY_EPOLLIN
    package static let writable: UInt32 = SY_EPOLLOUT
    package static let hangup: UInt32 = SY_EPOLLHUP | SY_EPOLLERR | SY_EPOLLRDHUP
    package static let error: UInt32 = SY_EPOLLERR
}

/// One `epoll` loop on one thread: file events, timers and thread-safe wake-ups — modelled on Redis' `ae`.
///
/// Everything except ``waker`` must be used on the thread that calls ``run()``.
package final class EventLoop {
    private let epollFD: Int32
    /// The current registration of each fd, indexed by fd.
    private var registrations: [Registration] = []
    /// Generation of the latest registration (high half of the epoll token).
    private var nextGeneration: UInt32 = 0
    private var timers = TimerHeap()
    private var afterIteration: [() -> Void] = []
    /// The callbacks being run by the loop (see ``run()``).
    private var afterIterationRunning: [() -> Void] = []
    private var iterationHooks: [() -> Void] = []
    private var stopRequested = false
    /// Thread-safe handle for running closures on this loop from other threads.
    package let waker: EventLoopWaker

    /// The loop's cached monotonic time, refreshed after every `epoll_wait`.
    package private(set) var now: UInt64

    package init() throws(IOError) {
        epollFD = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        let wakeFD = try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        waker = EventLoopWaker(fd: wakeFD)
        now = MonotonicClock.now()
        try register(wakeFD, interest: IOInterest.readable, handler: WakeHandler(waker: waker))
    }

    deinit {
        close(waker.fd)
        close(epollFD)
    }

    // MARK: file events

    /// Starts watching `fd` for `interest`; `handler` is held strongly until ``unregister(_:)``.
    ///
    /// The kernel hands back a token (the fd in the low 32 bits, this registration's generation in the high 32)
    /// rather than the bare fd, so an event queued for an fd that was closed and reused within one batch is
    /// recognised as stale and dropped instead of reaching the new owner.
    package func register(_ fd: Int32, interest: UInt32, handler: IOHandler) throws(IOError) {
        let index = Int(fd)
        if index >= registrations.count {
            registrations.append(contentsOf: repeatElement(Registration(), count: index - registrations.count + 64))
        }
        nextGeneration &+= 1
        if nextGeneration == 0 { nextGeneration = 1 }  // 0 marks "not registered"
        let token = UInt64(nextGeneration) << 32 | UInt64(UInt32(bitPattern: fd))
        var event = epoll_event()
        event.events = interest
        event.data.u64 = token
        _ = try syscall("epoll_ctl(ADD)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
        registrations[index] = Registration(token: token, handler: handler)
    }

    /// Changes the interest set of a registered `fd`.
    package func modify(_ fd: Int32, interest: UInt32) throws(IOError) {
        let index = Int(fd)
        var event = epoll_event()
        event.events = interest
        // An unregistered fd gets a token that matches nothing (epoll_ctl fails with ENOENT for it anyway).
        event.data.u64 = index >= 0 && index < registrations.count ? registrations[index].token : UInt64(UInt32(bitPattern: fd))
        _ = try syscall("epoll_ctl(MOD)") { epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) }
    }

    /// Stops watching `fd` (call before closing it). Unknown fds are ignored.
    package func unregister(_ fd: Int32) {
        let index = Int(fd)
        guard index >= 0, index < registrations.count, registrations[index].handler != nil else { return }
        registrations[index] = Registration()
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    // MARK: timers

    /// Runs `body` once, `nanoseconds` from now, on the loop thread.
    @discardableResult
    package func schedule(afterNanoseconds nanoseconds: UInt64, _ body: @escaping () -> Void) -> TimerID {
        timers.schedule(at: MonotonicClock.now() &+ nanoseconds, body)
    }

    /// Runs `body` every `nanoseconds` until the loop stops. Returns nothing: repeating timers live as long as the loop.
    package func scheduleRepeating(everyNanoseconds nanoseconds: UInt64, _ body: @escaping () -> Void) {
        schedule(afterNanoseconds: nanoseconds) { [weak self] in
            body()
            self?.scheduleRepeating(everyNanoseconds: nanoseconds, body)
        }
    }

    /// Cancels a timer, removing it at once; cancelling one that already ran (or was cancelled) is harmless.
    package func cancel(_ timer: TimerID) {
        timers.cancel(timer)
    }

    /// Number of timers waiting to run (cancelled ones are gone, not counted).
    var pendingTimerCount: Int { timers.count }

    /// Runs `body` after the current batch of events has been handled (safe point for teardown work).
    package func afterCurrentIteration(_ body: @escaping () -> Void) {
        afterIteration.append(body)
    }

    /// Runs `body` at the end of every loop iteration (e.g. to flush buffered log lines once per batch).
    package func addIterationHook(_ body: @escaping () -> Void) {
        iterationHooks.append(body)
    }

    // MARK: running

    /// Asks ``run()`` to return after the current iteration.
    package func stop() {
        stopRequested = true
    }

    /// Processes events until ``stop()``.
    package func run() {
        stopRequested = false
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !stopRequested {
            var timeout: Int32 = -1
            if !afterIteration.isEmpty {
                timeout = 0
            } else if let deadline = timers.nextDeadline {
                let current = MonotonicClock.now()
                // Round up to whole milliseconds so a timer never fires early and spins.
                timeout = deadline <= current ? 0 : Int32(clamping: (deadline - current + 999_999) / 1_000_000)
            }
            let count = epoll_wait(epollFD, events, Int32(capacity), timeout)
            now = MonotonicClock.now()
            if count > 0 {
                for i in 0..<Int(count) {
                    let token = events[i].data.u64
                    let fd = Int(UInt32(truncatingIfNeeded: token))
                    // A handler earlier in this batch may have closed this fd, and the number may already belong
                    // to a new registration: deliver only to the registration the event was queued for.
                    guard fd < registrations.count, registrations[fd].token == token, let handler = registrations[fd].handler else { continue }
                    handler.handleIO(events: events[i].events)
                }
            }
            // Timers scheduled by these callbacks wait for the next iteration, as the loop's clock has not moved.
            let mark = timers.mark
            while let callback = timers.popDue(now: now, scheduledBefore: mark) { callback() }
            while !afterIteration.isEmpty {
                // Swapped with a spare array rather than copied, so that neither allocates in the steady state
                // (a copy would make the emptied array allocate new storage at its next append).
                swap(&afterIteration, &afterIterationRunning)
                for callback in afterIterationRunning { callback() }
                afterIterationRunning.removeAll(keepingCapacity: true)
            }
            for hook in iterationHooks { hook() }
        }
    }

    fileprivate func runQueued(_ jobs: [@Sendable () -> Void]) {
        for job in jobs { job() }
    }
}

/// Thread-safe entry into an ``EventLoop``: queued closures run on the loop thread, woken by an `eventfd`.
package final class EventLoopWaker: Sendable {
    fileprivate let fd: Int32
    private let queue = Mutex<[@Sendable () -> Void]>([])

    fileprivate init(fd: Int32) { self.fd = fd }

    /// Queues `body` to run on the loop thread and wakes the loop. Callable from any thread.
    package func execute(_ body: @escaping @Sendable () -> Void) {
        queue.withLock { $0.append(body) }
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    fileprivate func drain() -> [@Sendable () -> Void] {
        var counter: UInt64 = 0
        _ = read(fd, &counter, 8)
        return queue.withLock { jobs in
            let taken = jobs
            jobs.removeAll()
            return taken
        }
    }
}

/// One fd's entry in the loop: the epoll token it was registered with and its handler.
private struct Registration {
    var token: UInt64 = 0
    var handler: IOHandler?
}

private final class WakeHandler: IOHandler {
    let waker: EventLoopWaker
    init(waker: EventLoopWaker) { self.waker = waker }
    func handleIO(events: UInt32) {
        for job in waker.drain() { job() }
    }
}
