import SwitchyardCore
import Testing
@testable import SwitchyardGateway

private func parse(_ text: String, maxTexts: Int = 4) -> Result<BuiltinRequest, RouterError> {
    BuiltinRequest.parse(Array(text.utf8), defaultLanguage: "pl", maxTexts: maxTexts)
}

@Suite("Builtin request bodies")
struct BuiltinRequestTests {
    @Test("model_name wins over model; language defaults; stream is read")
    func basics() throws {
        let request = try parse(#"{"model":"b","model_name":"a","stream":true}"#).get()
        #expect(request.model == "a")
        #expect(request.language == "pl")
        #expect(request.stream)
        #expect(try parse(#"{"model":"b","language":"en"}"#).get().language == "en")
    }

    @Test("options are copied with max_new_tokens mapped to max_tokens, and max_tokens wins when both are given")
    func options() throws {
        let mapped = try parse(#"{"model":"m","max_new_tokens":9,"temperature":0.5,"unknown":1}"#).get().options
        #expect(mapped.map(\.0) == ["temperature", "max_tokens"])
        #expect(mapped.last?.1.int == 9)
        let both = try parse(#"{"model":"m","max_new_tokens":9,"max_tokens":3}"#).get().options
        #expect(both.map(\.0) == ["max_tokens"])
        #expect(both[0].1.int == 3)
    }

    @Test("bad bodies and fields name what is wrong", arguments: [
        (#""#, "invalid_json", nil),
        (#"[1]"#, "invalid_json", nil),
        (#"{"texts":[]}"#, "missing_model", "model_name"),
        (#"{"model_name":""}"#, "invalid_model", "model_name"),
        (#"{"model":"m","stream":"yes"}"#, "invalid_stream", "stream"),
        (#"{"model":"m","language":5}"#, "invalid_field", "language"),
    ] as [(String, String, String?)])
    func badBodies(text: String, code: String, param: String?) {
        guard case .failure(let error) = parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.status == 400)
        #expect(error.code == code)
        #expect(error.param == param)
    }

    @Test("texts must be a non-empty list of strings within the limit")
    func texts() throws {
        #expect(try parse(#"{"model":"m","texts":["a","b"]}"#).get().texts().get() == ["a", "b"])
        let cases: [(String, String)] = [
            (#"{"model":"m"}"#, "texts"), (#"{"model":"m","texts":"a"}"#, "texts"), (#"{"model":"m","texts":[]}"#, "texts"),
            (#"{"model":"m","texts":["a",1]}"#, "texts[1]"), (#"{"model":"m","texts":["a","b","c","d","e"]}"#, "texts"),
        ]
        for (text, param) in cases {
            guard case .failure(let error) = try parse(text).get().texts() else {
                Issue.record("accepted \(text)")
                continue
            }
            #expect(error.param == param, "\(text)")
        }
    }

    @Test("generation option types are checked")
    func optionTypes() throws {
        #expect(try parse(#"{"model":"m","temperature":"hot"}"#).get().validateOptions()?.param == "temperature")
        #expect(try parse(#"{"model":"m","max_tokens":1.5}"#).get().validateOptions()?.param == "max_tokens")
        #expect(try parse(#"{"model":"m","stop":["a",1]}"#).get().validateOptions()?.param == "stop")
        #expect(try parse(#"{"model":"m","stop":"x","seed":3,"top_p":0.9}"#).get().validateOptions() == nil)
    }

    @Test("a chat completion's message content is read from a string or from content parts")
    func answerContent() {
        #expect(BuiltinJob.content(of: Array(#"{"choices":[{"message":{"content":"  hi \n"}}]}"#.utf8)) == "hi")
        #expect(BuiltinJob.content(of: Array(#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}"#.utf8)) == "ab")
        #expect(BuiltinJob.content(of: Array(#"{"choices":[]}"#.utf8)) == nil)
    }
}
