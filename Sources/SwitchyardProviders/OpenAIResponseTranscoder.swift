import Glibc
import SwitchyardCore

/// The OpenAI dialect on both sides: bytes pass through, except that replies name the model the client asked
/// for when the provider serves it under another `model_path` (``ModelNameRewriter``), and that the token usage is
/// read on the way (a memmem per piece). When the router added `stream_options.include_usage` for its own
/// accounting, the usage-only chunk the provider then sends is removed before it reaches the client.
package struct OpenAIResponseTranscoder: ResponseTranscoder {
    private var rewriter: ModelNameRewriter?
    /// Remove the usage-only chunk (`"choices":[]` with a `usage` object): the client did not ask for it.
    private let stripUsageChunk: Bool
    /// An unfinished event held while a piece did not end at an event boundary.
    private var held: [UInt8] = []
    package private(set) var usage: TokenUsage?

    /// `clientModel` is the name the client used; `providerModel` the provider's `model_path`.
    package init(clientModel: String, providerModel: String, stripUsageChunk: Bool = false) {
        rewriter = clientModel == providerModel ? nil : ModelNameRewriter(clientModel: clientModel)
        self.stripUsageChunk = stripUsageChunk
    }

    package func delivery(status: Int, contentType: String?, clientWantsStream: Bool) -> ResponseDelivery {
        if clientWantsStream && (200..<300).contains(status) && (contentType?.hasPrefix("text/event-stream") ?? false) {
            return .stream(contentType: "text/event-stream")
        }
        return .buffer
    }

    package mutating func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        // The common case: nothing held, the piece ends at an event boundary and carries no usage object, so it
        // goes out untouched (zero-copy unless the model name is rewritten).
        if held.isEmpty && Self.endsAtEventBoundary(input) && OpenAIUsageScan.firstUsageObject(in: input) == nil {
            guard rewriter != nil else { return false }
            rewriter!.rewriteSSE(input, into: &out)
            return true
        }
        held.append(contentsOf: input)
        var passed: [UInt8] = []
        let consumed = held.withUnsafeBytes { events($0, into: &passed) }
        held.removeFirst(consumed)
        emit(passed, into: &out)
        // An event that never ends is not held without bound (as the rewriter bounds its own): past
        // ``ModelNameRewriter/maxHeldEvent`` its bytes go on as they are.
        if held.count > ModelNameRewriter.maxHeldEvent {
            emit(held, into: &out)
            held.removeAll()
        }
        return true
    }

    package mutating func finish(into out: inout [UInt8]) {
        if !held.isEmpty {
            let rest = held
            held = []
            emit(rest, into: &out)
        }
        guard rewriter != nil else { return }
        out.append(contentsOf: rewriter!.finish())
    }

    package mutating func transcodeWhole(_ body: [UInt8]) throws(RouterError) -> [UInt8] {
        usage = body.withUnsafeBytes { OpenAIUsageScan.lastUsage(in: $0) }
        return rewriter?.rewriteJSON(body) ?? body
    }

    private mutating func emit(_ bytes: [UInt8], into out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        if rewriter != nil {
            bytes.withUnsafeBytes { rewriter!.rewriteSSE($0, into: &out) }
        } else {
            out.append(contentsOf: bytes)
        }
    }

    /// Appends the complete events of `bytes` to `out` (reading their usage, leaving out the usage-only chunk
    /// when asked); returns how many bytes they took.
    private mutating func events(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Int {
        var start = 0
        var i = 0
        while i < bytes.count {
            // An event ends at an empty line: LF LF or LF CR LF.
            guard bytes[i] == 0x0A else { i += 1; continue }
            var end = 0
            if i + 1 < bytes.count, bytes[i + 1] == 0x0A { end = i + 2 }
            else if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { end = i + 3 }
            guard end > 0 else { i += 1; continue }
            let event = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            var keep = true
            if let found = OpenAIUsageScan.firstUsageObject(in: event) {
                usage = found.usage
                if stripUsageChunk && OpenAIUsageScan.contains(event, "\"choices\":[]") { keep = false }
            }
            if keep { out.append(contentsOf: event) }
            start = end
            i = end
        }
        return start
    }

    private static func endsAtEventBoundary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        return n >= 2 && bytes[n - 1] == 0x0A && (bytes[n - 2] == 0x0A || (n >= 3 && bytes[n - 2] == 0x0D && bytes[n - 3] == 0x0A))
    }
}

