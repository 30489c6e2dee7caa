/// Counters a ``MockServer`` keeps since it started (or since `POST /mock/reset`); `GET /mock/stats` serves them
/// as JSON with these property names as keys, plus `"id"`.
package struct MockStats: Sendable, Equatable {
    /// Every HTTP request the mock answered, admin endpoints (and the `/mock/stats` request itself) included.
    package var requests = 0
    /// Generation requests (chat, legacy completions, Ollama chat/generate), whatever their outcome.
    package var completions = 0
    /// Embedding requests, whatever their outcome.
    package var embeddings = 0
    /// Streamed responses whose head was sent.
    package var streamsStarted = 0
    /// Streamed responses that ended normally (terminating chunk sent).
    package var streamsCompleted = 0
    /// Streaming requests the client abandoned before the end (during the latency wait or mid-stream).
    package var streamsAbortedByClient = 0
    /// Generation or embedding requests (streamed or not) the client abandoned before the end.
    package var requestsAbortedByClient = 0
    /// Connections closed on purpose by `reset_after` (streamed or not).
    package var resetsInjected = 0
    /// Requests answered with an injected failure status.
    package var faultsInjected = 0
    /// Generation and embedding requests currently being answered (waiting on latency or streaming).
    package var inFlight = 0 {
        didSet { maxInFlight = max(maxInFlight, inFlight) }
    }
    /// The most generation and embedding requests answered at the same time (the high-water mark of `inFlight`).
    package var maxInFlight = 0
    /// `GET /metrics` requests (a load-aware router's scrapes).
    package var metricsRequests = 0

    /// All counters zero.
    package init() {}

    /// The JSON object served by `GET /mock/stats`.
    func json(id: String) -> String {
        "{\"id\":\(MockJSON.quote(id)),\"requests\":\(requests),\"completions\":\(completions),\"embeddings\":\(embeddings),"
            + "\"streamsStarted\":\(streamsStarted),\"streamsCompleted\":\(streamsCompleted),"
            + "\"streamsAbortedByClient\":\(streamsAbortedByClient),\"requestsAbortedByClient\":\(requestsAbortedByClient),"
            + "\"resetsInjected\":\(resetsInjected),\"faultsInjected\":\(faultsInjected),\"inFlight\":\(inFlight),\"maxInFlight\":\(maxInFlight),\"metricsRequests\":\(metricsRequests)}"
    }
}
