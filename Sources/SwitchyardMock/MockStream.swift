import SwitchyardHTTP

/// Drives one streamed reply (SSE or NDJSON): the head, prelude events, one event per token paced by loop timers,
/// then the closing events — one ``HTTPServerResponse/write(_:)`` per event, pausing while the client is slow
/// (write returned false) until `onWritable`, and aborting the connection after `resetAfter` tokens.
final class MockStream {
    /// What to send.
    struct Script {
        /// `text/event-stream` or `application/x-ndjson`.
        var contentType: String
        /// Events written right after the head (e.g. the SSE role delta).
        var prelude: [[UInt8]]
        /// Number of token events.
        var count: Int
        /// Builds token event `i`.
        var event: (Int) -> [UInt8]
        /// Builds the closing events (finish reason, usage, `[DONE]`), called once after the last token.
        var epilogue: () -> [[UInt8]]
        /// Pause before each token event.
        var tokenDelay: UInt64
        /// Abort the connection after this many token events (ignored when larger than `count`).
        var resetAfter: Int?
    }

    private let exchange: MockExchange
    private let script: Script
    private var next = 0
    private var waitingForWritable = false
    private var delayElapsed = false

    init(exchange: MockExchange, script: Script) {
        self.exchange = exchange
        self.script = script
    }

    /// Sends the head and starts pumping events.
    func start() {
        let response = exchange.response
        var headers = exchange.server.headers(contentType: script.contentType)
        headers.add(name: "Cache-Control", value: "no-cache")
        // The callbacks hold the stream until the exchange ends (which clears them).
        response.onWritable = { [self] in
            guard waitingForWritable else { return }
            waitingForWritable = false
            pump()
        }
        response.startStream(status: 200, headers: headers)
        if exchange.ended { return }
        exchange.server.stats.streamsStarted += 1
        for event in script.prelude where !send(event) { return }
        pump()
    }

    /// Writes one event; false when the stream must stop for now (client gone, or waiting for `onWritable`).
    private func send(_ event: [UInt8]) -> Bool {
        let accepted = exchange.response.write(event)
        if exchange.ended { return false }
        if !accepted {
            waitingForWritable = true
            return false
        }
        return true
    }

    private func pump() {
        while !exchange.ended {
            if let reset = script.resetAfter, reset <= script.count, next >= reset {
                exchange.server.stats.resetsInjected += 1
                exchange.response.abortStream()
                exchange.end()
                return
            }
            if next >= script.count {
                // The closing events are small; queue them regardless of back-pressure.
                for event in script.epilogue() {
                    exchange.response.write(event)
                    if exchange.ended { return }
                }
                exchange.response.finish()
                exchange.server.stats.streamsCompleted += 1
                exchange.end()
                return
            }
            if script.tokenDelay > 0 && !delayElapsed {
                exchange.after(script.tokenDelay) { [self] in
                    delayElapsed = true
                    pump()
                }
                return
            }
            delayElapsed = false
            let event = script.event(next)
            next += 1
            if !send(event) { return }
        }
    }
}
