import CCurl
import SwitchyardIO

/// Pooled HTTP(S) client for upstream providers: one libcurl multi handle driven by our ``EventLoop`` through
/// curl's socket and timer callbacks (no curl threads, no `curl_multi_poll`). Connections are kept alive and
/// reused per host by the multi handle's connection cache; TLS comes from libcurl (OpenSSL).
package final class UpstreamClient {
    /// Deadlines in seconds and pool size.
    package struct Configuration: Sendable {
        package var connectTimeout: Double
        package var firstByteTimeout: Double
        package var idleTimeout: Double
        package var totalTimeout: Double
        package var maxConnections: Int

        package init(connectTimeout: Double = 10, firstByteTimeout: Double = 300, idleTimeout: Double = 120, totalTimeout: Double = 300, maxConnections: Int = 1024) {
            self.connectTimeout = connectTimeout
            self.firstByteTimeout = firstByteTimeout
            self.idleTimeout = idleTimeout
            self.totalTimeout = totalTimeout
            self.maxConnections = maxConnections
        }
    }

    let loop: EventLoop
    package let configuration: Configuration
    let multi: UnsafeMutableRawPointer
    private var sockets: [Int32: CurlSocket] = [:]
    private var timer: TimerID?
    private var timerArmed = false
    private var active: [ObjectIdentifier: UpstreamTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// Depth of calls into libcurl that may run our callbacks; removal is deferred while inside them.
    var callbackDepth = 0
    private let firstByteNanos: UInt64
    private let idleNanos: UInt64

    /// Calls `curl_global_init`; do this once, before any other thread exists.
    package static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    package init(loop: EventLoop, configuration: Configuration = .init()) {
        self.loop = loop
        self.configuration = configuration
        self.multi = curl_multi_init()
        self.firstByteNanos = MonotonicClock.nanoseconds(configuration.firstByteTimeout)
        self.idleNanos = MonotonicClock.nanoseconds(configuration.idleTimeout)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = sy_multi_setopt_socketcb(multi, curlSocketCallback)
        _ = sy_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        _ = sy_multi_setopt_timercb(multi, curlTimerCallback)
        _ = sy_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        _ = sy_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxConnections)
        loop.scheduleRepeating(everyNanoseconds: 250_000_000) { [weak self] in self?.sweep() }
    }

    deinit {
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
    }

    /// Number of transfers in progress.
    package var activeCount: Int { active.count }

    /// Starts a request; `handler` hears about the response. Keep the returned transfer to cancel or resume it.
    @discardableResult
    package func start(_ request: UpstreamRequest, handler: UpstreamResponseHandler) -> UpstreamTransfer {
        let easy = idleHandles.popLast() ?? curl_easy_init()!
        let transfer = UpstreamTransfer(client: self, easy: easy, request: request, handler: handler)
        transfer.configure(connectTimeout: configuration.connectTimeout, totalTimeout: request.totalTimeout ?? configuration.totalTimeout)
        active[ObjectIdentifier(transfer)] = transfer
        transfer.startedAt = loop.now
        let code = curl_multi_add_handle(multi, easy)
        if code != CURLM_OK {
            active.removeValue(forKey: ObjectIdentifier(transfer))
            loop.afterCurrentIteration {
                transfer.complete(error: UpstreamError(kind: .protocolError, message: "could not start the upstream request"))
            }
        }
        return transfer
    }

    // MARK: curl integration

    fileprivate func socketCallback(fd: Int32, what: Int32) {
        if what == SY_CURL_POLL_REMOVE {
            if sockets.removeValue(forKey: fd) != nil { loop.unregister(fd) }
            return
        }
        var interest: UInt32 = 0
        if what & SY_CURL_POLL_IN != 0 { interest |= IOInterest.readable }
        if what & SY_CURL_POLL_OUT != 0 { interest |= IOInterest.writable }
        if let existing = sockets[fd] {
            if existing.interest != interest {
                existing.interest = interest
                try? loop.modify(fd, interest: interest)
            }
        } else {
            let socket = CurlSocket(client: self, fd: fd, interest: interest)
            sockets[fd] = socket
            do {
                try loop.register(fd, interest: interest, handler: socket)
            } catch {
                // A stale registration of a reused fd number: replace it.
                loop.unregister(fd)
                try? loop.register(fd, interest: interest, handler: socket)
            }
        }
    }

    fileprivate func timerCallback(timeoutMilliseconds: Int) {
        if let timer { loop.cancel(timer) }
        timer = nil
        if timeoutMilliseconds < 0 { return }
        if timeoutMilliseconds == 0 {
            // "As soon as possible": after this batch of events, not from inside curl.
            if !timerArmed {
                timerArmed = true
                loop.afterCurrentIteration { [weak self] in
                    guard let self else { return }
                    self.timerArmed = false
                    self.socketAction(CURL_SOCKET_TIMEOUT, 0)
                }
            }
            return
        }
        timer = loop.schedule(afterNanoseconds: UInt64(timeoutMilliseconds) * 1_000_000) { [weak self] in
            self?.timer = nil
            self?.socketAction(CURL_SOCKET_TIMEOUT, 0)
        }
    }

    func socketAction(_ fd: Int32, _ events: Int32) {
        var running: Int32 = 0
        callbackDepth += 1
        _ = curl_multi_socket_action(multi, fd, events, &running)
        callbackDepth -= 1
        collectFinished()
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = sy_msg_result(message)
            var pointer: UnsafeMutableRawPointer?
            _ = sy_easy_getinfo_ptr(easy, CURLINFO_PRIVATE, &pointer)
            guard let pointer else { continue }
            let transfer = Unmanaged<UpstreamTransfer>.fromOpaque(pointer).takeUnretainedValue()
            detach(transfer)
            transfer.complete(error: result == CURLE_OK ? nil : transfer.error(for: result))
        }
    }

    /// Removes a transfer's handle from the multi handle and recycles it.
    func detach(_ transfer: UpstreamTransfer) {
        guard active.removeValue(forKey: ObjectIdentifier(transfer)) != nil, let easy = transfer.easy else { return }
        curl_multi_remove_handle(multi, easy)
        transfer.easy = nil
        transfer.releaseBody()
        curl_easy_reset(easy)
        if idleHandles.count < 256 { idleHandles.append(easy) } else { curl_easy_cleanup(easy) }
    }

    /// Cancels a transfer: outside curl callbacks at once, otherwise right after them.
    func cancel(_ transfer: UpstreamTransfer) {
        if callbackDepth > 0 {
            loop.afterCurrentIteration { [weak self] in self?.detach(transfer) }
        } else {
            detach(transfer)
        }
    }

    /// Enforces first-byte and between-chunks deadlines (curl enforces connect and total time itself).
    private func sweep() {
        let now = loop.now
        for transfer in Array(active.values) where !transfer.isPaused {
            let limit = transfer.receivedAnyByte ? idleNanos : firstByteNanos
            if limit > 0 && now > transfer.lastActivity &+ limit {
                detach(transfer)
                let what = transfer.receivedAnyByte ? "between response chunks" : "for the first response byte"
                transfer.complete(error: UpstreamError(kind: .timeout, message: "upstream timed out waiting \(what)"))
            }
        }
    }
}

