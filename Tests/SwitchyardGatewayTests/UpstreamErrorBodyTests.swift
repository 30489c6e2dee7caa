import Testing
import SwitchyardCore
@testable import SwitchyardGateway

private func provider(id: String, host: String) -> ProviderConfig {
    ProviderConfig(id: id, apiHost: host, apiType: .vllm, modelPath: "served-model")
}

private func sanitized(_ body: String, status: Int = 500, _ provider: ProviderConfig) -> String {
    String(decoding: UpstreamErrorBody.sanitize(Array(body.utf8), status: status, provider: provider), as: UTF8.self)
}

@Suite("Provider error bodies")
struct UpstreamErrorBodyTests {
    @Test("every spelling of the provider's address is replaced", arguments: [
        "upstream http://10.1.2.3:8000/v1/chat/completions failed",
        #"{"error":{"message":"POST http:\/\/10.1.2.3:8000\/v1\/chat\/completions: boom"}}"#,
        "connect to 10.1.2.3:8000 refused",
        "host 10.1.2.3 is overloaded",
        "HTTP://10.1.2.3:8000/v1 is down",
    ])
    func addressIsRedacted(body: String) {
        let out = sanitized(body, provider(id: "gpu-1", host: "http://10.1.2.3:8000"))
        #expect(!out.contains("10.1.2.3"), "\(out)")
        #expect(out.contains("gpu-1"), "\(out)")
    }

    @Test("an id derived from the address (LLMStream, SGLang configs) is not used to name the provider")
    func addressDerivedIDIsNotEchoed() {
        let out = sanitized(#"{"error":{"message":"http://10.1.2.3:8000 is busy","type":"server_error"}}"#,
                            provider(id: "llama@10.1.2.3:8000", host: "http://10.1.2.3:8000"))
        #expect(!out.contains("10.1.2.3"), "\(out)")
        #expect(out.contains("served-model"), "\(out)")
    }

    @Test("an OpenAI-shaped error keeps its shape; anything else is wrapped in one")
    func shapes() throws {
        let kept = sanitized(#"{"error":{"message":"bad","type":"invalid_request_error"}}"#, status: 400, provider(id: "a", host: "http://h.example:1"))
        #expect(kept == #"{"error":{"message":"bad","type":"invalid_request_error"}}"#)
        let wrapped = sanitized("<html>gateway down at h.example</html>", status: 502, provider(id: "a", host: "http://h.example:1"))
        let scan = try Array(wrapped.utf8).withUnsafeBytes { JSONScanner.scanObject($0) }.get()
        #expect(scan.member("error")?.kind == .object)
        #expect(!wrapped.contains("h.example"), "\(wrapped)")
    }
}
