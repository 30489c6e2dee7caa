import SwitchyardCore

/// A worker's model registry: its generation's file models combined with the admin API's changes
/// (``RegistryView``), kept current from a ``RegistryStore``, and the one place changes are validated and
/// committed. Each applied snapshot swaps the gateway's whole configuration in one step on the loop thread, so a
/// request sees a model as it was before a change or after it, never half.
final class ModelRegistry {
    /// What the admin API asks for.
    enum Change {
        /// POST: a new model (409 when the name is served).
        case create(ModelDefinition)
        /// PUT: a served model, replaced (404 when it is not served).
        case replace(ModelDefinition)
        /// DELETE: a served model (404 when it is not served).
        case delete(String)

        var name: String {
            switch self {
            case .create(let definition), .replace(let definition): definition.model.name
            case .delete(let name): name
            }
        }

        var definition: ModelDefinition? {
            switch self {
            case .create(let definition), .replace(let definition): definition
            case .delete: nil
            }
        }
    }

    /// Why a change was refused: the error, and for invalid definitions every problem.
    struct Refusal: Error {
        var error: RouterError
        var problems: [ConfigProblem] = []
    }

    private(set) var view: RegistryView
    let store: RegistryStore
    private let logger: Logger
    private let apply: (ModelsConfig) -> Void
    private let environment: (String) -> String?
    /// Attempts of one change when other changes keep overtaking it.
    private static let maxAttempts = 4

    /// A registry over `file`; `apply` installs each new combined configuration.
    init(file: ModelsConfig, store: RegistryStore, logger: Logger, environment: @escaping (String) -> String? = ModelDefinition.processEnvironment,
         apply: @escaping (ModelsConfig) -> Void) {
        self.view = RegistryView(file: file, snapshot: .empty, environment: environment)
        self.store = store
        self.logger = logger
        self.apply = apply
        self.environment = environment
    }

    /// Starts following the store; `ready` runs once the stored registry is applied (or the store gave up).
    func start(ready: @escaping () -> Void) {
        store.onSnapshot = { [weak self] snapshot in self?.received(snapshot) }
        store.start(ready: ready)
    }

    /// The generation's file models changed (a reload): combine them with the registry again.
    func replaceFile(_ file: ModelsConfig) {
        install(RegistryView(file: file, snapshot: view.snapshot, environment: environment))
    }

    /// Applies `snapshot` when it is newer than the applied one.
    func received(_ snapshot: RegistrySnapshot) {
        guard snapshot.version > view.snapshot.version else { return }
        install(RegistryView(file: view.file, snapshot: snapshot, environment: environment))
        logger.info("model registry applied", [("registry.version", .int(snapshot.version)), ("models", .int(view.config.models.count))])
    }

    private func install(_ next: RegistryView) {
        view = next
        for warning in next.warnings { logger.warning(warning, [("registry.version", .int(next.snapshot.version))]) }
        apply(next.config)
    }

    /// Validates `change` against the registry it applies to and commits it; `completion` gets the recorded entry
    /// (already applied by this worker) or why nothing changed.
    func perform(_ change: Change, attempt: Int = 1, completion: @escaping (Result<RegistryEntry, Refusal>) -> Void) {
        if let refusal = check(change) { return completion(.failure(refusal)) }
        let base = view.snapshot.version
        store.commit(name: change.name, definition: change.definition?.stored, base: base) { [weak self] result in
            guard let self else { return }
            switch result {
            case .committed(let entry):
                if entry.version == self.view.snapshot.version + 1 {
                    self.received(self.view.snapshot.recording(entry))
                } else if entry.version > self.view.snapshot.version {
                    self.store.refresh {}
                }
                self.logger.info("model registry changed", [("model", .string(entry.name)), ("registry.version", .int(entry.version)),
                                                           ("change", .string(entry.definition == nil ? "delete" : "set"))])
                completion(.success(entry))
            case .stale:
                guard attempt < Self.maxAttempts else {
                    return completion(.failure(Refusal(error: RouterError(status: 409, message: "The model registry kept changing while this change was validated; retry it.", code: "registry_conflict"))))
                }
                self.store.refresh { self.perform(change, attempt: attempt + 1, completion: completion) }
            case .unavailable(let reason):
                completion(.failure(Refusal(error: .serviceUnavailable("The model registry cannot be reached (\(reason)); nothing was changed."))))
            }
        }
    }

    /// Why `change` cannot apply to the current registry, or nil.
    private func check(_ change: Change) -> Refusal? {
        let name = change.name
        switch change {
        case .create(let definition):
            if view.serves(name) {
                let source = view.sources[name] == .file ? "the models file" : "the admin API"
                return Refusal(error: RouterError(status: 409, message: "The model '\(name)' already exists (from \(source)); change it with PUT /admin/models/{name}.", code: "model_exists", param: "model_name"))
            }
            return invalid(view.problems(setting: definition))
        case .replace(let definition):
            guard view.serves(name) else { return Refusal(error: .modelNotFound(name)) }
            return invalid(view.problems(setting: definition))
        case .delete:
            guard view.serves(name) else { return Refusal(error: .modelNotFound(name)) }
            let problems = view.problems(deleting: name)
            guard problems.isEmpty else {
                return Refusal(error: RouterError(status: 409, message: problems.map(\.message).joined(separator: "; "), code: "model_in_use"), problems: problems)
            }
            return nil
        }
    }

    private func invalid(_ problems: [ConfigProblem]) -> Refusal? {
        problems.isEmpty ? nil : Refusal(error: Self.invalidDefinition(problems), problems: problems)
    }

    /// The 400 for a definition with `problems` (every one in the message, the first one's path as `param`).
    static func invalidDefinition(_ problems: [ConfigProblem]) -> RouterError {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return RouterError(status: 400, message: "Invalid model definition (\(count)): " + problems.map(\.description).joined(separator: "; "),
                           code: "invalid_model_definition", param: problems.first?.path)
    }
}
