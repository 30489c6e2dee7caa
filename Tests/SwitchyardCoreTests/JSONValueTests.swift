import Testing
import SwitchyardCore

@Suite("JSON values")
struct JSONValueTests {
    @Test("parses nested documents and reads them by key and index")
    func parsesAndReads() throws {
        let value = try #require(JSONValue.parse(Array(#"{"a":[1,2.5,"x",true,null],"b":{"c":"d"},"n":-3}"#.utf8)))
        #expect(value["a"]?[0]?.int == 1)
        #expect(value["a"]?[1]?.double == 2.5)
        #expect(value["a"]?[2]?.string == "x")
        #expect(value["a"]?[3]?.bool == true)
        #expect(value["a"]?[4]?.isNull == true)
        #expect(value["b"]?["c"]?.string == "d")
        #expect(value["n"]?.int == -3)
        #expect(value["missing"] == nil)
        #expect(value["a"]?.array?.count == 5)
    }

    @Test("rejects invalid JSON", arguments: ["", "{", "{\"a\":1,}", "[1,]", "nul", "\"unterminated", "{\"a\" 1}", "01"])
    func rejectsInvalid(_ text: String) {
        #expect(JSONValue.parse(Array(text.utf8)) == nil)
    }

    @Test("writes compact JSON that parses back to the same value, keeping member order and number spelling")
    func roundTrips() throws {
        let text = #"{"z":1.50,"a":[true,null,"q\"\n"],"m":{"k":1E+2}}"#
        let value = try #require(JSONValue.parse(Array(text.utf8)))
        #expect(value.serialized == text)
    }
}

@Suite("URL parts")
struct URLPartsTests {
    @Test("splits scheme, host, port and path, including IPv6 literals")
    func splits() throws {
        let plain = try #require(URLParts(parsing: "http://10.0.0.1:8000/v1"))
        #expect(plain.scheme == "http")
        #expect(plain.host == "10.0.0.1")
        #expect(plain.port == "8000")
        #expect(plain.path == "/v1")
        #expect(plain.query == nil)
        let v6 = try #require(URLParts(parsing: "https://[::1]:443"))
        #expect(v6.host == "[::1]")
        #expect(v6.port == "443")
        let query = try #require(URLParts(parsing: "http://h/p?x=1#f"))
        #expect(query.query == "x=1")
        #expect(query.fragment == "f")
    }

    @Test("rejects what is not an absolute URL with a valid authority", arguments: ["", "no-scheme", "http://[::1", "http://h:port/", "http://a b/"])
    func rejects(_ text: String) {
        #expect(URLParts(parsing: text) == nil)
    }
}