/// One curl socket registered with the loop.
private final class CurlSocket: IOHandler {
    unowned let client: UpstreamClient
    let fd: Int32
    var interest: UInt32

    init(client: UpstreamClient, fd: Int32, interest: UInt32) {
        self.client = client
        self.fd = fd
        self.interest = interest
    }

    func handleIO(events: UInt32) {
        var flags: Int32 = 0
        if events & IOInterest.readable != 0 { flags |= SY_CURL_CSELECT_IN }
        if events & IOInterest.writable != 0 { flags |= SY_CURL_CSELECT_OUT }
        if events & IOInterest.hangup != 0 { flags |= SY_CURL_CSELECT_IN }
        if events & IOInterest.error != 0 { flags |= SY_CURL_CSELECT_ERR }
        client.socketAction(fd, flags)
    }
}

private func curlSocketCallback(easy: UnsafeMutableRawPointer?, fd: curl_socket_t, what: Int32, userp: UnsafeMutableRawPointer?, socketp: UnsafeMutableRawPointer?) -> Int32 {
    guard let userp else { return 0 }
    Unmanaged<UpstreamClient>.fromOpaque(userp).takeUnretainedValue().socketCallback(fd: fd, what: what)
    return 0
}

private func curlTimerCallback(multi: UnsafeMutableRawPointer?, timeout: Int, userp: UnsafeMutableRawPointer?) -> Int32 {
    guard let userp else { return 0 }
    Unmanaged<UpstreamClient>.fromOpaque(userp).takeUnretainedValue().timerCallback(timeoutMilliseconds: timeout)
    return 0
}
