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
}
