import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Provider usage counts")
struct ProviderUsageTests {
    let model = ModelConfig(name: "m", providers: [
        ProviderConfig(id: "a", apiHost: "http://a:8000", apiType: .vllm, modelPath: "a"),
        ProviderConfig(id: "b", apiHost: "http://b:8000", apiType: .vllm, modelPath: "b"),
    ])

    @Test("grants raise in-flight and selections; releases lower only in-flight")
    func grantsAndReleases() {
        let usage = ProviderUsage()
        usage.granted(model.providers[0], of: model)
        usage.granted(model.providers[0], of: model)
        usage.granted(model.providers[1], of: model)
        usage.released("a", of: "m")
        #expect(usage.inFlight("a", of: "m") == 1)
        #expect(usage.selections("a", of: "m") == 2)
        #expect(usage.inFlight("b", of: "m") == 1)
        #expect(usage.selections("b", of: "m") == 1)
    }

    @Test("a release without a grant, or beyond the grants, changes nothing")
    func strayReleases() {
        let usage = ProviderUsage()
        usage.released("a", of: "m")
        usage.granted(model.providers[1], of: model)
        usage.released("b", of: "m")
        usage.released("b", of: "m")
        #expect(usage.inFlight("a", of: "m") == 0)
        #expect(usage.inFlight("b", of: "m") == 0)
        #expect(usage.selections("b", of: "m") == 1)
    }
}
