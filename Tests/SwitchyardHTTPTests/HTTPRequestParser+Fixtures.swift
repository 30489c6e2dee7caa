import SwitchyardHTTP
import Testing

extension HTTPRequestParser {
    /// A parser with the given limits (defaults: 64 KiB head, 128 fields, 1 MiB body).
    static func make(maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 128, maxBodyBytes: Int = 1 << 20) -> HTTPRequestParser {
        HTTPRequestParser(limits: Limits(maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes))
    }

    /// Feeds `pieces` one after another into a fresh parser, draining every outcome after each piece, and
    /// records what came out. Stops at the first failure. Bounded: every request consumes at least one byte,
    /// so more outcomes than buffered bytes is recorded as ``ParseTranscript/Ending/runaway``.
    static func transcript(of pieces: [[UInt8]], limits: Limits = Limits()) -> ParseTranscript {
        var parser = HTTPRequestParser(limits: limits)
        var buffer = InputBuffer()
        var transcript = ParseTranscript()
        for piece in pieces {
            buffer.append(piece)
            var budget = buffer.readableCount + 2
            drain: while true {
                budget -= 1
                if budget < 0 {
                    transcript.ending = .runaway
                    return transcript
                }
                switch parser.parse(&buffer) {
                case .needMore:
                    break drain
                case .request(let request):
                    transcript.requests.append(ParsedRequest(request))
                case .failure(let error):
                    transcript.ending = .failure(status: error.status, code: error.code)
                    return transcript
                }
            }
        }
        transcript.ending = .needMore(awaitingBody: parser.isAwaitingBody)
        return transcript
    }
}

extension InputBuffer {
    /// A buffer holding the UTF-8 bytes of `text`.
    static func make(_ text: String) -> InputBuffer { InputBuffer(Array(text.utf8)) }
}

/// The UTF-8 bytes of `text`; test requests are written as string literals with explicit `\r\n`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Everything a parser produced from one byte stream, in a form that compares across feedings.
struct ParseTranscript: Equatable, CustomStringConvertible {
    enum Ending: Equatable {
        case needMore(awaitingBody: Bool)
        case failure(status: Int, code: String)
        /// The parser kept producing outcomes without consuming input.
        case runaway
    }

    var requests: [ParsedRequest] = []
    var ending: Ending = .needMore(awaitingBody: false)

    var description: String { "\(requests.count) request(s) \(requests.map(\.description)), then \(ending)" }
}

/// An ``HTTPRequest`` flattened into equatable values.
struct ParsedRequest: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var minorVersion: Int
    /// `name: value` in arrival order, exactly as stored.
    var headers: [String]
    var keepAlive: Bool
    var expectsContinue: Bool
    var framing: BodyFraming
    var body: [UInt8]

    init(_ request: HTTPRequest) {
        method = request.head.method
        target = request.head.target
        minorVersion = request.head.minorVersion
        headers = request.head.headers.map { "\($0.name): \($0.value)" }
        keepAlive = request.head.keepAlive
        expectsContinue = request.head.expectsContinue
        framing = request.head.framing
        body = request.body
    }

    private init(method: String, target: String, minorVersion: Int, headers: [String], keepAlive: Bool, expectsContinue: Bool, framing: BodyFraming, body: [UInt8]) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.framing = framing
        self.body = body
    }

    /// The request a test expects, with HTTP/1.1 keep-alive defaults.
    static func make(
        method: String = "GET", target: String = "/", minorVersion: Int = 1, headers: [String],
        keepAlive: Bool = true, expectsContinue: Bool = false, framing: BodyFraming = .none, body: String = ""
    ) -> ParsedRequest {
        ParsedRequest(method: method, target: target, minorVersion: minorVersion, headers: headers, keepAlive: keepAlive, expectsContinue: expectsContinue, framing: framing, body: Array(body.utf8))
    }

    var description: String {
        "\(method) \(target) HTTP/1.\(minorVersion) \(headers) keepAlive=\(keepAlive) continue=\(expectsContinue) \(framing) body=\(escaped(body))"
    }
}

/// How a byte stream is handed to the parser.
enum Feeding: CustomStringConvertible {
    case whole
    /// Two reads: `bytes[..<offset]` then the rest.
    case split(at: Int)
    case byteByByte

    func pieces(of bytes: [UInt8]) -> [[UInt8]] {
        switch self {
        case .whole: return [bytes]
        case .split(let offset): return [Array(bytes[..<offset]), Array(bytes[offset...])]
        case .byteByByte: return bytes.map { [$0] }
        }
    }

    /// Whole, split at every offset (or at `sampledSplits` evenly spread offsets for large inputs) and byte by byte.
    static func all(for count: Int, sampledSplits: Int? = nil) -> [Feeding] {
        var offsets = Array(1..<max(count, 1))
        if let sampled = sampledSplits, offsets.count > sampled {
            offsets = (0..<sampled).map { 1 + $0 * (count - 2) / max(sampled - 1, 1) }
        }
        return [.whole] + offsets.map { .split(at: $0) } + [.byteByByte]
    }

    var description: String {
        switch self {
        case .whole: return "whole"
        case .split(let offset): return "split at \(offset)"
        case .byteByByte: return "byte by byte"
        }
    }
}

/// Parses `input` fed whole, split in two at every offset and byte by byte, expects every feeding to give the
/// same transcript, and returns it. Stops comparing at the first mismatch to keep failures readable.
@discardableResult
func expectSameParseForEveryFeeding(
    _ input: [UInt8], limits: HTTPRequestParser.Limits = .init(), sampledSplits: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseTranscript {
    let reference = HTTPRequestParser.transcript(of: [input], limits: limits)
    for feeding in Feeding.all(for: input.count, sampledSplits: sampledSplits) {
        let transcript = HTTPRequestParser.transcript(of: feeding.pieces(of: input), limits: limits)
        if transcript != reference {
            Issue.record("Fed \(feeding), got \(transcript) but whole gave \(reference); input: \(escaped(input))", sourceLocation: sourceLocation)
            break
        }
    }
    return reference
}

/// Bytes as a Swift-literal-like string (`\r`, `\n`, `\u{..}` for other controls and non-ASCII).
func escaped(_ bytes: [UInt8]) -> String {
    var out = "\""
    for byte in bytes {
        switch byte {
        case 0x0D: out += "\\r"
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x20..<0x7F: out.append(Character(Unicode.Scalar(byte)))
        default: out += "\\u{\(String(byte, radix: 16))}"
        }
    }
    return out + "\""
}
