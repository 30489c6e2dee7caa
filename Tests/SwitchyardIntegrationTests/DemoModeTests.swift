import SwitchyardTestSupport
import Testing

@Suite("Demo mode (no models config)", .timeLimit(.minutes(1)))
struct DemoModeTests {
    @Test("without a config the router lists and answers model demo")
    func demoModelAnswers() throws {
        let router = try RouterProcess(config: nil)

        let models = try router.get("/v1/models")
        let reply = try router.post("/v1/chat/completions", RequestBody.chat(model: "demo"))
        let stream = try router.post("/v1/chat/completions", RequestBody.chat(model: "demo", stream: true))

        #expect(models.status == 200)
        #expect(try models.json()["data"]?.array?.compactMap { $0["id"]?.string } == ["demo"])
        #expect(reply.status == 200, "body: \(reply.text)")
        #expect(try reply.json()["model"]?.string == "demo")
        #expect(try reply.json()["choices"]?[0]?["message"]?["content"]?.string?.isEmpty == false)
        #expect(stream.status == 200)
        #expect(SSE.dataPayloads(stream.text).last == "[DONE]")
    }
}
