import CLinux
import Glibc
import SwitchyardIO

/// One keep-alive TCP connection of the built-in HTTP/1.1 client: connects without blocking, writes a request,
/// parses the response with ``HTTP1ResponseParser`` and hands events to its current ``NativeTransfer``; idle, it
/// sits in its endpoint's pool and closes itself when the upstream closes it.
final class HTTP1Connection: IOHandler {
    enum State { case connecting, ready, closed }

    let fd: Int32
    unowned let client: UpstreamClient
    let endpoint: HTTP1Endpoint
    private(set) var state = State.connecting
    /// Requests completed on this connection (0 = fresh, so a failure cannot be a stale keep-alive).
    private(set) var served = 0
    var lastUsed: UInt64
    private var transfer: NativeTransfer?
    private var parser = HTTP1ResponseParser()
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var interest: UInt32 = 0
    private var readPaused = false
    /// True while ``start(_:)`` runs: failures are then reported after the current event, not re-entrantly.
    private var starting = false
    /// The parser's `.end` seen during the current feed (its `reusable`), acted on once the feed has returned:
    /// completing the transfer may start another request on this very connection, which replaces the parser.
    private var ended: Bool?

    /// Starts a non-blocking connect; nil if the socket cannot even be created.
    init(client: UpstreamClient, endpoint: HTTP1Endpoint) throws(IOError) {
        self.client = client
        self.endpoint = endpoint
        self.lastUsed = client.loop.now
        fd = try syscall("socket") { socket(endpoint.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        Socket.setNoDelay(fd)
        var address = endpoint.address
        let length = endpoint.family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(length)) } }
        if result == 0 {
            state = .ready
        } else if sy_errno() != EINPROGRESS {
            let code = sy_errno()
            Glibc.close(fd)
            throw IOError(call: "connect", code: code)
        }
        interest = state == .connecting ? IOInterest.writable : IOInterest.read
        do {
            try client.loop.register(fd, interest: interest, handler: self)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    var isConnecting: Bool { state == .connecting }

    /// Sends `transfer`'s request on this connection.
    func start(_ transfer: NativeTransfer) {
        self.transfer = transfer
        parser = HTTP1ResponseParser(expectsBody: transfer.method != "HEAD")
        readPaused = false
        output = transfer.takeRequestBytes()
        outputOffset = 0
        starting = true
        if state == .ready { flush() } else { updateInterest() }
        starting = false
    }

    func pauseReading() {
        readPaused = true
        updateInterest()
    }

    func resumeReading() {
        guard readPaused else { return }
        readPaused = false
        updateInterest()
    }

    // MARK: events

    func handleIO(events: UInt32) {
        if state == .connecting {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 || events & IOInterest.error != 0 {
                fail(.connect, error == 0 ? "connection failed" : String(cString: strerror(error)))
                return
            }
            state = .ready
        }
        if events & IOInterest.writable != 0 && outputOffset < output.count {
            flush()
            if state == .closed { return }
        }
        if events & (IOInterest.readable | IOInterest.hangup | IOInterest.error) != 0 && !readPaused {
            readAvailable()
        }
    }

    private func flush() {
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                try? Socket.write(fd, UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .processed(let n)?:
                outputOffset += n
            case .wouldBlock?:
                updateInterest()
                return
            case nil:
                failBeforeResponse(String(cString: strerror(sy_errno())))
                return
            }
        }
        output = []
        outputOffset = 0
        updateInterest()
    }

