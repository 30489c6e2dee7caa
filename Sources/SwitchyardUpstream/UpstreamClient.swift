import CCurl
import Glibc
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
        /// Use the built-in HTTP/1.1 client for `http://` upstreams at IP addresses or localhost.
        package var builtInHTTP1: Bool
        /// PEM CA bundle for HTTPS upstreams; nil uses the system trust store.
        package var caFile: String?

        package init(connectTimeout: Double = 10, firstByteTimeout: Double = 300, idleTimeout: Double = 120, totalTimeout: Double = 300, maxConnections: Int = 1024, builtInHTTP1: Bool = true, caFile: String? = nil) {
            self.builtInHTTP1 = builtInHTTP1
            self.caFile = caFile
            self.connectTimeout = connectTimeout
            self.firstByteTimeout = firstByteTimeout
            self.idleTimeout = idleTimeout
            self.totalTimeout = totalTimeout
            self.maxConnections = maxConnections
        }
    }

    let loop: EventLoop
    package let configuration: Configuration
    /// The libcurl multi handle, created (with curl's global state) on first use: a worker whose providers are
    /// all plain HTTP at IP addresses never initialises libcurl or OpenSSL.
    private(set) lazy var multi: UnsafeMutableRawPointer = makeMulti()
    private var multiCreated = false
    private var sockets: [Int32: CurlSocket] = [:]
    private var timer: TimerID?
    private var timerArmed = false
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// Depth of calls into libcurl that may run our callbacks; removal is deferred while inside them.
    var callbackDepth = 0
    private let firstByteNanos: UInt64
    private let idleNanos: UInt64
    private let connectNanos: UInt64
    private let totalNanos: UInt64
    /// Parsed built-in-client endpoints by URL; `nil` entries mark URLs that go through libcurl.
    private var endpoints: [String: HTTP1Endpoint?] = [:]
    private var nativeActive: [ObjectIdentifier: NativeTransfer] = [:]
    private var pooledEndpoints: [ObjectIdentifier: HTTP1Endpoint] = [:]
    /// Read buffer shared by the built-in client's connections (single-threaded).
    let readScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    /// Idle pooled connections unused this long are closed.
    private static let pooledIdleNanos: UInt64 = 60_000_000_000

    /// Calls `curl_global_init` (once per process; workers are single-threaded, so doing it lazily is safe).
    package static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    package init(loop: EventLoop, configuration: Configuration = .init()) {
        self.loop = loop
        self.configuration = configuration
        self.firstByteNanos = MonotonicClock.nanoseconds(configuration.firstByteTimeout)
        self.idleNanos = MonotonicClock.nanoseconds(configuration.idleTimeout)
        self.connectNanos = MonotonicClock.nanoseconds(configuration.connectTimeout)
        self.totalNanos = MonotonicClock.nanoseconds(configuration.totalTimeout)
        loop.scheduleRepeating(everyNanoseconds: 250_000_000) { [weak self] in self?.sweep() }
    }

    deinit {
        readScratch.deallocate()
        for handle in idleHandles { curl_easy_cleanup(handle) }
        if multiCreated { curl_multi_cleanup(multi) }
    }

    private func makeMulti() -> UnsafeMutableRawPointer {
        Self.globalInit()
        multiCreated = true
        let multi = curl_multi_init()!
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = sy_multi_setopt_socketcb(multi, curlSocketCallback)
        _ = sy_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        _ = sy_multi_setopt_timercb(multi, curlTimerCallback)
        _ = sy_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        _ = sy_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxConnections)
        return multi
    }

    /// Number of transfers in progress.
    package var activeCount: Int { active.count + nativeActive.count }

    /// Reset easy handles kept for the next libcurl transfer.
    var idleHandleCount: Int { idleHandles.count }

    /// Test seam: the next `curl_multi_add_handle` is not called and reports failure.
    var failNextHandleAdd = false

    /// Starts a request; `handler` hears about the response (never before this returns). Keep the returned
    /// transfer to cancel or resume it.
    @discardableResult
    package func start(_ request: UpstreamRequest, handler: UpstreamResponseHandler) -> UpstreamTransfer {
        if configuration.builtInHTTP1, let endpoint = endpoint(for: request.url) {
            return startNative(request, endpoint: endpoint, handler: handler)
        }
        return startCurl(request, handler: handler)
    }

    private func endpoint(for url: String) -> HTTP1Endpoint? {
        if let cached = endpoints[url] { return cached }
        let made = HTTP1Endpoint(url: url)
        endpoints[url] = made
        return made
    }

    private func startCurl(_ request: UpstreamRequest, handler: UpstreamResponseHandler) -> UpstreamTransfer {
        let easy = idleHandles.popLast() ?? curl_easy_init()!
        let transfer = CurlTransfer(client: self, easy: easy, request: request, handler: handler)
        transfer.progress.firstByteDeadline = request.firstByteDeadline
        transfer.configure(connectTimeout: configuration.connectTimeout, totalTimeout: request.totalTimeout ?? configuration.totalTimeout, caFile: configuration.caFile)
        active[ObjectIdentifier(transfer)] = transfer
        if callbackDepth > 0 {
            // libcurl refuses multi-handle calls from inside its callbacks (CURLM_RECURSIVE_API_CALL, see
            // libcurl-multi(3)); a handler starting a request from its head or body callback gets it added after them.
            loop.afterCurrentIteration { [weak self] in self?.add(transfer) }
        } else {
            add(transfer)
        }
        return transfer
    }

    /// Hands a configured transfer to the multi handle. If libcurl refuses it, its easy handle is reset and
    /// recycled, its body copy freed, and the handler hears one error after the current event.
    private func add(_ transfer: CurlTransfer) {
        // Cancelled while waiting to be added: `cancel` has already recycled its handle.
        guard let easy = transfer.easy, active[ObjectIdentifier(transfer)] != nil else { return }
        let code: CURLMcode
        if failNextHandleAdd {
            failNextHandleAdd = false
            code = CURLM_OUT_OF_MEMORY
        } else {
            code = curl_multi_add_handle(multi, easy)
        }
        guard code != CURLM_OK else { return }
        active.removeValue(forKey: ObjectIdentifier(transfer))
        recycle(easy, of: transfer)
        let detail = String(cString: curl_multi_strerror(code))
        loop.afterCurrentIteration {
            transfer.complete(error: UpstreamError(kind: .protocolError, message: "could not start the upstream request (\(detail))"))
        }
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
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
            detach(transfer)
            transfer.complete(error: result == CURLE_OK ? nil : transfer.error(for: result))
        }
    }

    /// Removes a transfer's handle from the multi handle and recycles it.
    func detach(_ transfer: CurlTransfer) {
        guard active.removeValue(forKey: ObjectIdentifier(transfer)) != nil, let easy = transfer.easy else { return }
        // A handle whose add is still pending is not in the multi handle; libcurl then answers CURLM_OK anyway.
        curl_multi_remove_handle(multi, easy)
        recycle(easy, of: transfer)
    }

    /// Takes `easy` from `transfer` (freeing its body copy), resets it and keeps it for the next transfer.
    private func recycle(_ easy: UnsafeMutableRawPointer, of transfer: CurlTransfer) {
        transfer.easy = nil
        transfer.releaseBody()
        curl_easy_reset(easy)
        if idleHandles.count < 256 { idleHandles.append(easy) } else { curl_easy_cleanup(easy) }
    }

    /// Cancels a transfer: outside curl callbacks at once, otherwise right after them.
    func cancel(_ transfer: CurlTransfer) {
        if callbackDepth > 0 {
            loop.afterCurrentIteration { [weak self] in self?.detach(transfer) }
        } else {
            detach(transfer)
        }
    }

    /// Enforces first-byte and between-chunks deadlines (curl enforces connect and total time itself), and the
    /// built-in client's connect and total deadlines; closes pooled connections idle for a minute.
    private func sweep() {
        let now = loop.now
        sweepNative(now: now)
        for transfer in Array(active.values) where !transfer.isPaused {
            let budget = transfer.progress.pastFirstByteDeadline(now: now) ? "the request's time budget ran out before the provider's first response byte" : nil
            guard let message = budget ?? transfer.progress.stall(now: now, firstByte: firstByteNanos, betweenChunks: idleNanos) else { continue }
            detach(transfer)
            transfer.complete(error: UpstreamError(kind: .timeout, message: message))
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

// MARK: - built-in HTTP/1.1 client

extension UpstreamClient {
    private func startNative(_ request: UpstreamRequest, endpoint: HTTP1Endpoint, handler: UpstreamResponseHandler) -> UpstreamTransfer {
        let get = request.method == "GET"
        var bytes: [UInt8] = []
        bytes.reserveCapacity(endpoint.postPrefix.count + request.headers.wire.count + request.body.count + request.requestID.utf8.count + 48)
        bytes.append(contentsOf: get ? endpoint.getPrefix : endpoint.postPrefix)
        bytes.append(contentsOf: request.headers.wire)
        if !request.requestID.isEmpty {
            bytes.append(contentsOf: "X-Request-Id: ".utf8)
            bytes.append(contentsOf: request.requestID.utf8)
            bytes.append(0x0D); bytes.append(0x0A)
        }
        if !get {
            bytes.append(contentsOf: "Content-Length: ".utf8)
            bytes.append(contentsOf: String(request.body.count).utf8)
            bytes.append(0x0D); bytes.append(0x0A)
        }
        bytes.append(0x0D); bytes.append(0x0A)
        bytes.append(contentsOf: request.body)
        let total = request.totalTimeout.map { MonotonicClock.nanoseconds($0) } ?? totalNanos
        let transfer = NativeTransfer(client: self, endpoint: endpoint, method: request.method, requestBytes: bytes, handler: handler, totalTimeout: total)
        transfer.progress.firstByteDeadline = request.firstByteDeadline
        nativeActive[ObjectIdentifier(transfer)] = transfer
        launch(transfer, fresh: false)
        return transfer
    }

    /// Puts `transfer` on a pooled connection (or a new one). Failures are reported after the current event,
    /// never from inside ``start(_:handler:)``.
    private func launch(_ transfer: NativeTransfer, fresh: Bool) {
        let endpoint = transfer.endpoint
        var connection = fresh ? nil : endpoint.takeIdle()
        if let pooled = connection { pooledEndpoints.removeValue(forKey: ObjectIdentifier(pooled)) }
        if connection == nil {
            do {
                connection = try HTTP1Connection(client: self, endpoint: endpoint)
            } catch {
                let failure = UpstreamError(kind: .connect, message: "could not connect to the provider (\(String(cString: strerror(error.code))))")
                loop.afterCurrentIteration { transfer.complete(error: failure) }
                return
            }
        }
        transfer.connection = connection
        connection!.start(transfer)
    }

    func retryOnFreshConnection(_ transfer: NativeTransfer) {
        guard !transfer.retried, !transfer.isFinished else {
            loop.afterCurrentIteration { transfer.complete(error: UpstreamError(kind: .protocolError, message: "the provider closed the connection")) }
            return
        }
        transfer.retried = true
        launch(transfer, fresh: true)
    }

    func returnToPool(_ connection: HTTP1Connection) -> Bool {
        guard connection.endpoint.putIdle(connection) else { return false }
        pooledEndpoints[ObjectIdentifier(connection)] = connection.endpoint
        return true
    }

    func connectionClosed(_ connection: HTTP1Connection) {
        if pooledEndpoints.removeValue(forKey: ObjectIdentifier(connection)) != nil {
            connection.endpoint.removeIdle(connection)
        }
    }

    func nativeTransferEnded(_ transfer: NativeTransfer) {
        nativeActive.removeValue(forKey: ObjectIdentifier(transfer))
    }

    fileprivate func sweepNative(now: UInt64) {
        for transfer in Array(nativeActive.values) {
            var message: String?
            if transfer.progress.pastFirstByteDeadline(now: now) {
                message = "the request's time budget ran out before the provider's first response byte"
            } else if transfer.connection?.isConnecting == true {
                if connectNanos > 0 && now > transfer.startedAt &+ connectNanos { message = "upstream timed out while connecting" }
            } else if !transfer.isPaused {
                message = transfer.progress.stall(now: now, firstByte: firstByteNanos, betweenChunks: idleNanos)
            }
            if message == nil && transfer.totalDeadline != 0 && now > transfer.totalDeadline {
                message = "upstream timed out waiting for the whole response"
            }
            guard let message else { continue }
            transfer.connection?.abort()
            transfer.complete(error: UpstreamError(kind: .timeout, message: message))
        }
        for case let endpoint? in endpoints.values where !endpoint.idle.isEmpty {
            for connection in endpoint.idle where now > connection.lastUsed &+ Self.pooledIdleNanos {
                connection.close()
            }
        }
    }
}
