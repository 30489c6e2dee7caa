import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// Debian's `chromium`, when installed (`scripts/install-deps.sh` and `.ci/run` install it).
private let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// `GET /ui` in a real browser: headless Chromium loads the page from a router with the mock, runs its script
/// (which polls the admin endpoints) and the test reads the resulting DOM and saves a screenshot.
@Suite("Status page in headless Chromium", .enabled(if: chromium != nil, "chromium is not installed (apt-get install chromium); the /ui browser test is skipped"),
       .timeLimit(.minutes(2)))
struct StatusPageTests {
    private static let token = "ui-test-token"

    /// Runs Chromium headless on `url` with `arguments` (e.g. `--dump-dom`) and returns its stdout. Virtual time
    /// lets the page's timers and polls run for `budget` milliseconds without waiting for them in real time.
    private static func browse(_ url: String, _ arguments: [String], budget: Int = 5000) throws -> String {
        let profile = try TemporaryDirectory(prefix: "switchyard-chromium")
        let browser = try ManagedProcess(arguments: [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=\(budget)", "--window-size=1280,720",
        ] + arguments + [url], executable: chromium!)
        guard browser.waitForExit(timeout: 60) != nil else {
            browser.stop()
            throw TestSupportError("chromium did not finish: \(browser.stderrText.suffix(2000))")
        }
        return browser.stdoutText
    }

    /// The text of the cell with class `column` in the row of `provider`.
    private static func cell(_ dom: String, provider: String, _ column: String) -> String? {
        guard let row = dom.range(of: "data-provider=\"\(provider)\"") else { return nil }
        let rest = dom[row.upperBound...]
        let end = rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex
        guard let start = rest[..<end].range(of: "class=\"num \(column)\">") else { return nil }
        let value = rest[start.upperBound..<end]
        return value.range(of: "<").map { String(value[..<$0.lowerBound]) }
    }

    @Test("the page shows the configured models with live numbers once it has the token, and nothing before")
    func pageShowsTheClusterLive() throws {
        let fast = try MockUpstream(id: "fast")
        let slow = try MockUpstream(id: "slow", arguments: ["--latency-ms", "50000"])  // longer than a slow Chromium start
        let config = RouterConfig([
            .init("chat-model", providers: [fast.provider()]),
            .init("slow-model", providers: [slow.provider()]),
        ])
        let router = try RouterProcess(config: config, arguments: ["--workers", "1"], environment: ["LLM_ROUTER_ADMIN_TOKEN": Self.token])
        for _ in 0..<3 { #expect(try router.post("/v1/chat/completions", RequestBody.chat(model: "chat-model")).status == 200) }
        // One request stays in flight on the slow provider while the page looks.
        let client = try router.connect(timeout: 60)
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat(model: "slow-model")))
        #expect(Deadline.poll(seconds: 5) { (try? slow.stats()["inFlight"]?.int) == 1 })

        // Without the token: the page asks for it and shows no model data.
        let base = "http://127.0.0.1:\(router.port)/ui"
        let locked = try Self.browse(base, ["--dump-dom"], budget: 3000)
        #expect(locked.contains("id=\"token\""), "\(locked.prefix(500))")
        #expect(!locked.contains("data-provider=\""))
        #expect(!locked.contains("chat-model"))

        // With the token (in the fragment, which never reaches the server): the table, live.
        let dom = try Self.browse("\(base)#token=\(Self.token)", ["--dump-dom"])
        #expect(dom.contains("data-loaded"), "\(dom.suffix(3000))")
        #expect(dom.contains("data-model=\"chat-model\"") && dom.contains("data-model=\"slow-model\""))
        #expect(Self.cell(dom, provider: "fast", "selections") == "3", "\(dom.suffix(3000))")
        #expect(Self.cell(dom, provider: "slow", "in-flight") == "1")
        #expect(Self.cell(dom, provider: "slow", "selections") == "1")
        #expect(dom.contains(fast.url), "hosts are shown to the admin")
        #expect(!dom.contains(Self.token), "the token is not left in the page")
        let requests = dom.range(of: "id=\"requests\">").map { dom[$0.upperBound...].prefix { $0.isNumber } }.flatMap { Int($0) } ?? 0
        #expect(requests >= 3, "request counter from /metrics")

        // A screenshot for people (kept under .build so CI can publish it).
        let shots = "\(SwitchyardBinary.packageRoot)/.build/ui-test"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let path = "\(shots)/status-page.png"
        try? FileManager.default.removeItem(atPath: path)
        _ = try Self.browse("\(base)#token=\(Self.token)", ["--screenshot=\(path)"])
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size > 10_000, "screenshot at \(path)")
        client.close()
    }

    @Test("a wrong token is refused by the admin endpoints and the page asks again")
    func wrongTokenAsksAgain() throws {
        let router = try RouterProcess(config: nil, arguments: ["--workers", "1"], environment: ["LLM_ROUTER_ADMIN_TOKEN": Self.token])
        let dom = try Self.browse("http://127.0.0.1:\(router.port)/ui#token=wrong", ["--dump-dom"], budget: 3000)
        #expect(!dom.contains("data-provider=\""))
        #expect(dom.contains("admin token"), "\(dom.suffix(2000))")
        #expect(dom.contains("requires"), "the 401 message is shown")
    }
}
