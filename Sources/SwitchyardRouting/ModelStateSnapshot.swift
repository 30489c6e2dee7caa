/// One model's selection state, as this worker sees it: the strategy in force and its providers in config order.
package struct ModelStateSnapshot: Sendable, Equatable {
    /// The model name.
    package var name: String
    /// The strategy that chooses its providers (an unimplemented name shows as the one used instead).
    package var strategy: String
    /// Its providers, in configuration order.
    package var providers: [ProviderStateSnapshot]

    /// A snapshot.
    package init(name: String, strategy: String, providers: [ProviderStateSnapshot]) {
        self.name = name
        self.strategy = strategy
        self.providers = providers
    }
}
