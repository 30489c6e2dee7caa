import Glibc
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

    @Test("the id reaches the provider, comes back to the client and is on every log line of the request")
    func propagation() throws {
        let failing = try MockUpstream(id: "down", arguments: ["--fail-status", "503"])
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [failing.provider(), mock.provider()]),
                                       arguments: ["--workers", "1", "--strategy", "first_available"])

        let answer = try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("X-Request-Id", "trace-77")])
        #expect(answer.status == 200)
        #expect(answer.header("X-Request-Id") == "trace-77")
        #expect(try mock.lastRequest()["headers"]?["x-request-id"]?.string == "trace-77")
        #expect(try failing.lastRequest()["headers"]?["x-request-id"]?.string == "trace-77")

        let stream = try router.post("/v1/chat/completions", RequestBody.chat(stream: true), headers: [("X-Request-Id", "trace-78")])
        #expect(stream.header("X-Request-Id") == "trace-78")
        #expect(try mock.lastRequest()["headers"]?["x-request-id"]?.string == "trace-78")

        // A generated id travels the same way, and the router's own answers carry one too.
        let generated = try #require(try router.post("/v1/chat/completions", RequestBody.chat()).header("X-Request-Id"))
        #expect(try mock.lastRequest()["headers"]?["x-request-id"]?.string == generated)
        let unknown = try router.post("/v1/chat/completions", RequestBody.chat(model: "nope"), headers: [("X-Request-Id", "trace-79")])
        #expect(unknown.status == 404)
        #expect(unknown.header("X-Request-Id") == "trace-79")
        #expect(try router.get("/health").header("X-Request-Id") != nil)

        // Every line that mentions the request carries its id: the failover warning and the access line.
        let deadline = ContinuousClock.now + .seconds(3)
        while !router.logText.contains("trace-79") && ContinuousClock.now < deadline { try? await_(milliseconds: 50) }
        let lines = router.logText.split(separator: "\n").filter { $0.contains("trace-77") }
        #expect(lines.count >= 2, "\(router.logText)")
        #expect(lines.contains { $0.contains("trying another") })
        let related = router.logText.split(separator: "\n").filter { $0.contains("provider.id=down") || ($0.contains("path=/v1/chat/completions") && $0.contains("status=")) }
        #expect(related.allSatisfy { $0.contains("request.id=") }, "\(related)")
        #expect(router.logText.contains("request.id=trace-79"))
    }

    private func await_(milliseconds: Int) throws {
        usleep(useconds_t(milliseconds * 1000))
    }
}
