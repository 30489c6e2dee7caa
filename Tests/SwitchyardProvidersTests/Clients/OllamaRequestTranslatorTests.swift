import SwitchyardCore
import SwitchyardProviders
import Testing

@Suite("Ollama requests to the OpenAI pivot")
struct OllamaRequestTranslatorTests {
    private func translate(_ body: String, _ operation: OllamaOperation = .chat) -> Result<TranslatedRequest, RouterError> {
        OllamaRequestTranslator.translate(Array(body.utf8), operation: operation)
    }

    private func error(_ body: String, _ operation: OllamaOperation = .chat) -> RouterError? {
        if case .failure(let error) = translate(body, operation) { return error }
        return nil
    }

    @Test("a chat with images, tool calls, tool results, options, format and think becomes its golden OpenAI body")
    func chatGolden() throws {
        let translated = try OllamaRequestTranslator.translate(try ClientGolden.bytes("ollama/chat_request.json"), operation: .chat).get()
        #expect(translated.endpoint == .chatCompletions)
        #expect(translated.model == "llama3.2")
        #expect(translated.stream, "Ollama streams unless told otherwise")
        try ClientGolden.expect(ClientGolden.json(translated.body), matches: "ollama/chat_request.openai.json")
        // The tool results answer the calls they name (get_time), then the rest in order.
        let value = try #require(JSONValue.parse(translated.body))
        #expect(value["messages"]?[3]?["tool_call_id"]?.string == "call_1")
        #expect(value["messages"]?[4]?["tool_call_id"]?.string == "call_0")
        #expect(value["max_tokens"]?.int == 128)
        #expect(value["repetition_penalty"]?.double == 1.1)
        #expect(value["num_ctx"] == nil && value["keep_alive"] == nil && value["options"] == nil)
        #expect(value["stream_options"]?["include_usage"]?.bool == true)
    }

    @Test("a generate request becomes a chat with its system and prompt; num_predict -1 sets no limit")
    func generateGolden() throws {
        let translated = try OllamaRequestTranslator.translate(try ClientGolden.bytes("ollama/generate_request.json"), operation: .generate).get()
        #expect(!translated.stream)
        try ClientGolden.expect(ClientGolden.json(translated.body), matches: "ollama/generate_request.openai.json")
        let value = try #require(JSONValue.parse(translated.body))
        #expect(value["max_tokens"] == nil)
        #expect(value["response_format"]?["type"]?.string == "json_object")
    }

    @Test("embed and the older embeddings become OpenAI embeddings requests")
    func embeddings() throws {
        let embed = try OllamaRequestTranslator.translate(try ClientGolden.bytes("ollama/embed_request.json"), operation: .embed).get()
        #expect(embed.endpoint == .embeddings && !embed.stream)
        try ClientGolden.expect(ClientGolden.json(embed.body), matches: "ollama/embed_request.openai.json")
        let old = try translate(#"{"model":"m","prompt":"hello"}"#, .embeddings).get()
        #expect(String(decoding: old.body, as: UTF8.self) == #"{"model":"m","input":"hello"}"#)
    }

    @Test("a generate request without a prompt is a load request")
    func loadOnly() {
        #expect(OllamaRequestTranslator.isLoadOnly(Array(#"{"model":"m"}"#.utf8)))
        #expect(OllamaRequestTranslator.isLoadOnly(Array(#"{"model":"m","prompt":""}"#.utf8)))
        #expect(!OllamaRequestTranslator.isLoadOnly(Array(#"{"model":"m","prompt":"x"}"#.utf8)))
    }

    @Test("bad input gets a 400 naming the field", arguments: [
        (#"{"model":"m","messages":{"role":"user"}}"#, "messages"),
        (#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"user","content":["x"]}]}"#, "messages[1].content"),
        (#"{"model":"m","messages":["hi"]}"#, "messages[0]"),
        (#"{"model":"m","messages":[{"content":"x"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"user","content":"x","images":"abc"}]}"#, "messages[0].images"),
        (#"{"model":"m","messages":[{"role":"user","content":"x","images":[1]}]}"#, "messages[0].images[0]"),
        (#"{"model":"m","messages":[],"options":[]}"#, "options"),
        (#"{"model":"m","messages":[],"options":{"temperature":"hot"}}"#, "options.temperature"),
        (#"{"model":"m","messages":[],"options":{"num_predict":1.5}}"#, "options.num_predict"),
        (#"{"model":"m","messages":[],"format":"xml"}"#, "format"),
        (#"{"model":"m","messages":[],"stream":"yes"}"#, "stream"),
        (#"{"model":"m","messages":[],"tools":{}}"#, "tools"),
        (#"{"model":"m","messages":[],"think":"max"}"#, "think"),
        (#"{"model":5,"messages":[]}"#, "model"),
        (#"{"messages":[]}"#, "model"),
    ])
    func badChatInput(body: String, field: String) throws {
        let failure = try #require(error(body))
        #expect(failure.status == 400)
        #expect(failure.param == field)
        #expect(failure.message.contains("`\(field)`"))
    }

    @Test("bad embed input names the field")
    func badEmbedInput() throws {
        #expect(error(#"{"model":"m","input":5}"#, .embed)?.param == "input")
        #expect(error(#"{"model":"m","input":["a",2]}"#, .embed)?.param == "input[1]")
        #expect(error(#"{"model":"m"}"#, .embed)?.param == "input")
        #expect(error(#"{"model":"m","prompt":3}"#, .embeddings)?.param == "prompt")
        #expect(error(#"{"model":"m","prompt":"x","suffix":"y"}"#, .generate)?.param == "suffix")
    }

    @Test("a body that is not a JSON object is a 400")
    func notJSON() throws {
        #expect(error("")?.code == "invalid_json")
        #expect(error("[1]")?.code == "invalid_json")
        #expect(error("{\"model\":")?.message.contains("line 1") == true)
    }
}
