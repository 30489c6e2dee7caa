import Testing
import SwitchyardCore

private func scan(_ text: String) -> Result<JSONObjectScan, JSONScanError> {
    Array(text.utf8).withUnsafeBytes { JSONScanner.scanObject($0) }
}

private func isValid(_ text: String) -> Bool {
    if case .success = Array(text.utf8).withUnsafeBytes({ JSONScanner.validate($0) }) { return true }
    return false
}

@Suite("JSON scanner")
struct JSONScannerTests {
    @Test("records top-level members with their kinds and exact value ranges")
    func recordsMembers() throws {
        let text = #" { "model" : "m\"x" , "stream":true,"n":-1.5e3,"o":{"model":"inner"},"a":[1,{"b":null}],"f":false,"z":null } "#
        let bytes = Array(text.utf8)
        let object = try scan(text).get()
        #expect(object.members.map(\.key) == ["model", "stream", "n", "o", "a", "f", "z"])
        #expect(object.members.map(\.kind) == [.string, .true, .number, .object, .array, .false, .null])
        let model = try #require(object.member("model"))
        #expect(String(decoding: bytes[model.valueStart..<model.valueEnd], as: UTF8.self) == #""m\"x""#)
        #expect(bytes.withUnsafeBytes { JSONScanner.decodeString($0, model.valueStart..<model.valueEnd) } == "m\"x")
        let nested = try #require(object.member("o"))
        #expect(String(decoding: bytes[nested.valueStart..<nested.valueEnd], as: UTF8.self) == #"{"model":"inner"}"#)
    }

    @Test("the last of duplicate keys wins")
    func duplicateKeys() throws {
        let text = #"{"model":"a","model":"b"}"#
        let object = try scan(text).get()
        let model = try #require(object.member("model"))
        #expect(Array(text.utf8).withUnsafeBytes { JSONScanner.decodeString($0, model.valueStart..<model.valueEnd) } == "b")
    }

    @Test("decodes every escape, including surrogate pairs")
    func decodesEscapes() throws {
        let text = #"{"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"}"#
        let object = try scan(text).get()
        let member = try #require(object.member("k"))
        let decoded = Array(text.utf8).withUnsafeBytes { JSONScanner.decodeString($0, member.valueStart..<member.valueEnd) }
        #expect(decoded == "a\"b\\c/d\u{8}\u{C}\n\r\té😀")
    }

    @Test("accepts valid documents", arguments: [
        "{}", "{\"a\":[]}", "{\"a\":[1,2.5,-0,1e10,1E-2,0.5]}", "{\"é\":\"ü😀\"}", " {\"a\" : { \"b\" : [ true , false , null ] } } ",
    ])
    func acceptsValid(_ text: String) {
        #expect(isValid(text))
        guard case .success = scan(text) else {
            Issue.record("rejected a valid object: \(text)")
            return
        }
    }

    @Test("rejects invalid documents", arguments: [
        "", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
        "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{a:1}", "{\"a\":1} x", "{\"a\":\"\u{1}\"}",
        "{'a':1}", "{\"a\":[1,]}", "{\"a\":NaN}",
    ])
    func rejectsInvalid(_ text: String) {
        guard case .failure = scan(text) else {
            Issue.record("accepted invalid JSON: \(text)")
            return
        }
    }

    @Test("rejects invalid UTF-8: overlongs, surrogates, truncated sequences, bytes above U+10FFFF")
    func rejectsInvalidUTF8() {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] {
            let bytes = Array("{\"a\":\"".utf8) + bad + Array("\"}".utf8)
            guard case .failure = bytes.withUnsafeBytes({ JSONScanner.scanObject($0) }) else {
                Issue.record("accepted invalid UTF-8 \(bad)")
                continue
            }
        }
    }

    @Test("rejects nesting deeper than the limit instead of overflowing the stack")
    func nestingLimit() {
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        guard case .failure(let error) = scan(deep) else {
            Issue.record("accepted 10 000 levels of nesting")
            return
        }
        #expect(error.reason.contains("deep"))
    }

    @Test("the fast locator finds the first top-level string member and skips nested ones")
    func fastLocator() {
        func find(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { raw in
                JSONScanner.firstTopLevelString("model", in: raw).map { String(decoding: bytes[$0], as: UTF8.self) }
            }
        }
        #expect(find(#"{"id":"x","object":"chat","model":"mock-model","choices":[]}"#) == #""mock-model""#)
        #expect(find(#"{"o":{"model":"inner"},"a":["model",{"model":1}],"s":"\"model\":\"no\"","model":"outer"}"#) == #""outer""#)
        #expect(find(#"{"model":42}"#) == nil)
        #expect(find(#"{"choices":[]}"#) == nil)
        #expect(find("not json") == nil)
    }
}

@Suite("Byte splicing")
struct ByteSpliceTests {
    @Test("removing a member keeps the object valid wherever the member is")
    func removing() throws {
        for (text, expected) in [
            (#"{"a":1,"b":2,"c":3}"#, #"{"a":1,"c":3}"#),
            (#"{"b":2,"a":1}"#, #"{"a":1}"#),
            (#"{"a":1, "b" : 2 }"#, #"{"a":1 }"#),
            (#"{"b":2}"#, #"{}"#),
        ] {
            let bytes = Array(text.utf8)
            let object = try bytes.withUnsafeBytes { JSONScanner.scanObject($0) }.get()
            let member = try #require(object.member("b"))
            let result = String(decoding: ByteSplice.removing(member, from: bytes), as: UTF8.self)
            #expect(result == expected)
        }
    }
}
