import SwitchyardCore

/// Makes replies name the model the client asked for (not the provider's `model_path`): rewrites the top-level
/// `model` of a JSON body, or of every `data:` event of an SSE stream, as bytes arrive.
package struct ModelNameRewriter: Sendable {
    private let replacement: [UInt8]
    private var pending: [UInt8] = []

    /// `clientModel` is the name to put into replies.
    package init(clientModel: String) {
        replacement = JSONWriter.quoted(clientModel)
    }

    /// `body` with its top-level `model` replaced; unchanged if it is not a JSON object or has no `model`.
    package func rewriteJSON(_ body: [UInt8]) -> [UInt8] {
        // Replies are the provider's, not the client's: no need to validate them, only to find `model` fast.
        guard let range = body.withUnsafeBytes({ JSONScanner.firstTopLevelString("model", in: $0) }) else { return body }
        if body[range].elementsEqual(replacement) { return body }
        return ByteSplice.replacing(body, range: range, with: replacement)
    }

    /// Feeds stream bytes; returns the complete events seen so far, rewritten. Bytes of an unfinished event are
    /// kept until its terminating blank line arrives (so nothing is reordered or split mid-event).
    package mutating func rewriteSSE(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        pending.append(contentsOf: bytes)
        var out: [UInt8] = []
        var eventStart = 0
        var i = 0
        let n = pending.count
        while i < n {
            // An event ends at an empty line: "\n\n" or "\r\n\r\n" (SSE also allows lone CR; providers don't use it).
            if pending[i] == 0x0A {
                var next = i + 1
                if next < n && pending[next] == 0x0D { next += 1 }
                if next < n && pending[next] == 0x0A {
                    appendEvent(pending[eventStart..<(next + 1)], to: &out)
                    eventStart = next + 1
                    i = next + 1
                    continue
                }
            }
            i += 1
        }
        if eventStart > 0 { pending.removeSubrange(0..<eventStart) }
        return out
    }

    /// Whatever remains at end of stream (an unterminated last event), unchanged.
    package mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    private func appendEvent(_ event: ArraySlice<UInt8>, to out: inout [UInt8]) {
        // Rewrite each `data:` line whose payload is a JSON object; pass other lines (comments, [DONE]) through.
        var lineStart = event.startIndex
        var i = event.startIndex
        while i < event.endIndex {
            if event[i] == 0x0A {
                appendLine(event[lineStart...i], to: &out)
                lineStart = i + 1
            }
            i += 1
        }
        if lineStart < event.endIndex { out.append(contentsOf: event[lineStart...]) }
    }

    private func appendLine(_ line: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let s = line.startIndex
        guard line.count > 6, line[s] == 0x64, line[s + 1] == 0x61, line[s + 2] == 0x74, line[s + 3] == 0x61, line[s + 4] == 0x3A else {
            out.append(contentsOf: line)
            return
        }
        var payloadStart = s + 5
        if line[payloadStart] == 0x20 { payloadStart += 1 }
        var payloadEnd = line.endIndex
        while payloadEnd > payloadStart, line[payloadEnd - 1] == 0x0A || line[payloadEnd - 1] == 0x0D { payloadEnd -= 1 }
        guard payloadStart < payloadEnd, line[payloadStart] == 0x7B else {
            out.append(contentsOf: line)
            return
        }
        let payload = Array(line[payloadStart..<payloadEnd])
        out.append(contentsOf: line[s..<payloadStart])
        out.append(contentsOf: rewriteJSON(payload))
        out.append(contentsOf: line[payloadEnd...])
    }
}
