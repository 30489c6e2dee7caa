import SwitchyardCore
import SwitchyardPrompts

/// One chat message of a model call.
struct ChatMessage {
    var role: String
    var content: String
}

/// What a builtin request runs: one model call per entry of ``calls`` (each a chat conversation built from the
/// prompt library), and how the answers, in order, become the `response` value of the reply.
struct BuiltinPlan {
    /// The model calls, in the order their answers reach ``shape``.
    var calls: [[ChatMessage]]
    /// The `response` value (JSON) from the answers; a failure names the text it is about.
    var shape: ([String]) -> Result<[UInt8], RouterError>

    /// The plan for `endpoint`, or the 400 that explains what is wrong with the request.
    static func make(_ endpoint: BuiltinEndpoint, request: BuiltinRequest, prompts: PromptLibrary) -> Result<BuiltinPlan, RouterError> {
        if let error = request.validateOptions() { return .failure(error) }
        do {
            return .success(try plan(endpoint, request, Renderer(prompts: prompts, language: request.language)))
        } catch {
            return .failure(error)
        }
    }

    private static func plan(_ endpoint: BuiltinEndpoint, _ request: BuiltinRequest, _ render: Renderer) throws(RouterError) -> BuiltinPlan {
        switch endpoint {
        case .generateQuestions:
            let texts = try request.texts().get()
            let count = try request.optionalInt("number_of_questions", in: 1...50).get() ?? 5
            let calls = try texts.map { text throws(RouterError) in try render("generate_questions", ["text": text, "number_of_questions": String(count)]) }
            return BuiltinPlan(calls: calls) { answers in
                .success(list(zip(texts, answers)) { out, pair in
                    out.raw("{\"text\":"); out.string(pair.0)
                    out.raw(",\"questions\":[")
                    for (index, question) in OutputParsers.questions(pair.1).enumerated() {
                        if index > 0 { out.raw(",") }
                        out.string(question)
                    }
                    out.raw("]}")
                })
            }
        case .translate:
            let texts = try request.texts().get()
            let target = try request.optionalString("target_language").get() ?? "Polish"
            let calls = try texts.map { text throws(RouterError) in try render("translate", ["text": text, "target_language": target]) }
            return BuiltinPlan(calls: calls) { answers in
                .success(list(zip(texts, answers)) { out, pair in
                    out.raw("{\"original\":"); out.string(pair.0)
                    out.raw(",\"translated\":"); out.string(pair.1)
                    out.raw("}")
                })
            }
        case .simplifyText:
            let texts = try request.texts().get()
            let calls = try texts.map { text throws(RouterError) in try render("simplify_text", ["text": text]) }
            return BuiltinPlan(calls: calls) { answers in
                .success(list(answers) { out, answer in out.string(answer) })
            }
        case .summarize:
            let texts: [String]
            if request.body["texts"] == nil, request.body["text"] != nil {
                texts = [try request.string("text").get()]
            } else {
                texts = try request.texts().get()
            }
            let maxWords = try request.optionalInt("max_words", in: 1...100_000).get()
            let calls = try texts.map { text throws(RouterError) in
                if let maxWords { return try render("summarize_words", ["text": text, "max_words": String(maxWords)]) }
                return try render("summarize", ["text": text])
            }
            return BuiltinPlan(calls: calls) { answers in
                .success(list(zip(texts, answers)) { out, pair in
                    out.raw("{\"original\":"); out.string(pair.0)
                    out.raw(",\"summary\":"); out.string(pair.1)
                    out.raw("}")
                })
            }
        case .polarity:
            let texts = try request.texts().get()
            let calls = try texts.map { text throws(RouterError) in try render("polarity_3c", ["text": text]) }
            return BuiltinPlan(calls: calls) { answers in
                var classes: [String] = []
                for (index, answer) in answers.enumerated() {
                    guard let polarity = OutputParsers.polarity(answer) else {
                        return .failure(RouterError(status: 502, message: "Text \(index): the model's answer names no single polarity class (positive, negative or ambivalent): \(snippet(answer))", code: "unparseable_output", param: "texts[\(index)]"))
                    }
                    classes.append(polarity)
                }
                return .success(list(zip(texts, classes)) { out, pair in
                    out.raw("{\"original\":"); out.string(pair.0)
                    out.raw(",\"polarity\":"); out.string(pair.1)
                    out.raw("}")
                })
            }
        case .generateLabel:
            let texts = try request.texts().get()
            let call = try render("generate_label", ["texts": joined(texts)])
            return BuiltinPlan(calls: [call]) { answers in .success(value { $0.string(OutputParsers.label(answers[0])) }) }
        case .articleFromText:
            let text = try request.string("text").get()
            return article(try render("generate_article_from_text", ["text": text]))
        case .articleFromTexts:
            let texts = try request.texts().get()
            return article(try render("generate_article_from_texts", ["texts": joined(texts)]))
        case .fullArticle:
            let query = try request.string("user_query").get()
            let texts = try request.texts().get()
            let kind = try request.optionalString("article_type").get() ?? "article"
            return article(try render("create_full_article_from_texts", ["user_query": query, "texts": joined(texts), "article_type": kind]))
        case .generativeAnswer:
            return try generativeAnswer(request, render)
        case .conversation:
            let statement = try request.string("user_last_statement").get()
            var messages = [ChatMessage(role: "system", content: try render.systemText("conversation"))]
            if let history = request.body["historical_messages"], !history.isNull {
                guard let turns = history.array else { throw BuiltinRequest.wrongType("historical_messages", "a list of {\"user\", \"assistant\"} objects") }
                for (index, turn) in turns.enumerated() {
                    guard let user = turn["user"]?.string, let assistant = turn["assistant"]?.string else {
                        throw BuiltinRequest.wrongType("historical_messages[\(index)]", "an object with string fields \"user\" and \"assistant\"")
                    }
                    messages.append(ChatMessage(role: "user", content: user))
                    messages.append(ChatMessage(role: "assistant", content: assistant))
                }
            }
            messages.append(ChatMessage(role: "user", content: statement))
            return BuiltinPlan(calls: [messages]) { answers in .success(value { $0.string(answers[0]) }) }
        case .extendedConversation:
            let statement = try request.string("user_last_statement").get()
            let system = try request.optionalString("system_prompt").get()
            let systemText: String
            if let system { systemText = system } else { systemText = try render.systemText("conversation") }
            var messages = [ChatMessage(role: "system", content: systemText)]
            if let history = request.body["historical_messages"], !history.isNull {
                guard let turns = history.array else { throw BuiltinRequest.wrongType("historical_messages", "a list of {\"role\", \"content\"} objects") }
                for (index, turn) in turns.enumerated() {
                    guard let role = turn["role"]?.string, ["user", "assistant", "system"].contains(role), let content = turn["content"]?.string else {
                        throw BuiltinRequest.wrongType("historical_messages[\(index)]", "an object with \"role\" (user, assistant or system) and string \"content\"")
                    }
                    messages.append(ChatMessage(role: role, content: content))
                }
            }
            // The new statement comes after the history (llm-router put it before).
            messages.append(ChatMessage(role: "user", content: statement))
            return BuiltinPlan(calls: [messages]) { answers in .success(value { $0.string(answers[0]) }) }
        }
    }

