import SwitchyardCore

/// The right to send one attempt to one provider, granted by a ``ProviderSelector``. Released exactly once with
/// ``ProviderSelector/release(_:outcome:)``; the token makes release owner-exact (a stale or repeated release
/// of a token that is not live does nothing).
///
/// A class, not a struct: a lease is passed around several times per request, and copying the provider and model
/// values it holds (ten reference-counted fields) measured more than allocating it once.
package final class ProviderLease: Sendable {
    /// The chosen provider.
    package let provider: ProviderConfig
    /// The model whose provider list it came from (the requested model or one of its fallbacks).
    package let model: ModelConfig
    /// Unique per selector; identifies this grant.
    package let token: UInt64
    /// Position of ``model`` in the fallback chain (0 = the model asked for).
    package let chainPosition: Int

    /// A lease.
    package init(provider: ProviderConfig, model: ModelConfig, token: UInt64, chainPosition: Int) {
        self.provider = provider
        self.model = model
        self.token = token
        self.chainPosition = chainPosition
    }
}
