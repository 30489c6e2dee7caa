import Foundation
import SwitchyardCore
import Testing

/// Logs into a temporary file and returns the text written.
private func capture(_ format: LogFormat, level: LogLevel = .info, _ body: (Logger) -> Void) throws -> String {
    let path = NSTemporaryDirectory() + "switchyard-logger-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let logger = Logger(level: level, format: format, fileName: path, fields: [("worker.id", .int(3))], toStandardError: false)
    body(logger)
    logger.flush()
    return try String(contentsOfFile: path, encoding: .utf8)
}

/// Hands a value to a helper thread and back; a semaphore orders the accesses, hence `@unchecked Sendable`.
private final class Handoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Reads whatever a non-blocking pipe holds now into `bytes`; returns how many bytes were read.
@discardableResult
private func readAvailable(_ fd: Int32, into bytes: inout [UInt8]) -> Int {
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var total = 0
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            bytes += chunk[..<n]
            total += n
        } else if n < 0 && errno == EINTR {
            continue
        } else {
            return total
        }
    }
}

/// Logs `count` numbered lines on a helper thread into a Logger whose stderr is a pipe nobody reads yet, and
/// waits for it to return. A blocking write would never return: then the pipe is drained to free the thread and
/// the test fails instead of hanging.
private func logIntoStalledPipe(_ logger: Logger, readEnd: Int32, count: Int, padding: String) -> Bool {
    let shared = Handoff(logger)
    let finished = DispatchSemaphore(value: 0)
    let thread = Thread {
        for seq in 0..<count { shared.value.info("line", [("seq", .int(seq)), ("pad", .string(padding))]) }
        shared.value.flush()
        finished.signal()
    }
    thread.start()
    if finished.wait(timeout: .now() + 30) == .success { return true }
    var discarded: [UInt8] = []
    while finished.wait(timeout: .now() + 0.05) == .timedOut {
        readAvailable(readEnd, into: &discarded)
        discarded.removeAll()
    }
    return false
}

/// Flushes and reads until the logger has nothing more to give (its backlog and the dropped-lines notice).
private func drain(_ logger: Logger, readEnd: Int32) -> [UInt8] {
    var received: [UInt8] = []
    repeat { logger.flush() } while readAvailable(readEnd, into: &received) > 0
    return received
}

/// A pipe (or a connected pair of Unix stream sockets, as systemd's journal gives) whose read end is non-blocking,
/// so the test can read "what is there" without waiting.
private func makeChannel(socket: Bool = false) throws -> (readEnd: Int32, writeEnd: Int32) {
    var fds: [Int32] = [-1, -1]
    if socket {
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
    } else {
        try #require(pipe(&fds) == 0)
    }
    _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
    return (fds[0], fds[1])
}

@Suite("Logger")
struct LoggerTests {
    @Test("plain lines carry a UTC timestamp, the level, key=value fields and the base fields; odd strings are quoted")
    func plainLines() throws {
        let text = try capture(.plain) { logger in
            logger.info("request", [("method", "POST"), ("status", .int(200)), ("neg", .int(-42)), ("duration_ms", .double(1.5)),
                                    ("tiny", .double(0.0004)), ("minus", .double(-2.25)), ("ok", .bool(true)), ("path", "/a b"), ("empty", "")])
        }
        let line = try #require(text.split(separator: "\n").first.map(String.init))
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO request "#, options: .regularExpression) != nil)
        #expect(line.hasSuffix(#" method=POST status=200 neg=-42 duration_ms=1.500 tiny=0.000 minus=-2.250 ok=true path="/a b" empty="" worker.id=3"#))
    }

