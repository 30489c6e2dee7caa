import SwitchyardTestSupport
import Testing

/// HTTPS upstreams go through libcurl with certificate verification always on; a private CA is trusted with
/// `--upstream-ca-file`. The upstream is a tiny Python TLS server with a self-signed certificate for 127.0.0.1.
@Suite("HTTPS upstreams", .timeLimit(.minutes(1)))
struct TLSUpstreamTests {
    static let fixtures = SwitchyardBinary.packageRoot + "/Tests/Fixtures/tls"

    static func startUpstream() throws -> (ManagedProcess, Int) {
        let process = try ManagedProcess(arguments: [fixtures + "/tls_upstream.py"], executable: "/usr/bin/env")
        return (process, try process.waitForListeningLine())
    }

    static func config(port: Int) -> RouterConfig {
        .single("secure-model", providers: [RouterConfig.Provider(id: "tls", apiHost: "https://127.0.0.1:\(port)", apiType: "openai", modelPath: "served-model")])
    }

    @Test("an upstream whose certificate is not trusted is refused with a 502, never used unverified")
    func untrustedCertificateIsRefused() throws {
        let (upstream, port) = try Self.startUpstream()
        defer { upstream.stop() }
        let router = try RouterProcess(config: Self.config(port: port), arguments: ["--workers", "1"])

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "secure-model"))

        #expect(response.status == 502)
        let error = try response.json()["error"]
        #expect(error?["code"]?.string == "upstream_error")
        #expect(error?["message"]?.string?.contains("TLS") == true)
    }

    @Test("with the CA file the HTTPS upstream answers, streamed and not, under the client's model name")
    func trustedCertificateWorks() throws {
        let (upstream, port) = try Self.startUpstream()
        defer { upstream.stop() }
        let router = try RouterProcess(config: Self.config(port: port), arguments: ["--workers", "1", "--upstream-ca-file", Self.fixtures + "/cert.pem"])

        let reply = try router.post("/v1/chat/completions", RequestBody.chat(model: "secure-model"))
        #expect(reply.status == 200)
        let json = try reply.json()
        #expect(json["model"]?.string == "secure-model")
        #expect(json["system_fingerprint"]?.string == "tls-upstream")

        let stream = try router.post("/v1/chat/completions", RequestBody.chat(model: "secure-model", stream: true))
        #expect(stream.status == 200)
        let payloads = SSE.dataPayloads(stream.text)
        #expect(payloads.last == "[DONE]")
        #expect(payloads.count == 3)
        for payload in payloads.dropLast() {
            #expect(try TestJSON(parsing: payload)["model"]?.string == "secure-model")
        }
    }
}
