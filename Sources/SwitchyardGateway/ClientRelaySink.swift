import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders

/// Relays one call's answer to the client that asked for it: streams with back-pressure, whole answers with
/// `Content-Length`, errors in the client's error shape, a broken stream reported in-band as an error event
/// (never a clean end-of-stream marker). The client going away cancels the call.
///
/// Every provider's answer reaches the sink in the OpenAI dialect (the pivot). An OpenAI client gets it as it is
/// (no `translator`: the bytes go straight to the socket, nothing copied); an Ollama or Anthropic client gets it
/// through its dialect's ``ClientTranscoder``.
final class ClientRelaySink: CallSink {
    private let response: HTTPServerResponse
    private let requestID: String
    private let access: ProxiedAccess
    /// The client's dialect, or nil for OpenAI clients.
    private let translator: ClientTranscoder?
    /// The client asked for a stream (the form of a whole answer in its dialect).
    private let clientStream: Bool
    /// Reused for every translated piece of a stream.
    private var translated: [UInt8] = []
    private(set) var call: UpstreamCall?

    /// `access` writes the access-log line and records metrics when the call ends; `translator` turns OpenAI
    /// answers into the client's dialect (nil: the client speaks OpenAI).
    init(response: HTTPServerResponse, requestID: String, access: ProxiedAccess, translator: ClientTranscoder? = nil, clientStream: Bool = false) {
        self.response = response
        self.requestID = requestID
        self.access = access
        self.translator = translator
        self.clientStream = clientStream
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
        if let translator { fields.replaceOrAdd(name: "Content-Type", value: translator.streamContentType) }
        fields.add(name: "Cache-Control", value: "no-cache")
        fields.add(name: "X-Accel-Buffering", value: "no")
        fields.add(name: "X-Request-Id", value: requestID)
        response.startStream(status: status, headers: fields)
    }

    func callDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let translator else { return response.write(bytes) }
        translated.removeAll(keepingCapacity: true)
        translator.transcode(bytes, into: &translated)
        // Nothing complete yet: ask for more (the client's socket has not been written to).
        if translated.isEmpty { return true }
        return translated.withUnsafeBytes { response.write($0) }
    }

    func callDidFinishStream(error: RouterError?) {
        if let translator {
            translated.removeAll(keepingCapacity: true)
            if let error { translator.fail(error, into: &translated) } else { translator.finish(into: &translated) }
            if !translated.isEmpty { _ = response.write(translated) }
            response.finish()
            return
        }
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
        guard let translator else { return response.send(status: status, headers: fields, body: body) }
        guard (200..<300).contains(status) else {
            fields.replaceOrAdd(name: "Content-Type", value: "application/json")
            return response.send(status: status, headers: fields, body: translator.providerErrorBody(status: status, body: body))
        }
        let answer: [UInt8]
        switch translator.wholeAnswer(body, stream: clientStream) {
        case .success(let translated): answer = translated
        case .failure(let error):
            fields.replaceOrAdd(name: "Content-Type", value: "application/json")
            return response.send(status: error.status, headers: fields, body: translator.errorBody(error))
        }
        fields.replaceOrAdd(name: "Content-Type", value: clientStream ? translator.streamContentType : "application/json")
        response.send(status: status, headers: fields, body: answer)
    }

    func callDidFail(_ error: RouterError) {
        var fields = HTTPHeaders()
        fields.add(name: "X-Request-Id", value: requestID)
        fields.add(name: "Content-Type", value: "application/json")
        if let retryAfter = error.retryAfter { fields.add(name: "Retry-After", value: String(retryAfter)) }
        response.send(status: error.status, headers: fields, body: translator?.errorBody(error) ?? error.body)
    }

    func callDidEnd(_ summary: CallSummary) {
        response.onAbort = nil
        response.onWritable = nil
        call = nil
        access.record(response, summary: summary)
    }
}
