import Testing
@testable import SwitchyardProviders

@Suite("Usage read from OpenAI replies without parsing them")
struct OpenAIUsageScanTests {
    private func usage(_ text: String) -> TokenUsage? {
        Array(text.utf8).withUnsafeBytes { OpenAIUsageScan.lastUsage(in: $0) }
    }

    @Test("the top-level usage after the choices, with nested details, spaces and line breaks")
    func topLevel() {
        let body = """
            {"id":"x","choices":[{"message":{"role":"assistant","content":"a \\"usage\\":{\\"prompt_tokens\\":99}"}}],
             "usage" : {"prompt_tokens_details": {"cached_tokens": 7, "prompt_tokens": 1000},
               "prompt_tokens" : 12,
               "completion_tokens":34, "total_tokens": 46}}
            """
        #expect(usage(body) == TokenUsage(promptTokens: 12, completionTokens: 34))
    }

    @Test("a usage mentioned only inside a string, a usage without prompt_tokens, and a cut-off body give nothing")
    func nothing() {
        #expect(usage(#"{"content":"\"usage\":{\"prompt_tokens\":5}"}"#) == nil)
        #expect(usage(#"{"usage":{"completion_tokens":3}}"#) == nil)
        #expect(usage(#"{"usage":{"prompt_tokens":3,"completion_tokens":"#) == nil)
        #expect(usage("") == nil)
    }

    @Test("the last of several usage objects wins (a stream's final chunk)")
    func last() {
        #expect(usage(#"{"usage":{"prompt_tokens":1,"completion_tokens":1}} {"usage":{"prompt_tokens":2,"completion_tokens":9}}"#)
                == TokenUsage(promptTokens: 2, completionTokens: 9))
    }
}

@Suite("The OpenAI stream relay holds a bounded amount")
struct OpenAIStreamHoldTests {
    @Test("an event that never ends is passed on once it outgrows the held-event bound, instead of growing without limit")
    func unendingEvent() {
        var transcoder = OpenAIResponseTranscoder(clientModel: "m", providerModel: "m", stripUsageChunk: true)
        let piece = Array("data: {\"choices\":[{\"delta\":{\"content\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var out: [UInt8] = []
        var sent = 0
        for _ in 0..<6 {
            let handled = piece.withUnsafeBytes { transcoder.transcode($0, into: &out) }
            #expect(handled, "a piece without an event boundary goes through the holding path")
            sent += piece.count
        }
        #expect(!out.isEmpty, "the held bytes were passed on")
        #expect(sent - out.count <= ModelNameRewriter.maxHeldEvent, "held \(sent - out.count) bytes")
    }
}
