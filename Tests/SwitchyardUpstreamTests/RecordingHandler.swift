@testable import SwitchyardUpstream

/// An ``UpstreamResponseHandler`` that records every call in order; the hooks let a test act at each step
/// (cancel the transfer, start another request, stop the loop).
final class RecordingHandler: UpstreamResponseHandler {
    /// Every call in order: `head <status>`, `body`, `finish` or `finish <error kind>`.
    private(set) var calls: [String] = []
    private(set) var head: UpstreamResponseHead?
    private(set) var body: [UInt8] = []
    private(set) var errors: [UpstreamError] = []
    var onHead: ((UpstreamResponseHead) -> Void)?
    var onBody: (() -> Void)?
    var onFinish: ((UpstreamError?) -> Void)?

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        calls.append("head \(head.status)")
        self.head = head
        onHead?(head)
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        calls.append("body")
        body.append(contentsOf: bytes)
        onBody?()
        return true
    }

    func upstreamDidFinish(error: UpstreamError?) {
        calls.append(error.map { "finish \($0.kind.rawValue)" } ?? "finish")
        if let error { errors.append(error) }
        onFinish?(error)
    }
}
