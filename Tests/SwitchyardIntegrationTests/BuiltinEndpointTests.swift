import Foundation
import SwitchyardTestSupport
import Testing

@Suite("Builtin text endpoints", .timeLimit(.minutes(2)))
struct BuiltinEndpointTests {
    /// A router over `mocks` (one model `chat-model`), one worker so metrics and order are deterministic.
    private func router(_ mocks: [MockUpstream], environment: [String: String] = [:]) throws -> RouterProcess {
        try RouterProcess(config: .single("chat-model", providers: mocks.map { $0.provider() }), arguments: ["--workers", "1"], environment: environment)
    }

    private func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("translate: each text is its own call with the library prompt; the answer uses llm-router's envelope")
    func translate() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--echo", "true"])
        let router = try router([mock])

        let reply = try router.post("/api/translate", json(["model_name": "chat-model", "texts": ["Dzień dobry", "Do widzenia"], "target_language": "English", "language": "en"]))

        #expect(reply.status == 200, "\(reply.text)")
        let body = try reply.json()
        #expect(body["generation_time"]?.number != nil)
        let items = try #require(body["response"]?.array)
        #expect(items.count == 2)
        #expect(items[0]["original"]?.string == "Dzień dobry")
        #expect(items[1]["original"]?.string == "Do widzenia")
        // The echoing mock repeats the user message it received: the prompt carried the text.
        #expect(items[0]["translated"]?.string?.contains("Dzień") == true, "\(body)")
        #expect(items[1]["translated"]?.string?.contains("widzenia") == true, "\(body)")
        let sent = try mock.lastRequest()["body"]
        let messages = try #require(sent?["messages"]?.array)
        let user = try #require(messages.last?["content"]?.string)
        #expect(user.contains("English"), "the target language reaches the prompt: \(user)")
        #expect(sent?["model"]?.string == "mock-model")
        #expect(try mock.stats()["completions"]?.int == 2)
    }

    @Test("the prompt language follows `language`, defaulting to Polish; both paths serve the endpoint")
    func languages() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--echo", "true"])
        let router = try router([mock])

        #expect(try router.post("/builtin/simplify_text", json(["model_name": "chat-model", "texts": ["x"], "language": "en"])).status == 200)
        let english = try mock.lastRequest()["body"]?["messages"]?.array?.map { $0["content"]?.string ?? "" }.joined(separator: "\n") ?? ""
        let reply = try router.post("/api/simplify_text", json(["model": "chat-model", "texts": ["x"]]))
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try reply.json()["response"]?.array?.count == 1)
        let polish = try mock.lastRequest()["body"]?["messages"]?.array?.map { $0["content"]?.string ?? "" }.joined(separator: "\n") ?? ""
        #expect(!english.isEmpty && !polish.isEmpty)
        #expect(english != polish, "pl and en prompts differ")

        let unknown = try router.post("/api/simplify_text", json(["model_name": "chat-model", "texts": ["x"], "language": "xx"]))
        #expect(unknown.status == 400)
        #expect(unknown.openAIError?["param"]?.string == "language")
        #expect(unknown.openAIError?["message"]?.string?.contains("en") == true)
    }

    @Test("texts run concurrently and several providers share them")
    func concurrency() throws {
        let a = try MockUpstream(id: "a", arguments: ["--latency-ms", "300"])
        let b = try MockUpstream(id: "b", arguments: ["--latency-ms", "300"])
        let router = try router([a, b])

        let texts = (0..<8).map { "text number \($0)" }
        let reply = try router.post("/api/summarize", json(["model_name": "chat-model", "texts": texts]))

        #expect(reply.status == 200, "\(reply.text)")
        #expect(try reply.json()["response"]?.array?.count == 8)
        let statsA = try a.stats()
        let statsB = try b.stats()
        #expect((statsA["completions"]?.int ?? 0) > 0 && (statsB["completions"]?.int ?? 0) > 0, "both providers got texts")
        #expect((statsA["maxInFlight"]?.int ?? 0) + (statsB["maxInFlight"]?.int ?? 0) > 2, "calls overlapped")
    }

    @Test("single-output endpoints answer one object; generative_answer accepts texts by document")
    func singleOutputs() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--echo", "true"])
        let router = try router([mock])

        let article = try router.post("/api/generate_article_from_texts", json(["model_name": "chat-model", "texts": ["one", "two"]]))
        #expect(article.status == 200, "\(article.text)")
        #expect(try article.json()["response"]?["article_text"]?.string?.isEmpty == false)

        let answer = try router.post("/api/generative_answer", json([
            "model_name": "chat-model", "question_str": "What colour?", "texts": ["doc-a": ["The sky is blue."], "doc-b": ["Grass is green."]],
            "doc_name_in_answer": true, "system_prompt": "Answer tersely.",
        ]))
        #expect(answer.status == 200, "\(answer.text)")
        let messages = try mock.lastRequest()["body"]?["messages"]?.array ?? []
        #expect(messages.first?["role"]?.string == "system")
        #expect(messages.first?["content"]?.string == "Answer tersely.")
        let user = messages.last?["content"]?.string ?? ""
        #expect(user.contains("[doc-a] The sky is blue.") && user.contains("What colour?"), "\(user)")

        let conversation = try router.post("/api/extended_conversation_with_model", json([
            "model_name": "chat-model", "user_last_statement": "and now?", "system_prompt": "Be brief.",
            "historical_messages": [["role": "user", "content": "hi"], ["role": "assistant", "content": "hello"]],
        ]))
        #expect(conversation.status == 200, "\(conversation.text)")
        let roles = try mock.lastRequest()["body"]?["messages"]?.array?.compactMap { $0["role"]?.string }
        #expect(roles == ["system", "user", "assistant", "user"], "the new statement comes after the history")
        #expect(try mock.lastRequest()["body"]?["messages"]?.array?.last?["content"]?.string == "and now?")
    }

    @Test("generation options are mapped: max_new_tokens becomes max_tokens")
    func options() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router([mock])
        let reply = try router.post("/api/generate_label", json(["model_name": "chat-model", "texts": ["a", "b"], "max_new_tokens": 7, "temperature": 0.2]))
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try reply.json()["response"]?.string?.isEmpty == false)
        let sent = try mock.lastRequest()["body"]
        #expect(sent?["max_tokens"]?.int == 7)
        #expect(sent?["temperature"]?.number == 0.2)
        #expect(sent?["max_new_tokens"] == nil)
    }

    @Test("stream: true relays the single call as SSE naming the client's model; per-text endpoints refuse it")
    func streaming() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router([mock])
        let streamed = try router.post("/api/generate_article_from_text", json(["model_name": "chat-model", "text": "x", "stream": true]))
        #expect(streamed.status == 200)
        #expect(streamed.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        let events = try SSE.jsonEvents(streamed.text)
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0["model"]?.string == "chat-model" })
        #expect(SSE.dataPayloads(streamed.text).last == "[DONE]")

        let refused = try router.post("/api/translate", json(["model_name": "chat-model", "texts": ["x"], "stream": true]))
        #expect(refused.status == 400)
        #expect(refused.openAIError?["param"]?.string == "stream")
    }

    @Test("every validation error is a 400 (or 404) in the OpenAI shape naming the field", arguments: [
        (#"{"texts":["a"]}"#, 400, "model_name"),
        (#"{"model_name":"chat-model"}"#, 400, "texts"),
        (#"{"model_name":"chat-model","texts":"a"}"#, 400, "texts"),
        (#"{"model_name":"chat-model","texts":[]}"#, 400, "texts"),
        (#"{"model_name":"chat-model","texts":["a",3]}"#, 400, "texts[1]"),
        (#"{"model_name":"chat-model","texts":["a","b","c"]}"#, 400, "texts"),
        (#"{"model_name":"chat-model","texts":["a"],"temperature":"hot"}"#, 400, "temperature"),
        (#"{"model_name":"nope","texts":["a"]}"#, 404, "model"),
        (#"not json"#, 400, ""),
    ])
    func validation(body: String, status: Int, param: String) throws {
        let mock = try MockUpstream(id: "a")
        let router = try router([mock], environment: ["LLM_ROUTER_BUILTIN_MAX_TEXTS": "2"])
        let reply = try router.post("/api/translate", body)
        #expect(reply.status == status, "\(reply.text)")
        let error = try #require(reply.openAIError, "\(reply.text)")
        if !param.isEmpty { #expect(error["param"]?.string == param, "\(reply.text)") }
        #expect(try mock.stats()["completions"]?.int == 0, "no bad request reaches a provider")
    }

    @Test("a failed text fails the request with an error naming its index")
    func failedText() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--fail-status", "400"])
        let router = try router([mock])
        let reply = try router.post("/api/translate", json(["model_name": "chat-model", "texts": ["a", "b"]]))
        #expect(reply.status == 502, "\(reply.text)")
        let error = try #require(reply.openAIError)
        #expect(error["param"]?.string?.hasPrefix("texts[") == true)
        #expect(error["message"]?.string?.hasPrefix("Text ") == true, "\(error)")
    }

    @Test("a client that disconnects cancels the texts still running")
    func disconnectCancels() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--latency-ms", "3000"])
        let router = try router([mock])
        let client = try router.connect()
        let body = json(["model_name": "chat-model", "texts": ["a", "b", "c"]])
        try client.send("POST /api/translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let started = Deadline.poll(seconds: 5) { (try? mock.stats()["inFlight"]?.int) == 3 }
        #expect(started)
        client.close()
        let cancelled = Deadline.poll(seconds: 5) { (try? mock.stats()["requestsAbortedByClient"]?.int) == 3 }
        #expect(cancelled, "\(String(describing: try? mock.stats()))")
    }
}
