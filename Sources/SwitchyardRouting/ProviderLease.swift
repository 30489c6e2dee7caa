import SwitchyardCore

/// The right to send one attempt to one provider, granted by a ``ProviderSelector``. Released exactly once with
/// ``ProviderSelector/release(_:outcome:)``; the token makes release owner-exact (a stale or repeated release
/// of a token that is not live does nothing).
package struct ProviderLease: Sendable {
    /// The chosen provider.
    package var provider: ProviderConfig
    /// The model whose provider list it came from (the requested model or one of its fallbacks).
    package var model: ModelConfig
    /// Unique per selector; identifies this grant.
    package var token: UInt64
    /// Position of ``model`` in the fallback chain (0 = the model asked for).
    package var chainPosition: Int

    /// A lease.
    package init(provider: ProviderConfig, model: ModelConfig, token: UInt64, chainPosition: Int) {
        self.provider = provider
        self.model = model
        self.token = token
        self.chainPosition = chainPosition
    }
}
