import SwitchyardCore
import SwitchyardHTTP

/// Collects one call's whole answer for the router's own use (builtin endpoints run several calls for one
/// client request and combine the answers). A streamed answer is gathered too, up to the same bound as a
/// buffered one. `completion` runs once, when the call ends.
final class AggregatingSink: CallSink {
    /// The collected result of one call.
    enum Result {
        /// The provider answered (any status): its status and body (error bodies already client-safe).
        case answered(status: Int, body: [UInt8])
        /// The router could not get an answer (or the stream broke, or the call was cancelled).
        case failed(RouterError)
    }

    private var status = 0
    private var body: [UInt8] = []
    private var result: Result?
    private var completion: ((Result, CallSummary) -> Void)?
    /// The call feeding this sink (cancelled when its stream outgrows the bound).
    weak var call: UpstreamCall?

    init(completion: @escaping (Result, CallSummary) -> Void) {
        self.completion = completion
    }

    func callDidStartStream(status: Int, headers: HTTPHeaders) {
        self.status = status
    }

    func callDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if body.count + bytes.count > UpstreamCall.maxBufferedBody {
            result = .failed(.upstreamFailed("the provider's stream is larger than \(UpstreamCall.maxBufferedBody) bytes"))
            body = []
            call?.cancel()
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func callDidFinishStream(error: RouterError?) {
        if result != nil { return }
        result = error.map { .failed($0) } ?? .answered(status: status, body: body)
    }

    func callDidAnswer(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        result = .answered(status: status, body: body)
    }

    func callDidFail(_ error: RouterError) {
        result = .failed(error)
    }

    func callDidEnd(_ summary: CallSummary) {
        let final = result ?? .failed(RouterError(status: 499, message: "The request was cancelled.", code: "cancelled"))
        let done = completion
        completion = nil
        done?(final, summary)
    }
}
