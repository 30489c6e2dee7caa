/// The OpenAI dialect on both sides: bytes pass through, except that replies name the model the client asked
/// for when the provider serves it under another `model_path` (``ModelNameRewriter``).
package struct OpenAIResponseTranscoder: ResponseTranscoder {
    private var rewriter: ModelNameRewriter?

    /// `clientModel` is the name the client used; `providerModel` the provider's `model_path`.
    package init(clientModel: String, providerModel: String) {
        rewriter = clientModel == providerModel ? nil : ModelNameRewriter(clientModel: clientModel)
    }

    package func delivery(status: Int, contentType: String?, clientWantsStream: Bool) -> ResponseDelivery {
        if clientWantsStream && (200..<300).contains(status) && (contentType?.hasPrefix("text/event-stream") ?? false) {
            return .stream(contentType: "text/event-stream")
        }
        return .buffer
    }

    package mutating func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard rewriter != nil else { return false }
        rewriter!.rewriteSSE(input, into: &out)
        return true
    }

    package mutating func finish(into out: inout [UInt8]) {
        guard rewriter != nil else { return }
        out.append(contentsOf: rewriter!.finish())
    }

    package func transcodeWhole(_ body: [UInt8]) -> [UInt8] {
        rewriter?.rewriteJSON(body) ?? body
    }
}
