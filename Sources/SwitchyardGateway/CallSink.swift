import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders

/// How one ``UpstreamCall`` ended, for access logs and metrics.
struct CallSummary {
    /// The status the receiver got (499 when the call was cancelled before answering).
    var status: Int
    /// The router's error code when the router (not the provider) produced the answer, or the stream broke.
    var errorCode: String?
    /// Attempts made (providers tried).
    var attempts: Int
    /// The provider of the last attempt ("" when none was tried).
    var providerID: String
    /// A stream was started and ended before its end (provider broke, budget, drain).
    var streamBroken: Bool
    /// Time spent in upstream attempts (each from its start to its settlement), nanoseconds: the rest of the
    /// request's time is the router's own.
    var upstreamNanoseconds: UInt64 = 0
    /// The token usage the answering provider reported (nil when unknown), for metrics and rate limits.
    var usage: TokenUsage? = nil
}

/// Where an ``UpstreamCall`` delivers its answer: the client relay, or an aggregator that collects whole answers
/// (builtin endpoints run several calls for one client request). Exactly one of these happens per call:
/// ``callDidAnswer(status:headers:body:)``, ``callDidFail(_:)``, or a stream (``callDidStartStream(status:headers:)``,
/// ``callDidReceive(_:)``…, ``callDidFinishStream(error:)``); then ``callDidEnd(_:)`` — also after a cancel.
protocol CallSink: AnyObject {
    /// A streamed answer begins; `headers` carry its content type and the provider's relayed fields.
    func callDidStartStream(status: Int, headers: HTTPHeaders)
    /// A piece of the stream. Return false to pause the upstream until the call's ``UpstreamCall/resume()``.
    func callDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// The stream ended: cleanly (`nil`) or broken mid-way (the error to report in-band).
    func callDidFinishStream(error: RouterError?)
    /// A whole answer: the provider's (2xx translated, or its own error made client-safe).
    func callDidAnswer(status: Int, headers: HTTPHeaders, body: [UInt8])
    /// The router's own error (no provider, every provider failed, budget exhausted, …).
    func callDidFail(_ error: RouterError)
    /// Final bookkeeping; always last, always once.
    func callDidEnd(_ summary: CallSummary)
}
