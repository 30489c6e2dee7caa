import SwitchyardCore
import Testing

@Suite("Client keys file")
struct ClientKeysFileTests {
    let abcDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test("keys are found by the digest of the presented key, with their rpm and models")
    func lookup() throws {
        let keys = try ClientKeys.parse(Array(#"{"team": {"sha256": "\#(abcDigest.uppercased())", "rpm": 60, "models": ["a", "b"]}, "free": {"sha256": "\#(SHA256.hexDigest(Array("k2".utf8)))"}}"#.utf8))
        #expect(keys.count == 2)
        let team = try #require(keys.key(presented: Array("abc".utf8)))
        #expect(team == ClientKeys.Key(id: "team", rpm: 60, models: ["a", "b"]))
        #expect(keys.key(presented: Array("k2".utf8))?.rpm == nil)
        #expect(keys.key(presented: Array("abd".utf8)) == nil)
    }

    @Test("every problem is reported with its JSON path")
    func problems() {
        let text = #"{"a": {"sha256": "12"}, "b": {"rpm": -1, "models": "x"}, "c": 1, "d": {"sha256": "\#(abcDigest)", "bogus": 1}, "e": {"sha256": "\#(abcDigest)"}, "": {}}"#
        do {
            _ = try ClientKeys.parse(Array(text.utf8), file: "keys.json")
            Issue.record("accepted")
        } catch {
            let paths = error.problems.map(\.path)
            for path in ["$.a.sha256", "$.b.sha256", "$.b.rpm", "$.b.models", "$.c", "$.d.bogus", "$.e.sha256", #"$[""]"#] {
                #expect(paths.contains(path), "\(path) in \(paths)")
            }
            #expect(error.description.hasPrefix("invalid client keys file keys.json"))
        }
        #expect(throws: ConfigError.self) { try ClientKeys.parse(Array("[]".utf8)) }
        #expect(throws: ConfigError.self) { try ClientKeys.parse(Array("{".utf8)) }
    }

    @Test("errors take the OpenAI, Anthropic and Ollama shapes")
    func dialects() {
        let error = RouterError.invalidClientKey
        #expect(String(decoding: error.body(for: .openAI), as: UTF8.self).contains(#""code":"invalid_api_key""#))
        #expect(String(decoding: error.body(for: .anthropic), as: UTF8.self) == #"{"type":"error","error":{"type":"authentication_error","message":"The client key is not valid."}}"#)
        #expect(String(decoding: error.body(for: .ollama), as: UTF8.self) == #"{"error":"The client key is not valid."}"#)
    }
}
