import SwitchyardCore

/// A provider and the model it serves, made once per configuration by a selector, so that a lease refers to them
/// with one reference instead of copying their ten reference-counted fields each time it is passed on.
/// `@unchecked Sendable`: its one mutable field is only touched on its worker's loop thread.
package final class ProviderHandle: @unchecked Sendable {
    /// The provider.
    package let provider: ProviderConfig
    /// The model whose provider list holds it (provider ids are unique across a configuration).
    package let model: ModelConfig
    /// The provider's id, stored apart so callers in other modules read one string instead of copying the
    /// whole configuration out of the handle.
    package let providerID: String
    /// This provider's entry in the selector's ``ProviderUsage``, found once and then reached without a lookup.
    var usageCounts: ProviderUsage.Counts?
    /// Whatever the caller prepared for this provider under the handle's configuration (the gateway's provider
    /// runtime), so it is found without a lookup; handles are made anew on every reload, and so is this.
    package var attachment: AnyObject?

    /// A handle.
    package init(provider: ProviderConfig, model: ModelConfig) {
        self.provider = provider
        self.model = model
        self.providerID = provider.id
    }
}

/// The right to send one attempt to one provider, granted by a ``ProviderSelector``. Released exactly once with
/// ``ProviderSelector/release(_:outcome:)``; the token makes release owner-exact (a stale or repeated release
/// of a token that is not live does nothing). A small value: granting one allocates nothing.
package struct ProviderLease: Sendable {
    /// The chosen provider and its model.
    package let handle: ProviderHandle
    /// Unique per selector; identifies this grant.
    package let token: UInt64
    /// Position of ``model`` in the fallback chain (0 = the model asked for).
    package let chainPosition: Int
    /// Tokens reserved against the provider's TPM limit (the request's estimate; 0 = none), for ``ProviderSelector/settle(_:actualTokens:)``.
    package var reservedTokens = 0
    /// Whether the grant was counted against the provider's admission state (rpm, tpm, max_concurrency).
    package var admitted = false

    /// A lease on a prepared handle.
    package init(handle: ProviderHandle, token: UInt64, chainPosition: Int) {
        self.handle = handle
        self.token = token
        self.chainPosition = chainPosition
    }

    /// A lease for `provider` of `model` (tests and selectors without prepared handles).
    package init(provider: ProviderConfig, model: ModelConfig, token: UInt64, chainPosition: Int) {
        self.init(handle: ProviderHandle(provider: provider, model: model), token: token, chainPosition: chainPosition)
    }

    /// The chosen provider.
    package var provider: ProviderConfig { handle.provider }
    /// The chosen provider's id (no copy of its configuration).
    package var providerID: String { handle.providerID }
    /// The model whose provider list it came from (the requested model or one of its fallbacks).
    package var model: ModelConfig { handle.model }
}
