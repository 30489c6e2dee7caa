/// Edits of a JSON object's top-level members by splicing bytes, used on the request and response hot paths.
package enum ByteSplice {
    /// `bytes` with `range` replaced by `replacement`.
    package static func replacing(_ bytes: [UInt8], range: Range<Int>, with replacement: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - range.count + replacement.count)
        out.append(contentsOf: bytes[..<range.lowerBound])
        out.append(contentsOf: replacement)
        out.append(contentsOf: bytes[range.upperBound...])
        return out
    }

    /// `bytes` (a JSON object whose members were scanned) without `member`, including its separating comma.
    package static func removing(_ member: JSONMember, from bytes: [UInt8]) -> [UInt8] {
        var start = member.keyStart
        var end = member.valueEnd
        // Prefer eating the comma after the value; if it is the last member, eat the comma before the key.
        var probe = end
        while probe < bytes.count, isSpace(bytes[probe]) { probe += 1 }
        if probe < bytes.count, bytes[probe] == 0x2C {
            end = probe + 1
        } else {
            var back = start - 1
            while back >= 0, isSpace(bytes[back]) { back -= 1 }
            if back >= 0, bytes[back] == 0x2C { start = back }
        }
        return replacing(bytes, range: start..<end, with: [])
    }

    @inline(__always) private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
}
