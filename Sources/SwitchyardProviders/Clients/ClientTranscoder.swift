import SwitchyardCore

/// Turns the OpenAI-dialect answer of whichever provider served a request into the client's dialect (Ollama,
/// Anthropic), and the router's errors into that dialect's error shape. Pure (no sockets): fed arbitrary byte
/// splits in tests. One per request; a class so the relay can drive it without copies. The OpenAI front door has
/// none (its answers are relayed as they are).
package protocol ClientTranscoder: AnyObject {
    /// Content type of a streamed answer (`application/x-ndjson`, `text/event-stream`).
    var streamContentType: String { get }
    /// Translates a piece of the provider's SSE stream, appending the client's events to `out`.
    func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8])
    /// The provider's stream ended cleanly: appends the closing events.
    func finish(into out: inout [UInt8])
    /// The stream broke after its head was sent: appends one in-band error event in the client's dialect (the
    /// relay then ends the body cleanly).
    func fail(_ error: RouterError, into out: inout [UInt8])
    /// A whole successful answer in the client's dialect; `stream` when the client asked for a stream (the
    /// provider answered whole anyway: the stream form is written at once). Nil when it is not a readable
    /// OpenAI answer; ``wholeAnswer(_:stream:)`` says why.
    func whole(_ body: [UInt8], stream: Bool) -> [UInt8]?
    /// The body of a router error in the client's error shape.
    func errorBody(_ error: RouterError) -> [UInt8]
}

extension ClientTranscoder {
    /// ``whole(_:stream:)``, or the 502 to answer instead: an error object inside a 2xx answer keeps its message.
    package func wholeAnswer(_ body: [UInt8], stream: Bool) -> Result<[UInt8], RouterError> {
        // The scanner finds a top-level `error` without building a tree; only then is the body parsed for it.
        if case .success(let scan) = body.withUnsafeBytes({ JSONScanner.scanObject($0) }), let member = scan.member("error"), member.kind != .null,
           let error = JSONValue.parse(body)?["error"] {
            let message = error["message"]?.string ?? error.string ?? "The provider reported an error."
            return .failure(RouterError(status: 502, message: message, code: "upstream_error"))
        }
        guard let answer = whole(body, stream: stream) else {
            return .failure(.upstreamFailed("the provider's answer is not a JSON object in the OpenAI shape"))
        }
        return .success(answer)
    }

    /// One event of the provider's SSE stream as a stream transcoder takes it: the answer piece it carries, the
    /// error to fail the stream with (an oversized event, an in-band error), or nil when there is nothing to do
    /// (`[DONE]`, data that is not a JSON object).
    static func streamPiece(_ payload: SSEPayloadReader.Payload) -> Result<OpenAIAnswerPiece, RouterError>? {
        guard case .data(let data) = payload else {
            return .failure(.upstreamFailed("the provider sent a stream event larger than \(SSEPayloadReader.maxEvent) bytes"))
        }
        if data.elementsEqual("[DONE]".utf8) { return nil }
        guard let piece = OpenAIAnswerPiece.parse(data) else { return nil }
        if let message = piece.errorMessage { return .failure(RouterError(status: 502, message: message, code: "upstream_error")) }
        return .success(piece)
    }

    /// A provider's error answer (already made client-safe, in the OpenAI shape) in the client's shape.
    package func providerErrorBody(status: Int, body: [UInt8]) -> [UInt8] {
        let value = JSONValue.parse(body)
        let message = value?["error"]?["message"]?.string ?? value?["error"]?.string ?? value?["message"]?.string
            ?? "The provider answered with status \(status)."
        let code = value?["error"]?["code"]?.string ?? "upstream_error"
        return errorBody(RouterError(status: status, message: message, code: code))
    }
}
