import SwitchyardCore

/// How the pipeline delivers one upstream response.
package enum ResponseDelivery: Equatable {
    /// Relay it as it arrives, chunk by chunk, with this content type.
    case stream(contentType: String)
    /// Collect it whole (bounded), then hand it over at once.
    case buffer
}

/// Translates one provider response into the client's dialect. One per attempt; pure (no sockets), so it can be
/// fed arbitrary byte splits in tests. The pipeline asks it how to deliver once the head has arrived.
package protocol ResponseTranscoder {
    /// Decides, from the provider's status and content type and whether the client asked for a stream, whether
    /// to stream or buffer.
    func delivery(status: Int, contentType: String?, clientWantsStream: Bool) -> ResponseDelivery
    /// Translates a piece of a streamed body into `out`. Returns false when `input` goes to the client
    /// unchanged (then nothing was appended: the zero-copy path).
    mutating func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool
    /// The stream ended: appends whatever is still held.
    mutating func finish(into out: inout [UInt8])
    /// Translates a whole successful (2xx) body; throws when the provider's answer cannot be understood.
    mutating func transcodeWhole(_ body: [UInt8]) throws(RouterError) -> [UInt8]
    /// A provider error body (non-2xx) in the OpenAI error shape `{"error":{…}}`.
    func mapError(status: Int, body: [UInt8]) -> [UInt8]
    /// The token usage the provider reported, once known (after the whole body or the stream's end).
    var usage: TokenUsage? { get }
}

extension ResponseTranscoder {
    /// OpenAI-dialect providers already answer errors in the OpenAI shape.
    package func mapError(status: Int, body: [UInt8]) -> [UInt8] { body }
}

extension ResponseDelivery {
    /// How translating transcoders deliver: a stream (as SSE of OpenAI chunks) when the client asked for one and
    /// the provider answered 2xx, else the whole answer.
    package static func translated(status: Int, clientWantsStream: Bool) -> ResponseDelivery {
        clientWantsStream && (200..<300).contains(status) ? .stream(contentType: "text/event-stream") : .buffer
    }
}