    @Test("JSON lines are valid JSON objects with every field typed")
    func jsonLines() throws {
        let text = try capture(.json) { logger in
            logger.warning("slow \"upstream\"", [("provider.id", "p1"), ("attempts", .int(12345678901)), ("ms", .double(12.3456))])
        }
        let data = try #require(text.split(separator: "\n").first.map { Data($0.utf8) })
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["msg"] as? String == "slow \"upstream\"")
        #expect(object["provider.id"] as? String == "p1")
        #expect(object["attempts"] as? Int == 12345678901)
        #expect(object["ms"] as? Double == 12.346)
        #expect(object["worker.id"] as? Int == 3)
        #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("lines below the level are not written")
    func levelFilter() throws {
        let text = try capture(.plain, level: .warning) { logger in
            logger.info("hidden", [])
            logger.error("shown", [])
        }
        #expect(!text.contains("hidden"))
        #expect(text.contains("ERROR shown"))
    }

    @Test("logging into a pipe nobody reads returns; the pipe later yields whole lines, then how many were dropped",
          .timeLimit(.minutes(1)))
    func stalledPipeDropsWholeLines() throws {
        let (readEnd, writeEnd) = try makeChannel()
        defer { close(readEnd); close(writeEnd) }
        let logger = Logger(level: .info, format: .plain, fields: [("worker.id", .int(3))], standardErrorFD: writeEnd)
        let padding = String(repeating: "x", count: 120)
        // About 3.3 MB: more than the pipe (64 KiB) and the backlog (1 MiB) together.
        let total = 20_000
        // The logger writes through a private non-blocking reopen: the inherited descriptor is shared and left alone.
        #expect(fcntl(writeEnd, F_GETFL) & O_NONBLOCK == 0)

        #expect(logIntoStalledPipe(logger, readEnd: readEnd, count: total, padding: padding), "a log call blocked on the full pipe")
        var received = drain(logger, readEnd: readEnd)
        logger.info("after", [])
        received += drain(logger, readEnd: readEnd)

        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        var seqs: [Int] = []
        var notices: [(line: Int, dropped: Int)] = []
        var after: [Int] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for (index, line) in lines.enumerated() {
            if let match = line.wholeMatch(of: #/\S+Z INFO line seq=(\d+) pad=(x+) worker\.id=3/#), match.2.count == padding.count {
                seqs.append(Int(match.1)!)
            } else if let match = line.wholeMatch(of: #/\S+Z WARNING (\d+) log lines dropped \(log output was blocked\) log\.dropped_lines=(\d+) worker\.id=3/#) {
                #expect(match.1 == match.2)
                notices.append((index, Int(match.1)!))
            } else if line.wholeMatch(of: #/\S+Z INFO after worker\.id=3/#) != nil {
                after.append(index)
            } else {
                Issue.record("not a whole line: \(line.prefix(300))")
            }
        }
        // What got through is the start of the sequence, in order and whole; the rest is reported, once, after it.
        #expect(seqs == Array(0..<seqs.count))
        #expect(notices.count == 1)
        let dropped = notices.first?.dropped ?? 0
        #expect(dropped > 0)
        #expect(seqs.count + dropped == total)
        #expect(notices.first?.line == seqs.count)
        #expect(after == [seqs.count + 1])
    }

    @Test("in JSON the dropped-lines notice is a warning object with the count as a field, for a pipe and a socket",
          .timeLimit(.minutes(1)), arguments: [false, true])
    func stalledOutputNoticeInJSON(socket: Bool) throws {
        let (readEnd, writeEnd) = try makeChannel(socket: socket)
        defer { close(readEnd); close(writeEnd) }
        let logger = Logger(level: .info, format: .json, standardErrorFD: writeEnd, backlogLimit: 4096)
        // About 1 MB: more than a pipe or a socket buffer holds.
        let total = 10_000

        #expect(logIntoStalledPipe(logger, readEnd: readEnd, count: total, padding: String(repeating: "y", count: 60)), "a log call blocked on the full pipe")
        let lines = String(decoding: drain(logger, readEnd: readEnd), as: UTF8.self).split(separator: "\n")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let notice = try #require(objects.last)
        #expect(notice["level"] as? String == "warning")
        let dropped = try #require(notice["log.dropped_lines"] as? Int)
        #expect(notice["msg"] as? String == "\(dropped) log lines dropped (log output was blocked)")
        #expect(objects.dropLast().allSatisfy { $0["msg"] as? String == "line" })
        #expect(objects.count - 1 + dropped == total)
    }
}
