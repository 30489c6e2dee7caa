import Foundation
import Glibc

/// Steady load for cluster tests: `clients` threads, each with its own keep-alive `RawHTTPClient`, sending one
/// request after another until stopped (or `duration` passes).
///
/// Each new connection first asks `GET /health`, so every later success is attributed to the worker that
/// accepted the connection (a connection stays with one worker). What counts:
/// - **success**: a complete 200 response;
/// - **server close** (not a failure): a response with `Connection: close`, or the server's EOF noticed
///   *before* the next request is sent — the client reconnects, as any keep-alive client does (RFC 9112 §9.3);
/// - **failure**: a request that was sent and got no complete response, any non-200 status, or a connection
///   that could not be opened.
package final class LoadGenerator: @unchecked Sendable {
    /// Counters at one moment.
    package struct Tally: Sendable, CustomStringConvertible {
        /// Complete 200 responses to the load request.
        package var successes = 0
        /// Failed requests and connection attempts (see the type's documentation).
        package var failures = 0
        /// Connections the server closed between requests (reconnected; not failures).
        package var serverCloses = 0
        /// The first few failures, described.
        package var failureSamples: [String] = []
        /// Successes per worker pid.
        package var successesByWorker: [Int32: Int] = [:]
        /// Open client connections per worker pid.
        package var connectionsByWorker: [Int32: Int] = [:]

        package var description: String {
            "\(successes) ok, \(failures) failed, \(serverCloses) closed by server; per worker \(successesByWorker)"
                + (failureSamples.isEmpty ? "" : "; failures: \(failureSamples.joined(separator: " | "))")
        }
    }

    private let port: Int
    /// Number of client threads (and connections).
    package let clients: Int
    private let request: String
    private let timeout: Double
    private let duration: Double
    private let lock = NSLock()
    private var counts = Tally()
    private var workerOfClient: [Int32?]
    private var stopRequested = false
    private var started = false
    private let finished = DispatchGroup()

    /// Prepares `clients` connections to 127.0.0.1:`port` that will send `request` (whole request text, see
    /// `RawHTTPClient.request`); `timeout` bounds each send and receive, `duration` the whole run.
    package init(port: Int, clients: Int = 4, request: String, timeout: Double = 5, duration: Double = 40) {
        self.port = port
        self.clients = clients
        self.request = request
        self.timeout = timeout
        self.duration = duration
        workerOfClient = Array(repeating: nil, count: clients)
    }

    deinit {
        lock.withLock { stopRequested = true }
        _ = finished.wait(timeout: .now() + timeout + 1)
    }

    /// Starts the client threads (once).
    package func start() {
        let first = lock.withLock {
            defer { started = true }
            return !started
        }
        guard first else { return }
        for index in 0..<clients {
            finished.enter()
            let thread = Thread { [self] in
                runClient(index)
                finished.leave()
            }
            thread.name = "load-\(index)"
            thread.start()
        }
    }

    /// The counters so far.
    package var tally: Tally { lock.withLock { snapshot() } }

    /// Waits up to `seconds` until the load has at least `count` successes; returns whether it did.
    package func waitForSuccesses(atLeast count: Int, seconds: Double) -> Bool {
        Deadline.poll(seconds: seconds, interval: 0.01) { tally.successes >= count }
    }

    /// Stops every client and waits (bounded by the client timeout) for them to finish; returns the final counts.
    @discardableResult
    package func stop() -> Tally {
        lock.withLock { stopRequested = true }
        if finished.wait(timeout: .now() + timeout + 1) == .timedOut {
            record(failure: "a client thread did not stop within \(timeout + 1) s")
        }
        return tally
    }

    // MARK: private

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    private func runClient(_ index: Int) {
        let deadline = Deadline(seconds: duration)
        var connection: RawHTTPClient?
        var worker: Int32?
        while !shouldStop && !deadline.hasPassed {
            guard let client = connection else {
                (connection, worker) = connect(index)
                continue
            }
            if client.peerHasClosed {
                // Closed while idle, before this request was sent: the server never saw it.
                drop(&connection, index: index, serverClosed: true)
                continue
            }
            do {
                try client.send(request)
                let response = try client.readResponse()
                if response.status == 200 {
                    record(successOn: worker)
                } else {
                    record(failure: "status \(response.status): \(response.text.prefix(200))")
                }
                if Self.closes(response) { drop(&connection, index: index, serverClosed: true) }
            } catch {
                record(failure: "request sent on a connection to pid \(worker.map(String.init) ?? "?"): \(error)")
                drop(&connection, index: index, serverClosed: false)
            }
        }
        connection?.close()
        lock.withLock { workerOfClient[index] = nil }
    }

    /// Opens a connection and learns its worker with `GET /health`; nil after a failure or a server close.
    private func connect(_ index: Int) -> (RawHTTPClient?, Int32?) {
        do {
            let client = try RawHTTPClient(port: port, timeout: timeout)
            try client.send(RawHTTPClient.request("GET", "/health"))
            let response = try client.readResponse()
            let worker = try WorkerHealth(response).pid
            if Self.closes(response) {
                lock.withLock { counts.serverCloses += 1 }
                return (nil, nil)
            }
            lock.withLock { workerOfClient[index] = worker }
            return (client, worker)
        } catch {
            record(failure: "new connection: \(error)")
            // Do not spin while nothing listens.
            usleep(20_000)
            return (nil, nil)
        }
    }

    private func drop(_ connection: inout RawHTTPClient?, index: Int, serverClosed: Bool) {
        connection?.close()
        connection = nil
        lock.withLock {
            workerOfClient[index] = nil
            if serverClosed { counts.serverCloses += 1 }
        }
    }

    private func record(successOn worker: Int32?) {
        lock.withLock {
            counts.successes += 1
            if let worker { counts.successesByWorker[worker, default: 0] += 1 }
        }
    }

    private func record(failure: String) {
        lock.withLock {
            counts.failures += 1
            if counts.failureSamples.count < 8 { counts.failureSamples.append(failure) }
        }
    }

    /// Call with `lock` held.
    private func snapshot() -> Tally {
        var copy = counts
        copy.connectionsByWorker = [:]
        for case let worker? in workerOfClient { copy.connectionsByWorker[worker, default: 0] += 1 }
        return copy
    }

    private static func closes(_ response: RawHTTPResponse) -> Bool {
        response.header("Connection")?.lowercased().contains("close") == true
    }
}
