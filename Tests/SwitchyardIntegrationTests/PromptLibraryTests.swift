import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// The prompt library as `check-config` and `serve` load it: problems reported with file and line, start-up
/// refused on a broken library, reloads validated like the models file.
@Suite("The prompt library in check-config and serve", .timeLimit(.minutes(1)))
struct PromptLibraryTests {
    /// A copy of the shipped prompts in a temporary directory, free to break.
    final class PromptsCopy {
        let directory: TemporaryDirectory
        var path: String { directory.file("prompts") }

        init() throws {
            directory = try TemporaryDirectory(prefix: "switchyard-prompts-copy")
            try FileManager.default.copyItem(atPath: ManagedProcess.shippedPrompts, toPath: path)
        }

        /// Appends a line using the undeclared placeholder `{{tone}}` to `en/translate.prompt`; returns its line number.
        @discardableResult
        func breakTranslate() throws -> Int {
            let file = "\(path)/en/translate.prompt"
            var text = try String(contentsOfFile: file, encoding: .utf8)
            if !text.hasSuffix("\n") { text += "\n" }
            text += "Use a {{tone}} tone.\n"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        }
    }

    @Test("check-config exits 2 naming the prompt file and line when a prompt uses an undeclared placeholder")
    func checkConfigReportsUndeclaredPlaceholder() throws {
        let prompts = try PromptsCopy()
        let line = try prompts.breakTranslate()

        let process = try ManagedProcess(arguments: ["check-config"], environment: ["LLM_ROUTER_PROMPTS_DIR": prompts.path])

        #expect(process.waitForExit(timeout: 10) == 2)
        #expect(process.stderrText.contains("\(prompts.path)/en/translate.prompt:\(line): placeholder {{tone}} is not declared"),
                "stderr: \(process.stderrText)")
    }

    @Test("check-config with a valid models file still exits 2 when the prompt library is broken, listing both verdicts")
    func checkConfigChecksBoth() throws {
        let prompts = try PromptsCopy()
        try prompts.breakTranslate()
        let config = try prompts.directory.write(
            RouterConfig.single("chat-model", providers: [.init(id: "a", apiHost: "http://127.0.0.1:9")]).json, to: "models.json")

        let process = try ManagedProcess(arguments: ["check-config", config, "--prompts-dir", prompts.path])

        #expect(process.waitForExit(timeout: 10) == 2)
        #expect(process.stdoutText.contains("\(config): ok"), "stdout: \(process.stdoutText)")
        #expect(process.stderrText.contains("1 problem(s) in the prompt library"), "stderr: \(process.stderrText)")
    }

    @Test("check-config accepts the shipped library with no models file (demo mode) and names it")
    func checkConfigAcceptsShippedLibrary() throws {
        let process = try ManagedProcess(arguments: ["check-config"])

        #expect(process.waitForExit(timeout: 10) == 0, "stderr: \(process.stderrText)")
        #expect(process.stdoutText.contains("\(ManagedProcess.shippedPrompts): ok (prompt library: 12 prompts in en, pl; default language pl)"),
                "stdout: \(process.stdoutText)")
    }

    @Test("serve starts with the shipped prompts, in demo mode too, and logs the library it loaded")
    func serveStartsWithShippedPrompts() throws {
        let router = try RouterProcess(config: nil, arguments: ["--workers", "2"])

        #expect(try router.get("/health").status == 200)
        #expect(router.logText.contains("prompt library loaded"), "\(router.logText)")
        #expect(router.logText.contains("languages=en,pl"), "\(router.logText)")
    }

    @Test("serve exits 2 before listening when the prompt library is broken or lacks the default language", arguments: [
        ["--default-language", "de"], [],
    ])
    func serveRefusesBrokenLibrary(arguments: [String]) throws {
        let prompts = try PromptsCopy()
        if arguments.isEmpty { try prompts.breakTranslate() }

        let process = try ManagedProcess(
            arguments: ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments,
            environment: ["LLM_ROUTER_PROMPTS_DIR": prompts.path])

        #expect(process.waitForExit(timeout: 10) == 2, "stderr: \(process.stderrText)")
        #expect(process.stderrText.contains("invalid prompt library"), "stderr: \(process.stderrText)")
        #expect(!process.stdoutText.contains("listening on"))
    }

    @Test("after the prompts break, SIGHUP is rejected and a respawned worker runs its generation's prompts; once fixed, the reload goes through")
    func brokenPromptsKeepTheGeneration() throws {
        let prompts = try PromptsCopy()
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "2"],
            environment: ["LLM_ROUTER_PROMPTS_DIR": prompts.path])
        let translate = "\(prompts.path)/en/translate.prompt"
        let original = try String(contentsOfFile: translate, encoding: .utf8)
        try prompts.breakTranslate()

        router.process.signal(SIGHUP)
        let rejected = Deadline.poll(seconds: 10) { router.logText.contains("reload rejected: the prompt library is invalid") }
        #expect(rejected, "\(router.logText)")
        #expect(router.logText.contains("en/translate.prompt"), "\(router.logText)")

        // A worker reading the directory would now exit 2 and never be replaced; it reads its generation's snapshot.
        let victim = try WorkerHealth.probe(port: router.port)
        kill(victim.pid, SIGKILL)
        var replacement: WorkerHealth?
        _ = try Deadline.poll(seconds: 15, interval: 0.02) {
            let answer = try WorkerHealth.probe(port: router.port)
            if answer.id == victim.id && answer.pid != victim.pid { replacement = answer }
            return replacement != nil
        }
        #expect(replacement?.generation == 1, "\(router.logText)")
        #expect(!router.logText.contains("worker will not be restarted"), "\(router.logText)")

        try original.write(toFile: translate, atomically: true, encoding: .utf8)
        router.process.signal(SIGHUP)
        let reloaded = Deadline.poll(seconds: 20) { router.logText.contains("reload complete") }
        #expect(reloaded, "\(router.logText)")
        #expect(router.process.isRunning)
    }
}
