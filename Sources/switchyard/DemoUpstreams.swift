import SwitchyardCore
import SwitchyardIO
import SwitchyardMock

/// The embedded default: with no models config, each worker runs two mock upstreams on its own loop and serves
/// the model `demo` from them, so `switchyard serve` answers with no LLM and no Redis. Wired here, by the
/// executable, so that the product modules never depend on the mock.
enum DemoUpstreams {
    /// The one model demo mode serves.
    static let modelName = "demo"

    /// Starts the mocks on `loop` and returns the configuration that routes `demo` to them.
    static func start(on loop: EventLoop, logger: Logger) throws -> ModelsConfig {
        var providers: [ProviderConfig] = []
        for id in ["mock-a", "mock-b"] {
            var options = MockOptions()
            options.id = id
            options.port = 0
            let fd = try Socket.listen(host: "127.0.0.1", port: 0)
            // The loop holds the mock (its listener's handler) for the life of the worker.
            try MockServer(loop: loop, options: options).start(listeningSocket: fd)
            let port = try Socket.localPort(fd)
            providers.append(ProviderConfig(id: id, apiHost: "http://127.0.0.1:\(port)", apiType: .openai, apiToken: "", modelPath: "mock-model",
                                            weight: 1, inputSize: 4096, keepAlive: nil, toolCalling: true, nworkers: 1, healthCheckPath: nil))
        }
        logger.info("demo mode: no models config given; serving model 'demo' from two embedded mock upstreams", [])
        return ModelsConfig(format: .llmRouter, models: [ModelConfig(name: modelName, providers: providers, fallbackModel: nil, strategy: nil)])
    }
}
