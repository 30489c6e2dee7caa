import SwitchyardHTTP
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence on every platform and toolchain.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0); the modulo bias is irrelevant here.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

@Suite("HTTPRequestParser survives mutated input")
struct HTTPRequestParserFuzzTests {
    static let seeds: [String] = [
        "GET /v1/models HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"model\":\"m\",\"x\"}",
        "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
        "\r\nDELETE /x?y=1 HTTP/1.1\r\nhost: a\r\ncontent-length: 1, 1\r\n\r\nz",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /h HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nUser-Agent: t\r\nX-Id: 1\r\n\r\n",
        "POST /near-limit HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n0123456789012345678901234567890123456789",
    ]

    /// Bytes and fragments that steer mutations toward framing edge cases.
    static let tokens: [[UInt8]] = [
        "\r\n", "\r", "\n", "\r\n\r\n", ":", " ", "\t", ";", ",", "0", "1", "f", "-", "+",
        "Content-Length: 5\r\n", "Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n", "Host: b\r\n", "Expect: 100-continue\r\n", "Connection: close\r\n",
        "0\r\n\r\n", "5\r\nhello\r\n", "ffffffff\r\n", "HTTP/1.0", "HTTP/2.0", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    ].map { Array($0.utf8) } + [[0x00], [0x7F], [0xFF], [0x80]]

    static let limits = HTTPRequestParser.Limits(maxHeaderBytes: 64 * 1024, maxHeaderCount: 4, maxBodyBytes: 48)
    static let statuses: Set<Int> = [400, 413, 417, 431, 501, 505]

    private func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(random.below(3) == 0 ? 1 + random.below(4) : 1) {
            switch random.below(7) {
            case 0 where !bytes.isEmpty:
                bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
            case 1 where !bytes.isEmpty:
                bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            case 2:
                bytes.insert(contentsOf: random.pick(Self.tokens), at: random.below(bytes.count + 1))
            case 3 where !bytes.isEmpty:
                let start = random.below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + random.below(8)))
            case 4 where !bytes.isEmpty:
                let start = random.below(bytes.count)
                let slice = bytes[start..<min(bytes.count, start + 1 + random.below(16))]
                bytes.insert(contentsOf: slice, at: random.below(bytes.count + 1))
            case 5:
                // Repeat one whole line: duplicate fields are where framing ambiguities live.
                let lineStarts = [0] + bytes.indices.dropLast().filter { bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A }.map { $0 + 2 }
                let start = random.pick(lineStarts)
                guard let end = bytes[start...].indices.dropLast().first(where: { bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A }) else { break }
                bytes.insert(contentsOf: bytes[start..<(end + 2)], at: start)
            default:
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: random.below(bytes.count + 1))
            }
        }
        return bytes
    }

    private func randomPieces(_ bytes: [UInt8], _ random: inout SplitMix64) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let length = 1 + random.below(random.below(4) == 0 ? 3 : 40)
            pieces.append(Array(bytes[index..<min(bytes.count, index + length)]))
            index += length
        }
        return pieces
    }

    @Test("every seed parses cleanly before mutation", arguments: seeds)
    func seedsAreValid(_ seed: String) {
        let transcript = expectSameParseForEveryFeeding(Array(seed.utf8), limits: Self.limits)
        #expect(!transcript.requests.isEmpty)
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("4,000 mutated streams never crash, loop, mis-frame a body or recover from failure, and split feeding agrees with whole")
    func mutatedInput() {
        var random = SplitMix64(seed: 0x5317_C4A2_D00D_F00D)
        var mismatches = 0
        var outcomes: [String: Int] = [:]
        for iteration in 0..<4_000 {
            var input: [UInt8] = []
            for _ in 0..<(1 + random.below(2)) { input += Array(random.pick(Self.seeds).utf8) }
            input = mutate(input, &random)

            let whole = HTTPRequestParser.transcript(of: [input], limits: Self.limits)
            let pieces = randomPieces(input, &random)
            let split = HTTPRequestParser.transcript(of: pieces, limits: Self.limits)
            let context = "iteration \(iteration), input \(escaped(input))"

            #expect(whole.ending != .runaway, "\(context)")
            if split != whole, mismatches < 3 {
                mismatches += 1
                Issue.record("Split feeding \(pieces.map(\.count)) gave \(split), whole gave \(whole); \(context)")
            }
            for request in whole.requests + split.requests {
                #expect(request.body.count <= Self.limits.maxBodyBytes, "\(context)")
                switch request.framing {
                case .none: #expect(request.body.isEmpty, "\(context)")
                case .contentLength(let length): #expect(request.body.count == length, "\(context)")
                case .chunked: break
                }
            }
            switch whole.ending {
            case .failure(let status, _):
                #expect(Self.statuses.contains(status), "\(context)")
                outcomes["\(status)", default: 0] += 1
                expectFailureIsSticky(input, context: context)
            case .needMore(let awaitingBody):
                outcomes[awaitingBody ? "awaiting body" : "need more", default: 0] += 1
            case .runaway:
                break
            }
        }
        // The corpus and mutations must keep reaching both clean parses and every class of rejection.
        #expect(outcomes["need more", default: 0] > 100, "\(outcomes)")
        for status in ["400", "413", "431", "501", "505"] {
            #expect(outcomes[status, default: 0] > 0, "no \(status) in \(outcomes)")
        }
    }

    private func expectFailureIsSticky(_ input: [UInt8], context: String) {
        var parser = HTTPRequestParser(limits: Self.limits)
        var buffer = InputBuffer(input)
        var failed = false
        for _ in 0..<(input.count + 2) {
            switch parser.parse(&buffer) {
            case .request: continue
            case .needMore: break
            case .failure: failed = true
            }
            break
        }
        #expect(failed, "\(context)")
        for _ in 0..<3 {
            buffer.append(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
            guard case .failure = parser.parse(&buffer) else {
                Issue.record("Parsed again after a failure; \(context)")
                return
            }
        }
    }
}
