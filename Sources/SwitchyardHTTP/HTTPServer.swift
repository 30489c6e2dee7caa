import Glibc
import SwitchyardIO

/// An HTTP/1.1 server on one ``EventLoop``: accepts on a listening socket it is given, runs one
/// ``HTTPServerConnection`` per client, sweeps deadlines once a second and can drain gracefully.
package final class HTTPServer: IOHandler {
    /// Limits and timeouts (seconds are converted to nanoseconds here, once).
    package struct Configuration {
        package var limits: HTTPRequestParser.Limits
        package var headerTimeout: UInt64
        package var bodyTimeout: UInt64
        package var keepAliveTimeout: UInt64
        package var sendTimeout: UInt64
        /// Renders the body of an error the HTTP layer answers by itself (400, 408, 413, 431, …).
        package var errorBody: (HTTPParseError) -> [UInt8]
        /// Observes rejected requests (for logs and metrics).
        package var onRejected: ((HTTPParseError) -> Void)?
        /// Worker-wide cap on buffered client input beyond ``HTTPServerConnection/freeInput`` per connection.
        package var inputBudget: ByteBudget?

        package init(limits: HTTPRequestParser.Limits = .init(), headerTimeout: Double = 10, bodyTimeout: Double = 30, keepAliveTimeout: Double = 75, sendTimeout: Double = 60, errorBody: @escaping (HTTPParseError) -> [UInt8]) {
            self.limits = limits
            self.headerTimeout = MonotonicClock.nanoseconds(headerTimeout)
            self.bodyTimeout = MonotonicClock.nanoseconds(bodyTimeout)
            self.keepAliveTimeout = MonotonicClock.nanoseconds(keepAliveTimeout)
            self.sendTimeout = MonotonicClock.nanoseconds(sendTimeout)
            self.errorBody = errorBody
        }
    }

    /// How long an idle keep-alive connection may stay open once draining starts.
    static let drainLinger: UInt64 = 1_000_000_000
    /// How long a connection keeps discarding input after an error response before it is closed.
    static let lingerTime: UInt64 = 2_000_000_000

    package let loop: EventLoop
    package let configuration: Configuration
    let responder: HTTPResponder
    private let listenFD: Int32
    private var connections: [Int32: HTTPServerConnection] = [:]
    private var accepting = false
    private var listenerClosed = false
    private(set) var isDraining = false
    private var onDrained: (() -> Void)?
    /// One read buffer shared by every connection of this loop (single-threaded, so no contention).
    let readScratch: UnsafeMutableBufferPointer<UInt8>
    /// Accepts one connection: ``Socket/accept(_:)``, replaced by tests to inject failures.
    var acceptConnection: (Int32) throws(IOError) -> IOResult<Int32> = Socket.accept
    /// How many times accepting was paused after a resource-exhaustion error.
    private(set) var acceptPauses = 0
    /// Cached IMF-fixdate for the `Date` header, refreshed by the sweep (RFC 9110 §6.6.1).
    private(set) var httpDate = ""

    /// Wraps an already listening, non-blocking socket.
    package init(loop: EventLoop, listeningSocket: Int32, configuration: Configuration, responder: HTTPResponder) {
        self.loop = loop
        self.listenFD = listeningSocket
        self.configuration = configuration
        self.responder = responder
        self.readScratch = .allocate(capacity: 64 * 1024)
        self.httpDate = Self.formatDate()
    }

    deinit { readScratch.deallocate() }

    /// Number of open client connections.
    package var connectionCount: Int { connections.count }

    /// Starts accepting and the once-a-second deadline sweep.
    package func start() throws(IOError) {
        try loop.register(listenFD, interest: IOInterest.readable, handler: self)
        accepting = true
        loop.scheduleRepeating(everyNanoseconds: 1_000_000_000) { [weak self] in self?.sweep() }
    }

    /// Stops accepting, closes idle keep-alive connections and lets in-flight responses finish.
    /// `completion` runs when the last connection has closed.
    package func beginDrain(_ completion: @escaping () -> Void) {
        isDraining = true
        onDrained = completion
        if accepting {
            accepting = false
            loop.unregister(listenFD)
        }
        // Close our copy so the kernel stops queueing connections for this process.
        if !listenerClosed {
            listenerClosed = true
            Socket.close(listenFD)
        }
        for connection in Array(connections.values) { connection.drain() }
        checkDrained()
    }

    /// Closes every connection now (fast stop); unfinished responses are aborted.
    package func closeAll() {
        for connection in Array(connections.values) { connection.close() }
    }

    package func handleIO(events: UInt32) {
        // Accept a bounded batch so one busy listener cannot starve established connections.
        for _ in 0..<64 {
            let result: IOResult<Int32>
            do {
                result = try acceptConnection(listenFD)
            } catch {
                switch AcceptFailure.classify(error.code) {
                case .retry:
                    // One connection failed (aborted while queued, a pending network error): skip it.
                    continue
                case .pause:
                    // EMFILE/ENFILE and friends. The listener stays readable, so a level-triggered loop would spin:
                    // stop accepting for a moment (as nginx does) and let established connections finish meanwhile.
                    pauseAccepting()
                    return
                }
            }
            switch result {
            case .processed(let fd):
                Socket.setNoDelay(fd)
                let connection = HTTPServerConnection(fd: fd, server: self)
                do {
                    try loop.register(fd, interest: IOInterest.read, handler: connection)
                    connections[fd] = connection
                } catch {
                    Socket.close(fd)
                }
            case .wouldBlock:
                return
            }
        }
    }

    private func pauseAccepting() {
        guard accepting else { return }
        accepting = false
        acceptPauses += 1
        loop.unregister(listenFD)
        loop.schedule(afterNanoseconds: 100_000_000) { [weak self] in
            guard let self, !self.isDraining, !self.listenerClosed else { return }
            if (try? self.loop.register(self.listenFD, interest: IOInterest.readable, handler: self)) != nil {
                self.accepting = true
            }
        }
    }

    func connectionClosed(_ connection: HTTPServerConnection) {
        connections.removeValue(forKey: connection.fd)
        if isDraining { checkDrained() }
    }

    private func checkDrained() {
        if connections.isEmpty, let done = onDrained {
            onDrained = nil
            done()
        }
    }

    private func sweep() {
        httpDate = Self.formatDate()
        let now = loop.now
        for connection in Array(connections.values) where connection.deadline != 0 && connection.deadline <= now {
            connection.deadlineExpired()
        }
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func formatDate() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
