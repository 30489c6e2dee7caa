import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// Debian's HAProxy, with the TCP configuration shipped in `deploy/haproxy/haproxy.cfg`, in front of two
/// `switchyard serve` instances sharing one Redis: clients see one router.
@Suite("Behind a real TCP load balancer (HAProxy)", .enabled(if: HAProxy.executable != nil && RedisServer.isInstalled, "haproxy or redis-server is not installed"),
       .timeLimit(.minutes(1)))
struct HAProxyTests {
    @Test("40 clients through HAProxy to two instances sharing one first_available slot: all served in turn, both instances used, the provider never sees two at once; a stream passes through")
    func twoInstancesBehindHAProxy() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "only", arguments: ["--latency-ms", "30"])
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = try (0..<2).map { _ in try RouterProcess(config: config, arguments: ["--workers", "1"], environment: environment) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.contains("connected to Redis") }, "\(router.logText)")
        }
        let proxy = try HAProxy(backends: routers.map(\.port))
        defer { proxy.stop() }
        #expect(Deadline.poll(seconds: 15) { proxy.healthyBackends() == 2 }, "HAProxy's health checks (GET /health) pass for both: \(proxy.log)")

        let results = Results()
        let group = DispatchGroup()
        let port = proxy.port
        for _ in 0..<40 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try RawHTTPClient(port: port, timeout: 30)
                    try connection.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
                    results.add(try connection.readResponse().status)
                } catch {
                    results.add(-1)
                }
            }
        }
        #expect(group.wait(timeout: .now() + 45) == .success)
        #expect(results.all.count == 40 && results.all.allSatisfy { $0 == 200 }, "\(results.all)")
        let stats = try mock.stats()
        #expect(stats["maxInFlight"]?.int == 1, "\(stats)")
        #expect(stats["completions"]?.int == 40)
        for router in routers {
            let metrics = try router.get("/metrics").text
            let served = metrics.split(separator: "\n").filter { $0.hasPrefix("switchyard_http_requests_total{") && $0.contains("route=\"chat_completions\"") }
                .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            #expect(served > 0, "HAProxy spread the clients over both instances: \(metrics)")
        }

        let stream = try RawHTTPClient.exchange(port: port, "POST", "/v1/chat/completions", body: RequestBody.chat(stream: true))
        #expect(stream.status == 200)
        #expect(stream.text.contains("data: [DONE]"))
    }
}

/// A foreground `haproxy` running `deploy/haproxy/haproxy.cfg`, changed only where a test must: its listening
/// address, the backend servers, and the process-wide lines that need root (user, group, daemon, syslog, stats
/// socket, a global `maxconn` that raises the fd limit beyond an unprivileged process's).
final class HAProxy {
    static let executable: String? = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let port: Int
    private let statsPort: Int
    private let process: ManagedProcess
    private let directory: TemporaryDirectory

    init(backends: [Int]) throws {
        let executable = try #require(Self.executable)
        let shipped = try String(contentsOfFile: Self.repositoryFile("deploy/haproxy/haproxy.cfg"), encoding: .utf8)
        port = try freePort()
        statsPort = try freePort()
        var lines: [String] = []
        for line in shipped.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if ["user ", "group ", "stats socket", "log /dev/log"].contains(where: trimmed.hasPrefix) || trimmed == "daemon" || trimmed.hasPrefix("server sw") { continue }
            if trimmed.hasPrefix("maxconn 50000") {
                // The global limit makes HAProxy raise its fd limit to 100k, which an unprivileged test cannot.
                lines.append("    maxconn 4000")
            } else if trimmed == "bind :8080" {
                lines.append("    bind 127.0.0.1:\(port)")
            } else if trimmed == "bind 127.0.0.1:8404" {
                lines.append("    bind 127.0.0.1:\(statsPort)")
            } else {
                lines.append(line)
            }
            if trimmed.hasPrefix("default-server ") {
                // A quicker first check than production's, so the test need not wait for `rise 3` × 2 s.
                for (index, backend) in backends.enumerated() {
                    lines.append("    server sw\(index + 1) 127.0.0.1:\(backend) inter 200ms rise 1 slowstart 0s")
                }
            }
        }
        directory = try TemporaryDirectory(prefix: "switchyard-haproxy")
        let path = try directory.write(lines.joined(separator: "\n"), to: "haproxy.cfg")
        process = try ManagedProcess(arguments: ["-db", "-f", path], executable: executable)
    }

    /// Backends HAProxy reports UP on its Prometheus endpoint.
    func healthyBackends() -> Int {
        guard let response = try? RawHTTPClient.exchange(port: statsPort, "GET", "/metrics") else { return 0 }
        return response.text.split(separator: "\n").filter {
            $0.hasPrefix("haproxy_server_status{") && $0.contains("state=\"UP\"") && $0.hasSuffix(" 1")
        }.count
    }

    var log: String { process.stdoutText + process.stderrText }

    func stop() { process.stop() }

    /// `path` relative to the repository root (found from this source file).
    static func repositoryFile(_ path: String) -> String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
        }
        return url.appendingPathComponent(path).path
    }
}

private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestSupportError("cannot pick a port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var all: [Int] { lock.withLock { values } }
}
