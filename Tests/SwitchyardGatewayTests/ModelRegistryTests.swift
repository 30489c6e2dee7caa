import Testing
import SwitchyardCore
@testable import SwitchyardGateway

/// A store that answers commits from a script, to drive the registry through races and outages.
private final class ScriptedStore: RegistryStore {
    var onSnapshot: ((RegistrySnapshot) -> Void)?
    let kind = "scripted"
    var answers: [RegistryCommit] = []
    /// What a refresh delivers.
    var current = RegistrySnapshot.empty
    var commits: [(name: String, base: Int)] = []

    func start(ready: @escaping () -> Void) { onSnapshot?(current); ready() }

    func commit(name: String, definition: [UInt8]?, base: Int, completion: @escaping (RegistryCommit) -> Void) {
        commits.append((name, base))
        completion(answers.isEmpty ? .committed(RegistryEntry(name: name, version: base + 1, definition: definition)) : answers.removeFirst())
    }

    func refresh(done: @escaping () -> Void) { onSnapshot?(current); done() }
}

@Suite("Model registry in a worker")
struct ModelRegistryTests {
    private let file = ModelsConfig(format: .llmRouter, models: [
        ModelConfig(name: "file-model", providers: [ProviderConfig(id: "p", apiHost: "http://h", apiType: .vllm, modelPath: "x")]),
    ])

    private func registry(_ store: ScriptedStore, applied: @escaping (ModelsConfig) -> Void = { _ in }) -> ModelRegistry {
        let registry = ModelRegistry(file: file, store: store, logger: Logger(level: .error, format: .plain, toStandardError: false), environment: { _ in nil }, apply: applied)
        registry.start {}
        return registry
    }

    private func definition(_ name: String) throws -> ModelDefinition {
        try ModelDefinition.parse(body: Array(#"{"model_name":"\#(name)","servers":["http://\#(name)"]}"#.utf8))
    }

    private func perform(_ registry: ModelRegistry, _ change: ModelRegistry.Change) -> Result<RegistryEntry, ModelRegistry.Refusal>? {
        var outcome: Result<RegistryEntry, ModelRegistry.Refusal>?
        registry.perform(change) { outcome = $0 }
        return outcome
    }

    @Test("a committed change is applied as one new configuration before the caller hears of it")
    func commitApplies() throws {
        let store = ScriptedStore()
        var applied: [[String]] = []
        let registry = registry(store) { applied.append($0.models.map(\.name)) }
        let result = perform(registry, .create(try definition("new")))
        #expect(try result?.get().version == 1)
        #expect(applied.last == ["file-model", "new"])
        #expect(registry.view.sources["new"] == .api(version: 1, overridesFile: false))
        #expect(store.commits.map(\.base) == [0])
    }

    @Test("a change overtaken by another is validated again against the newer registry")
    func staleIsRevalidated() throws {
        let store = ScriptedStore()
        let registry = registry(store)
        // Someone else created "new" meanwhile: the retry sees it and answers 409 without writing.
        store.answers = [.stale]
        store.current = RegistrySnapshot(version: 1, entries: [RegistryEntry(name: "new", version: 1, definition: try definition("new").stored)])
        let result = perform(registry, .create(try definition("new")))
        guard case .failure(let refusal)? = result else { Issue.record("expected a refusal, got \(String(describing: result))"); return }
        #expect(refusal.error.status == 409)
        #expect(store.commits.count == 1)
        // A change still valid on the newer registry commits on its base.
        store.answers = [.stale]
        store.current = RegistrySnapshot(version: 2, entries: store.current.entries + [RegistryEntry(name: "other", version: 2, definition: try definition("other").stored)])
        #expect(try perform(registry, .create(try definition("third")))?.get().version == 3)
        #expect(store.commits.map(\.base) == [0, 1, 2])
    }

    @Test("an unreachable store changes nothing and answers 503; unknown models are 404 and existing names 409 before any write")
    func refusals() throws {
        let store = ScriptedStore()
        let registry = registry(store)
        store.answers = [.unavailable("not connected")]
        guard case .failure(let down)? = perform(registry, .create(try definition("new"))) else { Issue.record("expected a refusal"); return }
        #expect(down.error.status == 503)
        #expect(registry.view.snapshot.version == 0)
        guard case .failure(let missing)? = perform(registry, .delete("ghost")) else { Issue.record("expected a refusal"); return }
        #expect(missing.error.status == 404)
        guard case .failure(let exists)? = perform(registry, .create(try definition("file-model"))) else { Issue.record("expected a refusal"); return }
        #expect(exists.error.status == 409)
        #expect(store.commits.count == 1)
    }

    @Test("older or repeated snapshots are ignored")
    func onlyNewerSnapshotsApply() throws {
        let store = ScriptedStore()
        var applications = 0
        let registry = registry(store) { _ in applications += 1 }
        _ = perform(registry, .create(try definition("new")))
        let count = applications
        registry.received(RegistrySnapshot.empty)
        registry.received(registry.view.snapshot)
        #expect(applications == count)
    }
}
