import Glibc
import SwitchyardTestSupport
import Testing

/// A client that reads slowly must not make the router buffer the whole stream: the router pauses reading the
/// upstream while the client's unsent output is above its high-water mark and resumes when it drains. Checked for
/// both upstream clients by streaming ~20 MB to a client that stalls before reading, then reading everything.
@Suite("Back-pressure from a slow client", .timeLimit(.minutes(1)))
struct BackPressureTests {
    @Test("a large stream to a stalled client completes intact and the router's memory stays bounded",
          arguments: [["--workers", "1"], ["--workers", "1", "--upstream-client", "curl"]])
    func slowReader(arguments: [String]) throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "m")]), arguments: arguments)
        let worker = try #require(ProcessTable.workers(of: router.process.pid).first)
        let client = try router.connect(timeout: 20)
        // ~20 MB of SSE: about twice what loopback socket buffers absorb, so the upstream read must pause.
        let tokens = 80_000
        // Warm the worker up first so the baseline includes its steady-state buffers.
        _ = try router.post("/v1/chat/completions", RequestBody.chat(stream: true, mock: #"{"tokens":100}"#))
        let baselineRSS = try #require(Self.residentKilobytes(worker))
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions",
                                              body: RequestBody.chat(stream: true, mock: #"{"tokens":\#(tokens)}"#)))
        // Stall: the mock writes ~5 MB at once; the socket buffers fill and the router must pause the upstream.
        usleep(1_500_000)
        let stalledRSS = try #require(Self.residentKilobytes(worker))

        let response = try client.readResponse()

        #expect(response.status == 200)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]")
        // role event + one event per token + finish event + [DONE]
        #expect(payloads.count == tokens + 3)
        #expect(payloads.dropLast().allSatisfy { $0.contains(#""model":"chat-model""#) })
        // What the router held while the client stalled: its high-water mark and a read buffer, not the ~20 MB stream.
        #expect(stalledRSS - baselineRSS < 3_000, "worker RSS grew from \(baselineRSS) to \(stalledRSS) kB while the client stalled")
        let stats = try mock.stats()
        #expect(stats["streamsCompleted"]?.int == 2)  // the warm-up and this one
    }

    static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmRSS:") {
                return Int(text.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
            }
        }
        return nil
    }
}
