import SwitchyardProviders
import Testing

@Suite("SSE payload reader")
struct SSEPayloadReaderTests {
    private func read(_ text: String, cuts: [Int] = []) -> [SSEPayloadReader.Payload] {
        var reader = SSEPayloadReader()
        var payloads: [SSEPayloadReader.Payload] = []
        let bytes = Array(text.utf8)
        var start = 0
        for cut in cuts + [bytes.count] {
            bytes[start..<cut].withUnsafeBytes { reader.feed($0) { payloads.append($0) } }
            start = cut
        }
        reader.finish { payloads.append($0) }
        return payloads
    }

    @Test("data lines of an event are joined with LF; comments and other fields are skipped")
    func joinsDataLines() {
        let payloads = read(": hi\nevent: x\ndata: a\ndata:b\nid: 1\n\ndata: c\n\n")
        #expect(payloads == [.data(Array("a\nb".utf8)), .data(Array("c".utf8))])
    }

    @Test("CRLF line endings and an unterminated last event are read")
    func crlfAndUnterminated() {
        #expect(read("data: a\r\n\r\ndata: b") == [.data(Array("a".utf8)), .data(Array("b".utf8))])
    }

    @Test("every split of the input gives the same events")
    func everySplit() {
        let text = "data: {\"x\":\"☃\"}\r\n\r\n: c\n\ndata: [DONE]\n\n"
        let whole = read(text)
        #expect(whole.count == 2)
        for cut in 0...text.utf8.count {
            #expect(read(text, cuts: [cut]) == whole, "split at \(cut)")
        }
    }

    @Test("an oversized event is dropped and reported once")
    func oversized() {
        let big = String(repeating: "x", count: SSEPayloadReader.maxEvent + 10)
        let payloads = read("data: \(big)\n\ndata: ok\n\n", cuts: [100, 5000])
        #expect(payloads == [.oversized, .data(Array("ok".utf8))])
    }
}