/// Finds OpenAI `usage` objects in bytes without parsing the whole document. A `"usage":` that is not inside a
/// string can only be a key (a string value is never followed by a colon), and inside JSON strings quotes are
/// escaped; so a match followed by `{` is a usage object.
package enum OpenAIUsageScan {
    private static let key = Array("\"usage\":".utf8)
    /// The key without its colon (a whole body may have spaces before it).
    private static let bareKey = Array("\"usage\"".utf8)

    /// The first usage object in `bytes` and its value.
    package static func firstUsageObject(in bytes: UnsafeRawBufferPointer) -> (offset: Int, usage: TokenUsage?)? {
        var from = 0
        while let hit = find(key, in: bytes, from: from) {
            let value = skipSpace(bytes, hit + key.count)
            if value < bytes.count, bytes[value] == 0x7B { return (value, parseUsage(bytes, at: value)) }
            from = hit + key.count
        }
        return nil
    }

    /// The last usage object in a whole body (the top-level one comes after the choices).
    package static func lastUsage(in bytes: UnsafeRawBufferPointer) -> TokenUsage? {
        // From the end: the top-level usage follows the choices, so this finds it within a few hundred bytes.
        guard let base = bytes.baseAddress, bytes.count >= bareKey.count else { return nil }
        return bareKey.withUnsafeBytes { needle -> TokenUsage? in
            var at = bytes.count - needle.count
            while at >= 0 {
                if base.load(fromByteOffset: at, as: UInt8.self) == 0x22, memcmp(base + at, needle.baseAddress!, needle.count) == 0 {
                    let colon = skipSpace(bytes, at + needle.count)
                    if colon < bytes.count, bytes[colon] == 0x3A {
                        let value = skipSpace(bytes, colon + 1)
                        if value < bytes.count, bytes[value] == 0x7B, let usage = parseUsage(bytes, at: value) { return usage }
                    }
                }
                at -= 1
            }
            return nil
        }
    }

    /// Whether `needle` occurs in `bytes`.
    package static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        find(Array(UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)), in: bytes, from: 0) != nil
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress, from < bytes.count else { return nil }
        // memchr hops to each candidate first byte (Glibc's memmem is not exported to Swift).
        let first = Int32(needle[0])
        var at = from
        while at + needle.count <= bytes.count, let hit = memchr(base + at, first, bytes.count - at - needle.count + 1) {
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + offset, needle, needle.count) == 0 { return offset }
            at = offset + 1
        }
        return nil
    }

    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i
    }

    /// Reads `prompt_tokens` and `completion_tokens` from the object starting at `start` in one pass: its members
    /// at the top level (nested objects and strings skipped), without building anything; nil without
    /// `prompt_tokens` or when the object does not end.
    private static func parseUsage(_ bytes: UnsafeRawBufferPointer, at start: Int) -> TokenUsage? {
        let n = bytes.count
        var i = start + 1
        var depth = 1
        var prompt: Int?
        var completion: Int?
        while i < n {
            let byte = bytes[i]
            if byte == 0x22 {
                let keyStart = i + 1
                i += 1
                while i < n {
                    let c = bytes[i]
                    if c == 0x5C { i += 2; continue }
                    if c == 0x22 { break }
                    i += 1
                }
                guard i < n else { return nil }
                let keyEnd = i
                i += 1
                guard depth == 1 else { continue }
                let colon = skipSpace(bytes, i)
                guard colon < n, bytes[colon] == 0x3A else { continue }
                let which = keyIs(bytes, keyStart, keyEnd, promptKey) ? 1 : keyIs(bytes, keyStart, keyEnd, completionKey) ? 2 : 0
                i = colon + 1
                guard which != 0 else { continue }
                var digit = skipSpace(bytes, i)
                var value = 0
                var digits = 0
                while digit < n, bytes[digit] >= 0x30, bytes[digit] <= 0x39, digits < 18 {
                    value = value * 10 + Int(bytes[digit] - 0x30)
                    digit += 1
                    digits += 1
                }
                if digits > 0 {
                    if which == 1 { prompt = value } else { completion = value }
                }
                i = digit
                continue
            }
            if byte == 0x7B || byte == 0x5B {
                depth += 1
            } else if byte == 0x7D || byte == 0x5D {
                depth -= 1
                if depth == 0 { break }
            }
            i += 1
        }
        guard depth == 0, let prompt else { return nil }
        return TokenUsage(promptTokens: prompt, completionTokens: completion ?? 0)
    }

    private static let promptKey = Array("prompt_tokens".utf8)
    private static let completionKey = Array("completion_tokens".utf8)

    /// Whether `bytes[start..<end]` is `key`.
    private static func keyIs(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ key: [UInt8]) -> Bool {
        guard end - start == key.count else { return false }
        for index in 0..<key.count where bytes[start + index] != key[index] { return false }
        return true
    }

}
