import CCurl
import Glibc
import SwitchyardHTTP

/// One upstream exchange run by libcurl (HTTPS, and hosts that need DNS).
package final class CurlTransfer: UpstreamTransfer {
    private unowned let client: UpstreamClient
    var easy: UnsafeMutableRawPointer?
    private weak var handler: UpstreamResponseHandler?
    private var bodyPointer: UnsafeMutableRawPointer?
    private let url: String
    private let method: String
    private let headers: UpstreamHeaderList
    /// The shared header lines plus this request's `X-Request-Id`, when it has one (freed with the transfer).
    private var ownHeaders: UnsafeMutablePointer<curl_slist>?
    private var bodyCount: Int
    private var status = 0
    /// Fields of the head being received; moved out (not copied) when it is delivered.
    private var responseHeaders = HTTPHeaders()
    private var headDelivered = false
    private var finished = false
    /// True while delivery is paused for back-pressure.
    package private(set) var isPaused = false
    var progress: TransferProgress

    init(client: UpstreamClient, easy: UnsafeMutableRawPointer, request: UpstreamRequest, handler: UpstreamResponseHandler) {
        self.client = client
        self.easy = easy
        self.handler = handler
        self.url = request.url
        self.method = request.method
        self.headers = request.headers
        if !request.requestID.isEmpty {
            var list: UnsafeMutablePointer<curl_slist>?
            var cursor = request.headers.list
            while let node = cursor {
                list = curl_slist_append(list, node.pointee.data)
                cursor = node.pointee.next
            }
            ownHeaders = curl_slist_append(list, "X-Request-Id: " + request.requestID)
        }
        self.bodyCount = request.body.count
        self.progress = TransferProgress(now: client.loop.now)
        if !request.body.isEmpty {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: request.body.count, alignment: 1)
            request.body.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            bodyPointer = pointer
        }
    }

    deinit {
        releaseBody()
        curl_slist_free_all(ownHeaders)
    }

    /// Whether the copy of the request body is still held.
    var holdsRequestBody: Bool { bodyPointer != nil }

    func releaseBody() {
        bodyPointer?.deallocate()
        bodyPointer = nil
    }

    func configure(connectTimeout: Double, totalTimeout: Double, caFile: String?) {
        guard let easy else { return }
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = sy_easy_setopt_str(easy, CURLOPT_URL, url)
        _ = sy_easy_setopt_ptr(easy, CURLOPT_PRIVATE, me)
        _ = sy_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, ownHeaders ?? headers.list)
        _ = sy_easy_setopt_datacb(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        _ = sy_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        _ = sy_easy_setopt_datacb(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        _ = sy_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
        _ = sy_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        // Proxy variables (HTTPS_PROXY, NO_PROXY…) are honoured on this path, as llm-router's `requests` did.
        if let caFile { _ = sy_easy_setopt_str(easy, CURLOPT_CAINFO, caFile) }
        _ = sy_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        _ = sy_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = sy_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        if totalTimeout > 0 { _ = sy_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000)) }
        // Plain-HTTP upstreams (vLLM, SGLang, Ollama) speak HTTP/1.1; TLS upstreams may negotiate HTTP/2 via ALPN.
        if url.hasPrefix("http://") { _ = sy_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)) }
        switch method {
        case "GET":
            _ = sy_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        default:
            _ = sy_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = sy_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyCount))
            _ = sy_easy_setopt_ptr(easy, CURLOPT_POSTFIELDS, bodyPointer ?? emptyBody)
            if method != "POST" { _ = sy_easy_setopt_str(easy, CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    /// Aborts the exchange now; the upstream connection is closed (so the model server frees the slot) and the
    /// handler hears nothing more.
    package func cancel() {
        guard !finished else { return }
        finished = true
        handler = nil
        client.cancel(self)
    }

    /// Resumes delivery after the handler returned false from `upstreamDidReceive`.
    package func resume() {
        guard isPaused, !finished, let easy else { return }
        isPaused = false
        progress.lastActivity = client.loop.now
        client.callbackDepth += 1
        _ = curl_easy_pause(easy, SY_CURLPAUSE_CONT)
        client.callbackDepth -= 1
        // Let curl pick up buffered data and socket state promptly.
        client.loop.afterCurrentIteration { [weak client] in client?.socketAction(SY_CURL_SOCKET_TIMEOUT, 0) }
    }

    // MARK: callbacks from curl

    /// One line of a header block as curl hands it over: a status line, `Name: value` with its CRLF, or the
    /// empty line ending the block. Interim (1xx) heads and a proxy's CONNECT answer each start over.
    fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        progress.received(now: client.loop.now)
        // Trailer fields of a chunked body come through here too; the head is long gone by then.
        if headDelivered { return }
        if line.count >= 5, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2F {
            // A new status line (after 1xx or a redirect): start over.
            if responseHeaders.count > 0 { responseHeaders = HTTPHeaders() }
            var code = 0
            _ = sy_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
            status = code
            return
        }
        if line.count <= 2 {
            // End of a header block: deliver the final head as early as possible (streaming TTFB).
            if status >= 200 { deliverHead() }
            return
        }
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        var colon = 0
        while colon < end, line[colon] != 0x3A { colon += 1 }
        // No colon: an obsolete folded continuation line (RFC 9112 §5.2), which we drop.
        guard colon > 0, colon < end else { return }
        var valueStart = colon + 1
        while valueStart < end, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        responseHeaders.add(
            name: String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
            value: String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self))
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if finished { return 0 }
        if isPaused { return SY_CURL_WRITEFUNC_PAUSE }
        progress.received(now: client.loop.now)
        if !headDelivered { deliverHead() }
        guard let handler else { return 0 }
        if !handler.upstreamDidReceive(bytes) {
            // The bytes were taken; stop further deliveries until resume().
            isPaused = true
        }
        return bytes.count
    }

    private func deliverHead() {
        guard !headDelivered else { return }
        headDelivered = true
        let head = UpstreamResponseHead(status: status, headers: responseHeaders)
        responseHeaders = HTTPHeaders()
        handler?.upstreamDidReceiveHead(head)
    }

    func complete(error: UpstreamError?) {
        guard !finished else { return }
        finished = true
        if error == nil && !headDelivered { deliverHead() }
        let handler = self.handler
        self.handler = nil
        handler?.upstreamDidFinish(error: error)
    }

    func error(for code: CURLcode) -> UpstreamError {
        let text = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return UpstreamError(kind: .connect, message: "could not connect to the provider (\(text))")
        case CURLE_OPERATION_TIMEDOUT:
            return UpstreamError(kind: .timeout, message: "upstream timed out (\(text))")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE:
            return UpstreamError(kind: .tls, message: "TLS failure talking to the provider (\(text))")
        default:
            return UpstreamError(kind: .protocolError, message: "upstream connection failed (\(text))")
        }
    }
}

/// A valid pointer for zero-length POST bodies (curl would otherwise read `CURLOPT_POSTFIELDS` as a C string).
nonisolated(unsafe) private let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

private func curlWriteCallback(ptr: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let ptr else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: ptr, count: size * count))
}

private func curlHeaderCallback(ptr: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let ptr else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: ptr, count: size * count))
    return size * count
}
