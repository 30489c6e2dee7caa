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
        var out: [UInt8] = []
        rewriteSSE(bytes, into: &out)
        return out
    }

    /// Like ``rewriteSSE(_:)`` but appends to `out`, so a caller can reuse one buffer for a whole stream.
    package mutating func rewriteSSE(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if pending.isEmpty {
            let consumed = appendCompleteEvents(bytes, to: &out)
            if consumed < bytes.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...])) }
            return
        }
        pending.append(contentsOf: bytes)
        let consumed = pending.withUnsafeBytes { appendCompleteEvents($0, to: &out) }
        if consumed > 0 { pending.removeSubrange(0..<consumed) }
    }

    /// Appends every complete event of `bytes` (rewritten) to `out`; returns how many bytes that covered.
    private func appendCompleteEvents(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Int {
        var eventStart = 0
        var lineStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == 0x0A else { i += 1; continue }
            // A line ends at i. An empty line (just "\n" or "\r\n") ends the event.
            let lineLength = i - lineStart
            if lineLength == 0 || (lineLength == 1 && bytes[lineStart] == 0x0D) {
                appendEvent(UnsafeRawBufferPointer(rebasing: bytes[eventStart...i]), to: &out)
                eventStart = i + 1
            }
            i += 1
            lineStart = i
        }
        return eventStart
    }

    private func appendEvent(_ event: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        // Rewrite each `data:` line whose payload is a JSON object; pass other lines (comments, [DONE]) through.
        var lineStart = 0
        for i in 0..<event.count where event[i] == 0x0A {
            appendLine(UnsafeRawBufferPointer(rebasing: event[lineStart...i]), to: &out)
            lineStart = i + 1
        }
        if lineStart < event.count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: event[lineStart...])) }
    }

    private func appendLine(_ line: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard line.count > 6, line[0] == 0x64, line[1] == 0x61, line[2] == 0x74, line[3] == 0x61, line[4] == 0x3A else {
            out.append(contentsOf: line)
            return
        }
        let payloadStart = line[5] == 0x20 ? 6 : 5
        guard payloadStart < line.count, line[payloadStart] == 0x7B,
              let range = JSONScanner.firstTopLevelString("model", in: UnsafeRawBufferPointer(rebasing: line[payloadStart...]))
        else {
            out.append(contentsOf: line)
            return
        }
        let valueStart = payloadStart + range.lowerBound
        let valueEnd = payloadStart + range.upperBound
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[..<valueStart]))
        out.append(contentsOf: replacement)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[valueEnd...]))
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
