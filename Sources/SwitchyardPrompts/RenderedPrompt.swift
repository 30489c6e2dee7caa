/// A prompt filled in for one request: the chat messages to send.
package struct RenderedPrompt: Sendable, Equatable {
    /// The system message, when the prompt file has a `--- system` part.
    package var system: String?
    /// The user message.
    package var user: String

    /// A rendered prompt of `user` and, optionally, `system`.
    package init(system: String?, user: String) {
        self.system = system
        self.user = user
    }
}
