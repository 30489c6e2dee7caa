import SwitchyardTestSupport
import Testing

@Suite("Request ids", .timeLimit(.minutes(1)))
struct RequestIDTests {
    @Test("a sane X-Request-Id is echoed; otherwise the router makes one from worker, pid and a counter")
    func requestIDs() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"])

        let given = try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("X-Request-Id", "trace-42")])
        #expect(given.header("X-Request-Id") == "trace-42")

        let first = try #require(try router.post("/v1/chat/completions", RequestBody.chat()).header("X-Request-Id"))
        let tooLong = try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("X-Request-Id", String(repeating: "x", count: 129))])
        let second = try #require(tooLong.header("X-Request-Id"))
        let pattern = try Regex(#"^w1-(\d+)-(\d+)$"#)
        let a = try #require(first.wholeMatch(of: pattern), "\(first)")
        let b = try #require(second.wholeMatch(of: pattern), "\(second)")
        #expect(a.output[1].substring == b.output[1].substring, "same worker pid")
        #expect(Int(b.output[2].substring ?? "") == Int(a.output[2].substring ?? "")! + 1, "\(first) then \(second)")
    }
}