    /// Context QA: `texts` as a list, or as `{doc_name: [texts]}` (passages then carry their document's name when
    /// `doc_name_in_answer` is true, so the model can cite it).
    private static func generativeAnswer(_ request: BuiltinRequest, _ render: Renderer) throws(RouterError) -> BuiltinPlan {
        let question = try request.string("question_str").get()
        let questionPrompt = try request.optionalString("question_prompt").get()
        let systemPrompt = try request.optionalString("system_prompt").get()
        let withNames = try request.optionalBool("doc_name_in_answer").get() ?? false
        guard let given = request.body["texts"], !given.isNull else { throw request.missing("texts") }
        var passages: [String] = []
        if let documents = given.object {
            if documents.members.isEmpty { throw BuiltinRequest.wrongType("texts", "a non-empty list or {document name: [texts]} object") }
            for (name, value) in documents.members {
                let texts = try request.stringList(value, field: "texts[\"\(name)\"]").get()
                passages.append(contentsOf: texts.map { withNames ? "[\(name)] \($0)" : $0 })
            }
            if passages.count > request.maxTexts {
                throw request.tooManyTexts(passages.count)
            }
        } else {
            passages = try request.stringList(given, field: "texts").get()
        }
        let asked = questionPrompt.map { "\($0)\n\n\(question)" } ?? question
        var call = try render("generative_answer", ["question": asked, "context": joined(passages)])
        if let systemPrompt {
            if let index = call.firstIndex(where: { $0.role == "system" }) {
                call[index].content = systemPrompt
            } else {
                call.insert(ChatMessage(role: "system", content: systemPrompt), at: 0)
            }
        }
        return article(call)
    }

    // MARK: helpers

    /// A single call whose answer becomes `{"article_text": …}`.
    private static func article(_ call: [ChatMessage]) -> BuiltinPlan {
        BuiltinPlan(calls: [call]) { answers in
            .success(value { out in out.raw("{\"article_text\":"); out.string(answers[0]); out.raw("}") })
        }
    }

    private static func joined(_ texts: [String]) -> String { texts.joined(separator: "\n\n") }

    private static func snippet(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private static func value(_ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var out = JSONWriter()
        body(&out)
        return out.bytes
    }

    private static func list<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) -> [UInt8] {
        var out = JSONWriter()
        out.raw("[")
        var first = true
        for item in items {
            if !first { out.raw(",") }
            first = false
            element(&out, item)
        }
        out.raw("]")
        return out.bytes
    }
}

/// Renders library prompts as chat messages in one language; prompt errors become 400s naming the field.
private struct Renderer {
    let prompts: PromptLibrary
    let language: String

    func callAsFunction(_ name: String, _ values: [String: String]) throws(RouterError) -> [ChatMessage] {
        switch prompts.render(name, language: language, values: values) {
        case .success(let rendered):
            var messages: [ChatMessage] = []
            if let system = rendered.system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: rendered.user))
            return messages
        case .failure(let error):
            throw RouterError(status: 400, message: error.message, code: error.code, param: error.param)
        }
    }

    /// A prompt used as a system message (its system part, else its user part).
    func systemText(_ name: String) throws(RouterError) -> String {
        let messages = try self(name, [:])
        return messages.first { $0.role == "system" }?.content ?? messages[messages.count - 1].content
    }
}
