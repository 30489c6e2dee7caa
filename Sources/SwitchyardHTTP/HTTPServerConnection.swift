import SwitchyardIO

/// Drives one client connection: reads into an ``InputBuffer``, runs the ``HTTPRequestParser``, hands whole
/// requests to the responder one at a time (pipelined requests wait their turn), writes with back-pressure and
/// enforces the read/idle/send deadlines.
final class HTTPServerConnection: IOHandler {
    enum Phase { case idle, reading, responding, lingering, closed }

    let fd: Int32
    unowned let server: HTTPServer
    private var input = InputBuffer()
    /// Input bytes a connection may hold without drawing on the server's ``HTTPServer/Configuration/inputBudget``
    /// (a typical request fits, so the common path never touches the budget).
    static let freeInput = 64 * 1024
    /// Bytes reserved from the input budget for this connection.
    private var budgeted = 0
    private var parser: HTTPRequestParser
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var interest: UInt32 = IOInterest.read
    private(set) var phase: Phase = .idle
    private var current: HTTPServerResponse?
    private var keepAlive = true
    private var closeWhenFlushed = false
    private var sentContinue = false
    private var processing = false
    private var readPaused = false
    /// An error response was sent by the HTTP layer; close with a linger.
    private var rejected = false
    /// Monotonic deadline for the current phase; 0 = none.
    var deadline: UInt64 = 0

    init(fd: Int32, server: HTTPServer) {
        self.fd = fd
        self.server = server
        self.parser = HTTPRequestParser(limits: server.configuration.limits)
        deadline = server.loop.now &+ server.configuration.keepAliveTimeout
    }

    var pendingOutputBytes: Int { output.count - outputOffset }

    // MARK: events

    func handleIO(events: UInt32) {
        if events & IOInterest.error != 0 {
            close()
            return
        }
        if events & IOInterest.writable != 0 {
            flush()
            if phase == .closed { return }
        }
        if events & (IOInterest.readable | IOInterest.hangup) != 0 && !readPaused {
            readAvailable()
        }
    }

    private func readAvailable() {
        let scratch = server.readScratch
        while phase != .closed {
            let result: IOResult<Int>
            do {
                result = try Socket.read(fd, into: scratch.baseAddress!, count: scratch.count)
            } catch {
                close()
                return
            }
            switch result {
            case .wouldBlock:
                if phase != .responding { processInput() }
                return
            case .processed(0):
                peerClosed()
                return
            case .processed(let count):
                if phase == .lingering { continue }  // discarding what the client still sends after an error
                if phase == .idle {
                    phase = .reading
                    deadline = server.loop.now &+ server.configuration.headerTimeout
                }
                input.append(UnsafeRawBufferPointer(start: scratch.baseAddress, count: count))
                if heldInput > Self.freeInput + budgeted && !reserveInput() {
                    if phase == .responding {
                        pauseReading()  // resumed when the current response is done
                    } else {
                        rejectAndClose(HTTPParseError(status: 503, message: "The server is holding too much buffered input; retry shortly.", code: "server_overloaded"))
                    }
                    return
                }
                if phase == .reading && parser.isAwaitingBody {
                    // Body bytes are arriving: the body timeout measures gaps, not the whole upload.
                    deadline = server.loop.now &+ server.configuration.bodyTimeout
                }
                if phase == .responding && input.readableCount > server.configuration.limits.maxHeaderBytes + server.configuration.limits.maxBodyBytes {
                    // A pipelining client far ahead of us: stop reading until the current response is done.
                    pauseReading()
                    return
                }
                if count < scratch.count {
                    if phase != .responding { processInput() }
                    return
                }
            }
        }
    }

