import SwitchyardCore

/// Runs the model calls of one builtin request: each call goes through the same path as a client's chat request
/// (``UpstreamCall``: model resolution, fallback chain, strategy, failover), at most `concurrency` at a time, so
/// several providers share the work. The first failure cancels the calls still running and ends the job with an
/// error that names the text; the client going away cancels everything. `completion` runs exactly once.
final class BuiltinJob {
    private let context: CallContext
    private let calls: [[UInt8]]
    private let model: ModelConfig
    private let requestID: String
    private let concurrency: Int
    private let perText: Bool
    private var completion: ((Result<[String], RouterError>) -> Void)?
    private var answers: [String?]
    private var next = 0
    private var finished = 0
    private let group = CallGroup()

    /// `calls` are chat request bodies (JSON) for `model`, answered in order into `completion`.
    init(context: CallContext, calls: [[UInt8]], model: ModelConfig, requestID: String,
         concurrency: Int, perText: Bool, completion: @escaping (Result<[String], RouterError>) -> Void) {
        self.context = context
        self.calls = calls
        self.model = model
        self.requestID = requestID
        self.concurrency = max(1, concurrency)
        self.perText = perText
        self.completion = completion
        self.answers = Array(repeating: nil, count: calls.count)
    }

    /// Starts the first calls (up to the concurrency bound).
    func start() {
        while next < calls.count && next < concurrency && completion != nil { launch(next) }
    }

    /// The client went away: every call still running is cancelled; nothing is answered.
    func cancel() {
        completion = nil
        group.cancelAll()
    }

    private func launch(_ index: Int) {
        next = index + 1
        switch ProxyRequest.parse(calls[index]) {
        case .failure(let error):
            fail(error, index: index)
        case .success(let parsed):
            let sink = AggregatingSink { [self] result, _ in self.finish(index, result) }
            let call = UpstreamCall(context: context, request: CallRequest(endpoint: .chatCompletions, proxy: parsed, model: model,
                                                                           requestID: "\(requestID)-\(index)"), sink: sink)
            sink.call = call
            group.add(call)
            call.start()
        }
    }

    private func finish(_ index: Int, _ result: AggregatingSink.Result) {
        guard completion != nil else { return }
        switch result {
        case .failed(let error):
            fail(error, index: index)
        case .answered(let status, let body):
            guard (200..<300).contains(status) else {
                let detail = JSONValue.parse(body)?["error"]?["message"]?.string ?? "HTTP \(status)"
                let mapped = status == 429 || status == 503 ? 503 : (status == 504 ? 504 : 502)
                return fail(RouterError(status: mapped, message: "The model provider answered HTTP \(status): \(detail)", code: "upstream_error"), index: index)
            }
            guard let content = Self.content(of: body) else {
                return fail(RouterError(status: 502, message: "The model provider's answer has no message content.", code: "upstream_error"), index: index)
            }
            answers[index] = content
            finished += 1
            if finished == calls.count {
                let done = completion
                completion = nil
                done?(.success(answers.map { $0 ?? "" }))
            } else if next < calls.count {
                // Start the next call after this one has fully ended (not from inside its sink).
                context.scheduler.afterCurrentIteration { [self] in
                    if completion != nil && next < calls.count { launch(next) }
                }
            }
        }
    }

    /// Ends the job with `error`, naming the text when the request had several.
    private func fail(_ error: RouterError, index: Int) {
        guard let done = completion else { return }
        completion = nil
        group.cancelAll()
        var named = error
        if perText {
            named.message = "Text \(index): \(error.message)"
            named.param = "texts[\(index)]"
        }
        // The request fails as 502, 503 or 504: a provider's client-side status (e.g. a 400 for an option it does
        // not take) is a failed call to our client, and a rate limit means no capacity now.
        if named.status == 429 {
            named.status = 503
        } else if named.status < 500 {
            named.status = 502
        }
        done(.failure(named))
    }

    /// The text of `choices[0].message.content` of an OpenAI chat completion, trimmed.
    static func content(of body: [UInt8]) -> String? {
        guard let message = JSONValue.parse(body)?["choices"]?[0]?["message"], let content = message["content"] else { return nil }
        let text: String
        if let string = content.string {
            text = string
        } else if let parts = content.array {
            text = parts.compactMap { $0["text"]?.string }.joined()
        } else {
            return nil
        }
        return text.trimmingASCIIWhitespace()
    }
}
