import Foundation

/// Server-sent events helpers (WHATWG HTML §9.2): split an `text/event-stream` body into its events.
package enum SSE {
    /// The `data` of each event in `body`, in order; multi-line data is joined with "\n".
    package static func dataPayloads(_ body: String) -> [String] {
        let normalized = body.replacingOccurrences(of: "\r\n", with: "\n")
        var payloads: [String] = []
        for block in normalized.components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n").compactMap { line -> Substring? in
                guard line.hasPrefix("data:") else { return nil }
                let value = line.dropFirst(5)
                return value.hasPrefix(" ") ? value.dropFirst() : value
            }
            if !lines.isEmpty { payloads.append(lines.joined(separator: "\n")) }
        }
        return payloads
    }

    /// The JSON events of `body` (every payload except `[DONE]`), parsed.
    package static func jsonEvents(_ body: String) throws -> [TestJSON] {
        try dataPayloads(body).filter { $0 != "[DONE]" }.map { try TestJSON(parsing: $0) }
    }
}