    /// Parses and dispatches buffered requests until one is in flight or input runs out.
    private func processInput() {
        if processing { return }
        processing = true
        defer { processing = false }
        while phase == .idle || phase == .reading {
            if input.readableCount == 0 && !parser.isAwaitingBody {
                becomeIdle()
                return
            }
            if phase == .idle {
                phase = .reading
                deadline = server.loop.now &+ server.configuration.headerTimeout
            }
            switch parser.parse(&input) {
            case .needMore:
                if parser.isAwaitingBody {
                    if deadline == 0 || !sentContinue { deadline = server.loop.now &+ server.configuration.bodyTimeout }
                    if let head = parser.pendingHead, head.expectsContinue, !sentContinue {
                        sentContinue = true
                        enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    }
                }
                return
            case .failure(let error):
                rejectAndClose(error)
                return
            case .request(let request):
                sentContinue = false
                dispatch(request)
            }
        }
    }

    /// Bytes this connection holds for its client: unparsed input plus the body parsed so far.
    private var heldInput: Int { input.readableCount + parser.bufferedBodyBytes }

    /// Reserves budget for input beyond the free allowance (in 64 KiB steps); false when the budget is spent.
    private func reserveInput() -> Bool {
        guard let budget = server.configuration.inputBudget else { return true }
        let needed = heldInput - Self.freeInput - budgeted
        let step = (needed + 65_535) / 65_536 * 65_536
        guard budget.reserve(step) else { return false }
        budgeted += step
        return true
    }

