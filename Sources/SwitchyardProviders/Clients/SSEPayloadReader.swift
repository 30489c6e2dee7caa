import Glibc

/// Reads an SSE stream (WHATWG HTML §9.2.6) fed in arbitrary pieces and hands over the `data` of each complete
/// event (its `data:` lines joined by LF). Comments, `event:`, `id:` and `retry:` lines are skipped: the OpenAI
/// dialect carries everything in `data`. Lines end in LF or CRLF. An event larger than ``maxEvent`` bytes is
/// dropped and reported once (a broken provider must not grow the worker without bound).
package struct SSEPayloadReader: Sendable {
    /// Largest event held.
    package static let maxEvent = 8 * 1024 * 1024

    /// What one complete event carried.
    package enum Payload: Equatable {
        /// The event's data.
        case data([UInt8])
        /// An event outgrew ``maxEvent``; it was dropped.
        case oversized
    }

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var oversized = false

    package init() {}

    /// Feeds `bytes`; `handle` gets each event completed by them, in order.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Payload) -> Void) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var start = 0
        // Hop from LF to LF with memchr rather than looking at every byte.
        while start < bytes.count, let hit = memchr(base + start, 0x0A, bytes.count - start) {
            let i = base.distance(to: UnsafeRawPointer(hit))
            if line.isEmpty {
                takeLine(UnsafeRawBufferPointer(rebasing: bytes[start..<i]), handle)
            } else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
                // Taken out of `self` while it is read (takeLine mutates self), then put back for reuse.
                var held: [UInt8] = []
                swap(&held, &line)
                held.withUnsafeBytes { takeLine($0, handle) }
                held.removeAll(keepingCapacity: true)
                line = held
            }
            start = i + 1
        }
        if start < bytes.count {
            if line.count + data.count + (bytes.count - start) > Self.maxEvent {
                oversized = true
                line.removeAll()
                data.removeAll()
            } else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
            }
        }
    }

    /// The stream ended: an event without its closing empty line is handed over too.
    package mutating func finish(_ handle: (Payload) -> Void) {
        if !line.isEmpty {
            let held = line
            line.removeAll()
            held.withUnsafeBytes { takeLine($0, handle) }
        }
        dispatch(handle)
    }

    private mutating func takeLine(_ raw: UnsafeRawBufferPointer, _ handle: (Payload) -> Void) {
        var count = raw.count
        if count > 0 && raw[count - 1] == 0x0D { count -= 1 }
        if count == 0 { return dispatch(handle) }
        guard count >= 5, raw[0] == 0x64, raw[1] == 0x61, raw[2] == 0x74, raw[3] == 0x61, raw[4] == 0x3A else { return }
        let from = count > 5 && raw[5] == 0x20 ? 6 : 5
        if oversized { return }
        if data.count + count > Self.maxEvent {
            oversized = true
            data.removeAll()
            return
        }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[from..<count]))
        hasData = true
    }

    private mutating func dispatch(_ handle: (Payload) -> Void) {
        if oversized {
            oversized = false
            hasData = false
            data.removeAll()
            return handle(.oversized)
        }
        guard hasData else { return }
        hasData = false
        let event = data
        data.removeAll(keepingCapacity: true)
        handle(.data(event))
    }
}
