import Glibc
import Testing
@testable import SwitchyardCore

/// `api_key_name`: the provider's key comes from an environment variable, in all three config formats.
@Suite("Provider keys from the environment (api_key_name)", .serialized)
struct ModelsConfigAPIKeyTests {
    private static let variable = "SWITCHYARD_TEST_PROVIDER_KEY"

    private static func withKey<T>(_ value: String?, _ body: () throws -> T) rethrows -> T {
        if let value { setenv(variable, value, 1) } else { unsetenv(variable) }
        defer { unsetenv(variable) }
        return try body()
    }

    private static let llmRouter = #"{"g":{"m":{"providers":[{"id":"p","api_host":"https://api.example.com","api_type":"anthropic","api_key_name":"SWITCHYARD_TEST_PROVIDER_KEY"}]}},"active_models":{"g":["m"]}}"#
    private static let llmStream = #"{"models":{"m":{"servers":["h:8000"],"api_key_name":"SWITCHYARD_TEST_PROVIDER_KEY"}}}"#
    private static let sglang = #"{"models":{"m":{"endpoint":{"host":"h","port":30000,"api_key_name":"SWITCHYARD_TEST_PROVIDER_KEY"}}}}"#

    @Test("the named variable's value becomes the provider's key in every format")
    func readsKey() throws {
        for json in [Self.llmRouter, Self.llmStream, Self.sglang] {
            let config = try Self.withKey("sk-from-env") { try parse(json) }
            #expect(config.allProviders.first?.apiToken == "sk-from-env", "\(json)")
        }
    }

    @Test("a missing or empty variable is a problem that names the variable, not a value")
    func missingVariable() {
        for value in [nil, ""] as [String?] {
            for json in [Self.llmRouter, Self.llmStream, Self.sglang] {
                let found = Self.withKey(value) { problems(json) }
                #expect(found.count == 1, "\(json)")
                let text = found.map { "\($0)" }.joined()
                #expect(text.contains("api_key_name") && text.contains(Self.variable), "\(text)")
            }
        }
    }

    @Test("api_token and api_key_name together are refused, and the token is never echoed")
    func bothKeys() {
        let json = Self.llmRouter.replacingOccurrences(of: #""api_key_name""#, with: #""api_token":"sk-secret-token","api_key_name""#)
        let found = Self.withKey("sk-from-env") { problems(json) }
        #expect(found.count == 1)
        #expect(!found.map { "\($0)" }.joined().contains("sk-"))
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