    /// Gives back budget that input no longer needs.
    private func settleInputBudget() {
        guard budgeted > 0, let budget = server.configuration.inputBudget else { return }
        let needed = max(0, heldInput - Self.freeInput)
        if needed < budgeted {
            budget.release(budgeted - needed)
            budgeted = needed
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        settleInputBudget()
        phase = .responding
        deadline = 0
        keepAlive = request.head.keepAlive && !server.isDraining && server.configuration.keepAliveTimeout > 0
        let response = HTTPServerResponse(connection: self, head: request.head, receivedAt: server.loop.now)
        current = response
        server.responder.respond(to: request, response: response)
    }

    private func becomeIdle() {
        phase = .idle
        deadline = server.loop.now &+ server.configuration.keepAliveTimeout
    }

    // MARK: called by HTTPServerResponse

    /// Adds the `Connection` and `Date` fields every response carries.
    func decorate(_ headers: inout HTTPHeaders, http10: Bool) {
        if !keepAlive || server.isDraining {
            keepAlive = false
            headers.add(name: "Connection", value: "close")
        } else if http10 {
            // HTTP/1.0 connections are persistent only when the server says so (RFC 9112 §9.3).
            headers.add(name: "Connection", value: "keep-alive")
        }
        headers.add(name: "Date", value: server.httpDate)
    }

    func responseFinished(_ response: HTTPServerResponse) {
        guard current === response else { return }
        current = nil
        if phase == .closed { return }
        if !keepAlive || closeWhenFlushed {
            closeAfterFlush()
            return
        }
        phase = .idle
        if readPaused { resumeReading() }
        if input.readableCount > 0 {
            if !processing {
                // Pipelined request already buffered: handle it, but not recursively inside the responder.
                server.loop.afterCurrentIteration { [weak self] in self?.processInput() }
            }
        } else {
            becomeIdle()
        }
    }

    /// Queues `a + b + c` for the client without joining them first: when nothing is queued they go out in one
    /// `writev` straight from the caller's memory, and only what the socket did not take is copied.
    func enqueue(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer) {
        guard phase != .closed else { return }
        let total = a.count + b.count + c.count
        var written = 0
        if pendingOutputBytes == 0 {
            switch try? Socket.write(fd, a, b, c) {
            case .processed(let n)?: written = n
            case .wouldBlock?: written = 0
            case nil:
                close()
                return
            }
            if written == total { return }
            output.removeAll(keepingCapacity: true)
            outputOffset = 0
        }
        // Copy the unwritten tail of each part.
        var skip = written
        for part in [a, b, c] {
            if skip >= part.count { skip -= part.count; continue }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: part[skip...]))
            skip = 0
        }
        if deadline == 0 || phase == .responding { deadline = server.loop.now &+ server.configuration.sendTimeout }
        updateInterest()
    }

    /// Queues bytes for the client, writing immediately when nothing is queued.
    func enqueue(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { enqueue($0, HTTPResponseEncoder.none, HTTPResponseEncoder.none) }
    }

    private func flush() {
        while pendingOutputBytes > 0 {
            let result = output.withUnsafeBytes { raw in
                try? Socket.write(fd, UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .processed(let n)?:
                outputOffset += n
                deadline = phase == .responding ? server.loop.now &+ server.configuration.sendTimeout : deadline
            case .wouldBlock?:
                updateInterest()
                return
            case nil:
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
        if closeWhenFlushed && current == nil {
            if rejected { linger() } else { close() }
            return
        }
        if phase == .responding { deadline = 0 }
        updateInterest()
        current?.drained()
    }

    func closeAfterFlush() {
        closeWhenFlushed = true
        keepAlive = false
        if pendingOutputBytes == 0 && current == nil {
            close()
        } else if current == nil {
            deadline = server.loop.now &+ server.configuration.sendTimeout
        }
    }

    private func updateInterest() {
        var wanted: UInt32 = readPaused ? 0 : IOInterest.read
        if pendingOutputBytes > 0 { wanted |= IOInterest.write }
        if wanted != interest {
            interest = wanted
            try? server.loop.modify(fd, interest: wanted)
        }
    }

    private func pauseReading() {
        readPaused = true
        updateInterest()
    }

    private func resumeReading() {
        readPaused = false
        updateInterest()
    }

    // MARK: endings

    private func rejectAndClose(_ error: HTTPParseError) {
        rejected = true
        keepAlive = false
        // Nothing more is parsed from this connection: its buffered input (and the budget it holds) goes now, not
        // when the lingering close ends.
        input = InputBuffer()
        if budgeted > 0 {
            server.configuration.inputBudget?.release(budgeted)
            budgeted = 0
        }
        closeWhenFlushed = true
        phase = .responding
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Date", value: server.httpDate)
        let body = server.configuration.errorBody(error)
        headers.add(name: "Content-Length", value: String(body.count))
        var out: [UInt8] = []
        HTTPResponseEncoder.appendHead(status: error.status, headers: headers, to: &out)
        out.append(contentsOf: body)
        enqueue(out)
        server.configuration.onRejected?(error)
        if phase != .closed {
            if pendingOutputBytes == 0 { linger() } else { deadline = server.loop.now &+ server.configuration.sendTimeout }
        }
    }

    /// Lingering close (as nginx does): after an error response, stop sending but keep reading and discarding
    /// for a moment, so unread request bytes do not make the kernel reset the connection and destroy the
    /// response before the client has read it.
    private func linger() {
        guard phase != .closed, phase != .lingering else { return }
        phase = .lingering
        Socket.shutdownWrite(fd)
        deadline = server.loop.now &+ HTTPServer.lingerTime
        readPaused = false
        updateInterest()
    }

    /// EOF from the client. While a response is in flight this aborts it: a client that half-closes cannot be
    /// told apart from one that went away, and an LLM stream nobody reads must free the model's slot at once.
    private func peerClosed() {
        close()
    }

    /// Called by the server's sweep when `deadline` has passed.
    func deadlineExpired() {
        switch phase {
        case .reading:
            rejectAndClose(HTTPParseError(status: 408, message: "Timed out waiting for the request.", code: "request_timeout"))
        case .idle, .responding, .lingering, .closed:
            close()
        }
    }

    /// Closes now; an unfinished response is aborted so upstream work is cancelled.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        if budgeted > 0 {
            server.configuration.inputBudget?.release(budgeted)
            budgeted = 0
        }
        server.loop.unregister(fd)
        Socket.close(fd)
        server.connectionClosed(self)
        if let response = current {
            current = nil
            response.connectionLost()
        }
    }

    /// Used when draining: busy connections close after their response. Idle ones are not closed at once — a
    /// client may be sending its next request right now, and closing under it would fail that request — but
    /// linger for ``HTTPServer/drainLinger``; a request arriving meanwhile is answered with `Connection: close`.
    func drain() {
        keepAlive = false
        if phase == .idle {
            let limit = server.loop.now &+ HTTPServer.drainLinger
            if deadline == 0 || deadline > limit { deadline = limit }
        }
    }
}
