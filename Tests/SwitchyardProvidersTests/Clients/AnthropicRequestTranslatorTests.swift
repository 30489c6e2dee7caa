import SwitchyardCore
import SwitchyardProviders
import Testing

@Suite("Anthropic requests to the OpenAI pivot")
struct AnthropicRequestTranslatorTests {
    private func error(_ body: String) -> RouterError? {
        if case .failure(let error) = AnthropicRequestTranslator.translate(Array(body.utf8)) { return error }
        return nil
    }

    @Test("system blocks, images, thinking, tool_use, tool_result, stop sequences and tools become the golden OpenAI body")
    func messagesGolden() throws {
        let translated = try AnthropicRequestTranslator.translate(try ClientGolden.bytes("anthropic/messages_request.json")).get()
        #expect(translated.model == "claude-sonnet-4" && translated.stream && translated.endpoint == .chatCompletions)
        try ClientGolden.expect(ClientGolden.json(translated.body), matches: "anthropic/messages_request.openai.json")
        let value = try #require(JSONValue.parse(translated.body))
        let messages = try #require(value["messages"]?.array)
        #expect(messages.map { $0["role"]?.string ?? "" } == ["system", "user", "assistant", "tool", "user", "assistant", "tool", "user"])
        #expect(messages[0]["content"]?.string == "You are a helpful assistant.\nBe brief.")
        #expect(messages[2]["tool_calls"]?[0]?["function"]?["arguments"]?.string == #"{"city":"Paris"}"#)
        #expect(messages[3]["tool_call_id"]?.string == "toolu_01" && messages[3]["content"]?.string == "22 C, sunny")
        #expect(messages[6]["content"]?.string == "Error: timeout")
        #expect(value["stop"]?[0]?.string == "END" && value["tool_choice"]?.string == "required")
        #expect(value["parallel_tool_calls"]?.bool == false && value["metadata"] == nil)
        #expect(value["tools"]?[0]?["function"]?["parameters"]?["required"]?[0]?.string == "city")
    }

    @Test("a named tool choice and a plain string turn")
    func namedToolChoice() throws {
        let translated = try AnthropicRequestTranslator.translate(Array(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"tool","name":"f"}}"#.utf8)).get()
        #expect(String(decoding: translated.body, as: UTF8.self)
            == #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"stream":false,"tool_choice":{"type":"function","function":{"name":"f"}}}"#)
    }

    @Test("bad input gets a 400 naming the field", arguments: [
        (#"{"model":"m","max_tokens":5,"messages":{"role":"user"}}"#, "messages"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, "messages.0.role"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":5}]}"#, "messages.0.content"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}"#, "messages.0.content"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video"}]}]}"#, "messages.0.content.0.type"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}"#, "messages.0.content.0.type"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":1}]}]}"#, "messages.0.content.0.text"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":[]}]}]}"#, "messages.0.content.0.input"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file"}}]}]}"#, "messages.0.content.0.source.type"),
        (#"{"model":"m","messages":[]}"#, "max_tokens"),
        (#"{"model":"m","max_tokens":0,"messages":[]}"#, "max_tokens"),
        (#"{"model":"m","max_tokens":5,"messages":[],"system":7}"#, "system"),
        (#"{"model":"m","max_tokens":5,"messages":[],"temperature":"hot"}"#, "temperature"),
        (#"{"model":"m","max_tokens":5,"messages":[],"stop_sequences":"END"}"#, "stop_sequences"),
        (#"{"model":"m","max_tokens":5,"messages":[],"tools":[{"name":"f"}]}"#, "tools.0.input_schema"),
        (#"{"model":"m","max_tokens":5,"messages":[],"tools":[{"type":"web_search_20250305","name":"w"}]}"#, "tools.0.type"),
        (#"{"model":"m","max_tokens":5,"messages":[],"tool_choice":{"type":"some"}}"#, "tool_choice.type"),
        (#"{"model":"m","max_tokens":5,"messages":[],"stream":1}"#, "stream"),
        (#"{"max_tokens":5,"messages":[]}"#, "model"),
    ])
    func badInput(body: String, field: String) throws {
        let failure = try #require(error(body))
        #expect(failure.status == 400)
        #expect(failure.param == field)
        #expect(failure.message.contains("`\(field)`"))
        let shaped = try #require(JSONValue.parse(failure.body(for: .anthropic)))
        #expect(shaped["type"]?.string == "error" && shaped["error"]?["type"]?.string == "invalid_request_error")
    }

    @Test("count_tokens needs no max_tokens and estimates from the bytes of the texts")
    func countTokens() throws {
        let short = try AnthropicTokenEstimate.count(Array(#"{"model":"m","messages":[{"role":"user","content":"abcdefgh"}]}"#.utf8)).get()
        #expect(short.model == "m" && short.tokens == 2 + 4 + 3)
        let withImage = try AnthropicTokenEstimate.count(Array(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"abcd"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]}"#.utf8)).get()
        #expect(withImage.tokens == 1 + 4 + AnthropicTokenEstimate.imageTokens + 3)
        if case .success = AnthropicTokenEstimate.count(Array(#"{"model":"m","messages":"x"}"#.utf8)) { Issue.record("bad messages accepted") }
    }
}