    private func readAvailable() {
        let scratch = client.readScratch
        while state != .closed {
            let result: IOResult<Int>
            do {
                result = try Socket.read(fd, into: scratch.baseAddress!, count: scratch.count)
            } catch {
                failBeforeResponse(error.description)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .processed(0):
                guard let transfer, !transfer.isFinished else {
                    // The upstream closed an idle pooled connection.
                    close()
                    return
                }
                do {
                    try parser.finishAtEOF { event in handle(event) }
                } catch {
                    failBeforeResponse("the provider closed the connection")
                }
                if ended != nil {
                    ended = nil
                    finishResponse(reusable: false, readFilledBuffer: false)
                }
                if state != .closed { close() }
                return
            case .processed(let count):
                guard let transfer, !transfer.isFinished else {
                    // Bytes on an idle connection: the upstream is out of sync; never reuse it.
                    close()
                    return
                }
                transfer.noteActivity()
                let bytes = UnsafeRawBufferPointer(start: scratch.baseAddress, count: count)
                do {
                    try parser.feed(bytes, events: { event in handle(event) }, body: { piece in
                        if let current = self.transfer, !current.isFinished, !piece.isEmpty {
                            if !current.deliver(piece) { self.pauseReading() }
                        }
                    })
                } catch {
                    ended = nil
                    fail(.protocolError, "invalid response from the provider (\(error))")
                    return
                }
                if let reusable = ended {
                    ended = nil
                    finishResponse(reusable: reusable, readFilledBuffer: count == scratch.count)
                    // Anything still unread belongs to no request; if any is pending, the next event closes us.
                    return
                }
                if readPaused || count < scratch.count { return }
            }
        }
    }

    private func handle(_ event: HTTP1ResponseParser.Event) {
        switch event {
        case .head(let head):
            transfer?.deliverHead(head)
        case .end(let reusable):
            ended = reusable
        }
    }

    /// The response is complete: pools the connection if it is clean, otherwise closes it, then tells the transfer.
    /// `readFilledBuffer` says the last read may have left bytes in the socket, which are checked for first.
    private func finishResponse(reusable: Bool, readFilledBuffer: Bool) {
        guard let finished = transfer else { return }
        transfer = nil
        served += 1
        lastUsed = client.loop.now
        if reusable && state == .ready && outputOffset >= output.count && !(readFilledBuffer && hasUnreadBytes()) {
            readPaused = false
            updateInterest()
            if !client.returnToPool(self) { close() }
        } else {
            close()
        }
        finished.complete(error: nil)
    }

    /// Whether bytes (or the end of the stream) are waiting in the socket: one non-blocking peek, made only
    /// when a read filled the whole buffer, so a clean short read costs no extra syscall.
    private func hasUnreadBytes() -> Bool {
        var byte: UInt8 = 0
        let result = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return result >= 0 || (sy_errno() != EAGAIN && sy_errno() != EWOULDBLOCK)
    }

    /// A failure before any response byte on a reused connection is most likely a keep-alive race (the upstream
    /// closed it as we sent): the transfer is retried once on a fresh connection.
    private func failBeforeResponse(_ detail: String) {
        if let transfer, served > 0, !parser.hasStarted, !transfer.isFinished {
            self.transfer = nil
            close()
            client.retryOnFreshConnection(transfer)
            return
        }
        fail(.protocolError, "upstream connection failed (\(detail))")
    }

    private func fail(_ kind: UpstreamError.Kind, _ detail: String) {
        let current = transfer
        transfer = nil
        close()
        let message = kind == .connect ? "could not connect to the provider (\(detail))" : detail
        guard let current else { return }
        if starting {
            client.loop.afterCurrentIteration { current.complete(error: UpstreamError(kind: kind, message: message)) }
        } else {
            current.complete(error: UpstreamError(kind: kind, message: message))
        }
    }

    private func updateInterest() {
        guard state != .closed else { return }
        var wanted: UInt32 = 0
        if state == .connecting || outputOffset < output.count { wanted |= IOInterest.writable }
        if state != .connecting && !readPaused { wanted |= IOInterest.read }
        if wanted != interest {
            interest = wanted
            try? client.loop.modify(fd, interest: wanted)
        }
    }

    /// Closes the socket (aborting any exchange without notifying it).
    func close() {
        guard state != .closed else { return }
        state = .closed
        transfer = nil
        client.loop.unregister(fd)
        Glibc.close(fd)
        client.connectionClosed(self)
    }

    /// Aborts the current exchange (client went away): the socket is closed so the upstream sees EOF at once.
    func abort() {
        close()
    }
}
