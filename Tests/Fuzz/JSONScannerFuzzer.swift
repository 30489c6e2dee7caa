// libFuzzer entry point for JSONScanner and the splice helpers (built by scripts/fuzz.sh, not by SwiftPM).
// Checks: scanning terminates without crashing; recorded member ranges lie inside the input and are ordered;
// replacing a string member's value with another JSON string keeps the document valid.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = bytes.withUnsafeBytes { JSONScanner.scanObject($0) }
    guard case .success(let scan) = result else {
        _ = bytes.withUnsafeBytes { JSONScanner.validate($0) }
        return 0
    }
    // The fast locator must agree with the validating scanner when there is exactly one `model` member.
    let models = scan.members.filter { $0.key == "model" }
    if models.count == 1 && !bytes.contains(0x5C) {
        let fast = bytes.withUnsafeBytes { JSONScanner.firstTopLevelString("model", in: $0) }
        if models[0].kind == .string {
            precondition(fast == models[0].valueStart..<models[0].valueEnd, "fast locator disagrees with the scanner")
        } else {
            precondition(fast == nil, "fast locator found a non-string model")
        }
    }
    var last = -1
    for member in scan.members {
        precondition(member.keyStart > last && member.keyStart < member.valueStart, "member ranges out of order")
        precondition(member.valueStart < member.valueEnd && member.valueEnd <= bytes.count, "member range outside the input")
        last = member.valueEnd - 1
        if member.kind == .string {
            precondition(bytes.withUnsafeBytes { JSONScanner.decodeString($0, member.valueStart..<member.valueEnd) } != nil, "valid string did not decode")
            let spliced = ByteSplice.replacing(bytes, range: member.valueStart..<member.valueEnd, with: JSONWriter.quoted("x\"\\\u{1}é"))
            guard case .success = spliced.withUnsafeBytes({ JSONScanner.scanObject($0) }) else { preconditionFailure("splice broke the document") }
        }
    }
    if let first = scan.members.first {
        let removed = ByteSplice.removing(first, from: bytes)
        guard case .success(let rescan) = removed.withUnsafeBytes({ JSONScanner.scanObject($0) }) else { preconditionFailure("removing a member broke the document") }
        precondition(rescan.members.count == scan.members.count - 1, "removing a member changed the count wrongly")
    }
    return 0
}
