import SwitchyardCore
import SwitchyardPrompts
import Testing
@testable import SwitchyardGateway

private func chat(_ content: String) -> String {
    #"{"id":"x","model":"served-a","choices":[{"index":0,"message":{"role":"assistant","content":\#(String(decoding: JSONWriter.quoted(content), as: UTF8.self))}}]}"#
}

@Suite("Builtin jobs")
struct BuiltinJobTests {
    private func job(_ harness: CallHarness, calls: Int, concurrency: Int, completion: @escaping (Result<[String], RouterError>) -> Void) -> BuiltinJob {
        let bodies = (0..<calls).map { BuiltinRoutes.chatBody(model: "m", messages: [ChatMessage(role: "user", content: "text \($0)")], options: [], stream: false) }
        return BuiltinJob(context: harness.context, calls: bodies, model: harness.config.model(named: "m")!, requestID: "r",
                          concurrency: concurrency, perText: true, completion: completion)
    }

    @Test("at most `concurrency` calls run at once; answers come back in text order")
    func boundedAndOrdered() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        var result: Result<[String], RouterError>?
        let job = job(harness, calls: 5, concurrency: 2) { result = $0 }
        job.start()
        #expect(harness.upstream.transfers.count == 2)
        // Answer out of order: the second call first.
        harness.upstream.transfers[1].answer(200, chat("one"))
        harness.scheduler.runDeferred()
        #expect(harness.upstream.transfers.count == 3, "a finished call makes room for the next")
        harness.upstream.transfers[0].answer(200, chat("zero"))
        harness.scheduler.runDeferred()
        for index in 2..<5 {
            harness.upstream.transfers[index].answer(200, chat("t\(index)"))
            harness.scheduler.runDeferred()
        }
        #expect(harness.upstream.transfers.count == 5)
        #expect((try? result?.get()) == ["zero", "one", "t2", "t3", "t4"])
        #expect(harness.liveLeases == 0)
    }

    @Test("the first failure cancels the calls still running and names the text")
    func failureCancelsTheRest() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        var result: Result<[String], RouterError>?
        let job = job(harness, calls: 3, concurrency: 3) { result = $0 }
        job.start()
        harness.upstream.transfers[1].answer(400, #"{"error":{"message":"bad prompt"}}"#)
        guard case .failure(let error)? = result else {
            Issue.record("expected a failure, got \(String(describing: result))")
            return
        }
        #expect(error.status == 502)
        #expect(error.param == "texts[1]")
        #expect(error.message.hasPrefix("Text 1: ") && error.message.contains("bad prompt"), "\(error.message)")
        #expect(harness.upstream.transfers[0].cancelled && harness.upstream.transfers[2].cancelled)
        #expect(harness.liveLeases == 0)
    }

    @Test("cancelling (the client left) cancels every running call and answers nothing")
    func cancel() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        var answered = false
        let job = job(harness, calls: 4, concurrency: 2) { _ in answered = true }
        job.start()
        job.cancel()
        harness.scheduler.runDeferred()
        #expect(!answered)
        #expect(harness.upstream.transfers.count == 2)
        #expect(harness.upstream.transfers.allSatisfy { $0.cancelled })
        #expect(harness.liveLeases == 0)
    }

    @Test("plans from the shipped library: questions are parsed, an unreadable polarity names its text")
    func plans() throws {
        let library = try PromptLibrary.load(directory: BuiltinJobTests.promptsDirectory).get()
        let questionsRequest = try BuiltinRequest.parse(Array(#"{"model":"m","texts":["a","b"],"number_of_questions":2,"language":"en"}"#.utf8), defaultLanguage: "pl", maxTexts: 8).get()
        let questions = try BuiltinPlan.make(.generateQuestions, request: questionsRequest, prompts: library).get()
        #expect(questions.calls.count == 2)
        #expect(questions.calls[0].last?.content.contains("a") == true)
        let shaped = String(decoding: try questions.shape(["1. Why?\n2. How?", "Intro:\n- What?"]).get(), as: UTF8.self)
        #expect(shaped == #"[{"text":"a","questions":["Why?","How?"]},{"text":"b","questions":["What?"]}]"#)

        let polarityRequest = try BuiltinRequest.parse(Array(#"{"model":"m","texts":["x","y"]}"#.utf8), defaultLanguage: "pl", maxTexts: 8).get()
        let polarity = try BuiltinPlan.make(.polarity, request: polarityRequest, prompts: library).get()
        #expect(String(decoding: try polarity.shape(["Positive.", "negative"]).get(), as: UTF8.self) == #"[{"original":"x","polarity":"positive"},{"original":"y","polarity":"negative"}]"#)
        guard case .failure(let error) = polarity.shape(["Positive", "no idea"]) else {
            Issue.record("an unreadable class was accepted")
            return
        }
        #expect(error.param == "texts[1]")
    }

    /// The checkout's `resources/prompts`, found from this file's path.
    static var promptsDirectory: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/resources/prompts"
    }
}
