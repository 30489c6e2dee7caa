import SwitchyardHTTP
import SwitchyardIO

/// One generation or embedding request being answered: counts it in ``MockStats/inFlight``, owns its pending
/// loop timer and notices the client leaving. Every path ends with exactly one ``end()``.
///
/// `response.onAbort` holds the exchange (and the exchange the response) until ``end()`` breaks the cycle.
final class MockExchange {
    let server: MockServer
    let response: HTTPServerResponse
    /// Whether the client asked for a streamed reply (for ``MockStats/streamsAbortedByClient``).
    let isStream: Bool
    private var timer: TimerID?
    private(set) var ended = false

    init(server: MockServer, response: HTTPServerResponse, isStream: Bool) {
        self.server = server
        self.response = response
        self.isStream = isStream
        server.stats.inFlight += 1
        response.onAbort = { [self] in clientWentAway() }
    }

    /// Runs `body` after `nanoseconds` on a loop timer (at once for 0), unless the exchange has ended by then.
    func after(_ nanoseconds: UInt64, _ body: @escaping () -> Void) {
        guard !ended else { return }
        if nanoseconds == 0 {
            body()
            return
        }
        timer = server.loop.schedule(afterNanoseconds: nanoseconds) { [self] in
            timer = nil
            if !ended { body() }
        }
    }

    private func clientWentAway() {
        guard !ended else { return }
        server.stats.requestsAbortedByClient += 1
        if isStream { server.stats.streamsAbortedByClient += 1 }
        end()
    }

    /// Finishes the bookkeeping: cancels a pending timer and drops the response callbacks.
    func end() {
        guard !ended else { return }
        ended = true
        if let timer {
            server.loop.cancel(timer)
            self.timer = nil
        }
        server.stats.inFlight -= 1
        response.onAbort = nil
        response.onWritable = nil
    }
}
