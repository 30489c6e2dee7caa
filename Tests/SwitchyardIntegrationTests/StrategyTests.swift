import SwitchyardTestSupport
import Testing

@Suite("Load-balancing strategies end to end", .timeLimit(.minutes(1)))
struct StrategyTests {
    @Test("a model's weighted strategy with weights 3 and 1 sends exactly 30 of 40 requests to the first provider")
    func weightedThreeToOne() throws {
        let heavy = try MockUpstream(id: "heavy")
        let light = try MockUpstream(id: "light")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [heavy.provider(weight: 3), light.provider(weight: 1)], strategy: "weighted"),
            arguments: ["--strategy", "round_robin", "--workers", "1"])

        for _ in 0..<40 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
        }

        #expect(try heavy.stats()["completions"]?.int == 30)
        #expect(try light.stats()["completions"]?.int == 10)
    }

    @Test("first_available with one slot each sends sequential requests all to the first provider")
    func firstAvailableSequential() throws {
        let first = try MockUpstream(id: "first")
        let second = try MockUpstream(id: "second")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [first.provider(nworkers: 1), second.provider(nworkers: 1)]),
            arguments: ["--strategy", "first_available", "--workers", "1"])

        for _ in 0..<10 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["system_fingerprint"]?.string == "first")
        }

        #expect(try first.stats()["completions"]?.int == 10)
        #expect(try second.stats()["completions"]?.int == 0)
    }
}
