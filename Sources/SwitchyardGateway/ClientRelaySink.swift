import SwitchyardCore
import SwitchyardHTTP

/// Relays one call's answer to the client that asked for it, in the OpenAI dialect: streams with
/// back-pressure, whole answers with `Content-Length`, errors in the OpenAI shape, a broken stream reported
/// in-band as an error event (never `[DONE]`). The client going away cancels the call.
final class ClientRelaySink: CallSink {
    private let response: HTTPServerResponse
    private let requestID: String
    private let access: ProxiedAccess
    private(set) var call: UpstreamCall?

    /// `access` writes the access-log line and records metrics when the call ends.
    init(response: HTTPServerResponse, requestID: String, access: ProxiedAccess) {
        self.response = response
        self.requestID = requestID
        self.access = access
    }

    /// Ties `call` to the client connection: a vanished client cancels it; a drained socket resumes it.
    func attach(_ call: UpstreamCall) {
        self.call = call
        // The sink keeps itself (and the call) alive through these closures until the call ends.
        response.onAbort = { [self] in self.call?.cancel() }
        response.onWritable = { [self] in self.call?.resume() }
    }

    func callDidStartStream(status: Int, headers: HTTPHeaders) {
        var fields = headers
        fields.add(name: "Cache-Control", value: "no-cache")
        fields.add(name: "X-Accel-Buffering", value: "no")
        fields.add(name: "X-Request-Id", value: requestID)
        response.startStream(status: status, headers: fields)
    }

    func callDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        response.write(bytes)
    }

    func callDidFinishStream(error: RouterError?) {
        guard let error else {
            response.finish()
            return
        }
        // Report in-band, the way OpenAI's SDKs read stream errors (they raise it as an APIError), then end the
        // body properly so the client parses that event instead of failing on a truncated chunked body. The
        // access log and metrics still count the stream as broken.
        var event = Array("data: ".utf8)
        event.append(contentsOf: error.body)
        event.append(contentsOf: "\n\n".utf8)
        response.write(event)
        response.finish()
    }

    func callDidAnswer(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        var fields = headers
        fields.add(name: "X-Request-Id", value: requestID)
        response.send(status: status, headers: fields, body: body)
    }

    func callDidFail(_ error: RouterError) {
        var fields = HTTPHeaders()
        fields.add(name: "X-Request-Id", value: requestID)
        fields.add(name: "Content-Type", value: "application/json")
        if let retryAfter = error.retryAfter { fields.add(name: "Retry-After", value: String(retryAfter)) }
        response.send(status: error.status, headers: fields, body: error.body)
    }

    func callDidEnd(_ summary: CallSummary) {
        response.onAbort = nil
        response.onWritable = nil
        call = nil
        access.record(response, summary: summary, requestID: requestID)
    }
}
