import SwitchyardHTTP
import SwitchyardIO
import Glibc
import Testing

@Suite("Input held for clients draws on the worker's byte budget", .timeLimit(.minutes(1)))
struct HTTPServerInputBudgetTests {
    /// A server whose connections draw on a budget of `budget` bytes; it answers `got <body size>`.
    private static func server(budget: Int) throws -> RunningHTTPServer {
        var configuration = HTTPServer.Configuration.make()
        configuration.inputBudget = ByteBudget(limit: budget)
        return try RunningHTTPServer.make(configuration: configuration) { request, response, _ in
            response.send(status: 200, body: Array("got \(request.body.count)".utf8))
        }
    }

    @Test("a body that would exceed the budget is refused with 503, its bytes come back, and small requests go on")
    func bodyBeyondBudget() throws {
        let server = try Self.server(budget: 64 * 1024)
        defer { server.stop() }

        let big = try RawHTTPClient(port: server.port)
        let size = 400 * 1024
        try big.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
        // The server may answer and close before every byte is written; a failed send is expected then.
        try? big.send([UInt8](repeating: 0x61, count: size))
        let refused = try big.readResponse()
        #expect(refused.status == 503)
        #expect(refused.bodyText.contains("server_overloaded"))
        big.close()

        let small = try RawHTTPClient(port: server.port)
        try small.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try small.readResponse().bodyText == "got 5")
        var used = server.onLoop { $0.server.configuration.inputBudget?.used }
        for _ in 0..<250 where used != 0 {
            usleep(20_000)
            used = server.onLoop { $0.server.configuration.inputBudget?.used }
        }
        #expect(used == 0, "every reserved byte is given back once the connection is gone")
    }

    @Test("the same body is accepted when the budget can hold it")
    func bodyWithinBudget() throws {
        let server = try Self.server(budget: 1024 * 1024)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let size = 400 * 1024
        try client.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
        try client.send([UInt8](repeating: 0x61, count: size))
        #expect(try client.readResponse().bodyText == "got \(size)")
    }

    @Test("a body trickled in small pieces counts too (the parsed part of a body is held as well)")
    func trickledBody() throws {
        let server = try Self.server(budget: 64 * 1024)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let size = 400 * 1024
        try client.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
        let piece = [UInt8](repeating: 0x62, count: 8 * 1024)
        // Small pieces with pauses: the server parses each one before the next arrives.
        for _ in 0..<(size / piece.count) {
            guard (try? client.send(piece)) != nil else { break }
            usleep(1_000)
        }
        let answer = try client.readResponse()
        #expect(answer.status == 503, "\(answer.bodyText)")
    }
}
