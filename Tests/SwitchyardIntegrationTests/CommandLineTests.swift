import SwitchyardTestSupport
import Testing

@Suite("check-config and serve exit codes", .timeLimit(.minutes(1)))
struct CommandLineTests {
    @Test("check-config accepts a valid file with exit 0 and an ok line")
    func checkConfigAcceptsValidFile() throws {
        let directory = try TemporaryDirectory()
        let config = RouterConfig.single("chat-model", providers: [.init(id: "a", apiHost: "http://127.0.0.1:9")])
        let path = try directory.write(config.json, to: "models.json")

        let process = try ManagedProcess(arguments: ["check-config", path])

        #expect(process.waitForExit(timeout: 10) == 0)
        #expect(process.stdoutText.contains("ok"), "stdout: \(process.stdoutText)")
    }

    @Test("check-config lists every mistake with its JSON path and exits 2")
    func checkConfigListsEveryProblem() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.configWithThreeMistakes, to: "models.json")

        let process = try ManagedProcess(arguments: ["check-config", path])

        #expect(process.waitForExit(timeout: 10) == 2)
        let problems = process.stderrText.split(separator: "\n").filter { $0.contains("$.") }
        #expect(problems.count == 3, "stderr: \(process.stderrText)")
        // `chat-model` may be written `.chat-model` or `["chat-model"]`; both are valid JSONPath.
        for suffix in [".providers[0].api_host:", ".providers[0].api_type:", ".fallback_model:"] {
            #expect(problems.contains { $0.contains("chat-model") && $0.contains(suffix) }, "no \(suffix) line in: \(problems)")
        }
    }

    @Test("serve exits 2 on an invalid config")
    func serveRejectsInvalidConfig() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Self.configWithThreeMistakes, to: "models.json")

        let process = try ManagedProcess(arguments: ["serve", "--config", path, "--host", "127.0.0.1", "--port", "0"])

        #expect(process.waitForExit(timeout: 10) == 2, "stderr: \(process.stderrText)")
        #expect(!process.stdoutText.contains("listening on"))
    }

    @Test("serve exits 3 when the port is already in use")
    func serveReportsBindFailure() throws {
        let occupant = try MockUpstream(id: "occupant")
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            RouterConfig.single("chat-model", providers: [occupant.provider()]).json, to: "models.json")

        let process = try ManagedProcess(arguments: ["serve", "--config", path, "--host", "127.0.0.1", "--port", String(occupant.port)])

        #expect(process.waitForExit(timeout: 10) == 3, "stderr: \(process.stderrText)")
    }

    /// A bad api_host scheme, an unknown api_type and a fallback naming no model.
    static let configWithThreeMistakes = """
        {"group": {"chat-model": {"providers": [{"id": "a", "api_host": "ftp://127.0.0.1:9", \
        "api_type": "no-such-type", "model_path": "mock-model"}], "fallback_model": "ghost"}}, \
        "active_models": {"group": ["chat-model"]}}
        """
}
