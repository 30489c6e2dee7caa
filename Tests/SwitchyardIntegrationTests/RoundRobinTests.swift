import SwitchyardTestSupport
import Testing

@Suite("Round-robin load balancing", .timeLimit(.minutes(1)))
struct RoundRobinTests {
    @Test("consecutive requests alternate between two providers")
    func consecutiveRequestsAlternate() throws {
        let first = try MockUpstream(id: "a")
        let second = try MockUpstream(id: "b")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [first.provider(), second.provider()]),
            arguments: ["--strategy", "round_robin", "--workers", "1"])

        var served: [String] = []
        for _ in 0..<6 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200)
            served.append(try response.json()["system_fingerprint"]?.string ?? "?")
        }

        #expect(Set(served) == ["a", "b"], "served by \(served)")
        for (previous, next) in zip(served, served.dropFirst()) {
            #expect(previous != next, "served by \(served)")
        }
    }
}
