/// One upstream exchange run by the built-in HTTP/1.1 client.
package final class NativeTransfer: UpstreamTransfer {
    private unowned let client: UpstreamClient
    private weak var handler: UpstreamResponseHandler?
    let endpoint: HTTP1Endpoint
    let method: String
    /// The serialised request, kept (copy-on-write, so not copied) in case a stale connection forces a retry.
    private let requestBytes: [UInt8]
    var connection: HTTP1Connection?
    private(set) var isFinished = false
    private var headDelivered = false
    var retried = false
    /// Deadline bookkeeping for the client's sweep.
    let startedAt: UInt64
    var progress: TransferProgress
    var totalDeadline: UInt64
    package private(set) var isPaused = false

    init(client: UpstreamClient, endpoint: HTTP1Endpoint, method: String, requestBytes: [UInt8], handler: UpstreamResponseHandler, totalTimeout: UInt64) {
        self.client = client
        self.endpoint = endpoint
        self.method = method
        self.requestBytes = requestBytes
        self.handler = handler
        self.startedAt = client.loop.now
        self.progress = TransferProgress(now: startedAt)
        self.totalDeadline = totalTimeout == 0 ? 0 : startedAt &+ totalTimeout
    }

    /// The request's bytes for a connection to send.
    func takeRequestBytes() -> [UInt8] {
        requestBytes
    }

    func noteActivity() {
        progress.received(now: client.loop.now)
    }

    func deliverHead(_ head: UpstreamResponseHead) {
        guard !isFinished, !headDelivered else { return }
        headDelivered = true
        handler?.upstreamDidReceiveHead(head)
    }

    /// Hands body bytes to the handler; false when it asked to pause.
    func deliver(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !isFinished, let handler else { return true }
        if !handler.upstreamDidReceive(bytes) {
            isPaused = true
            return false
        }
        return true
    }

    func complete(error: UpstreamError?) {
        guard !isFinished else { return }
        isFinished = true
        connection = nil
        client.nativeTransferEnded(self)
        let handler = self.handler
        self.handler = nil
        handler?.upstreamDidFinish(error: error)
    }

    package func cancel() {
        guard !isFinished else { return }
        isFinished = true
        handler = nil
        client.nativeTransferEnded(self)
        let connection = self.connection
        self.connection = nil
        connection?.abort()
    }

    package func resume() {
        guard isPaused, !isFinished else { return }
        isPaused = false
        progress.lastActivity = client.loop.now
        connection?.resumeReading()
    }
}
