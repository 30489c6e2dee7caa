import Glibc
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO

/// A deterministic mock LLM server on one ``EventLoop`` (for the demo, the integration tests and the benchmark):
/// OpenAI-compatible, Ollama and vLLM-style endpoints with injectable latency, pacing, failures and resets.
///
/// Everything runs on the loop thread; delays are loop timers, so many concurrent connections cost no threads.
package final class MockServer: HTTPResponder {
    let loop: EventLoop
    let options: MockOptions
    /// Held for the server's lifetime (the HTTP server holds this responder too; both live as long as the loop).
    private var server: HTTPServer?
    /// Counters since start or the last `POST /mock/reset`.
    package internal(set) var stats = MockStats()
    /// The last generation or embedding request, for `GET /mock/last-request`.
    var lastRequest: HTTPRequest?
    /// The load `/metrics` reports, as set by `POST /mock/load`.
    var loadKnobs = MockLoadKnobs()
    /// Unix time of server creation: the fixed `created` of every reply.
    let created: Int
    /// `created` as RFC 3339 (Ollama's `created_at` / `modified_at`).
    let createdAt: String
    /// The id as a quoted JSON string, computed once.
    let idJSON: String
    private var replyCounter = 0

    /// Creates the responder; nothing is bound or registered until ``start(listeningSocket:)``.
    package init(loop: EventLoop, options: MockOptions) {
        self.loop = loop
        self.options = options
        let now = time(nil)
        self.created = Int(now)
        var parts = tm()
        var seconds = now
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        self.createdAt = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
        self.idJSON = MockJSON.quote(options.id)
    }

    /// Starts an ``HTTPServer`` on an already listening, non-blocking socket (see `Socket.listen`).
    package func start(listeningSocket: Int32) throws {
        let configuration = HTTPServer.Configuration(errorBody: { error in
            Array(Self.openAIErrorJSON(message: error.message, type: "invalid_request_error", code: MockJSON.quote(error.code)).utf8)
        })
        let server = HTTPServer(loop: loop, listeningSocket: listeningSocket, configuration: configuration, responder: self)
        try server.start()
        self.server = server
    }

    // MARK: routing

    package func respond(to request: HTTPRequest, response: HTTPServerResponse) {
        stats.requests += 1
        let path = String(request.head.path)
        let method = request.head.method
        // Gemini's routes carry the model and the method in the path: `/v1beta/models/<model>:<method>`.
        if (path.hasPrefix("/v1beta/models/") || path.hasPrefix("/v1/models/")), let colon = path.lastIndex(of: ":") {
            guard method == "POST" else {
                return sendJSON(response, status: 405, Self.geminiErrorJSON(status: 405, message: "Method \(method) is not allowed on \(path); use POST."))
            }
            let rest = path.hasPrefix("/v1beta/models/") ? path.dropFirst(15) : path.dropFirst(11)
            let model = String(rest.prefix(while: { $0 != ":" }))
            return gemini(request, response, model: model, method: String(path[path.index(after: colon)...]))
        }
        guard let endpoint = MockEndpoint.routes[path] else {
            sendOpenAIError(response, status: 404, message: "Invalid URL (\(method) \(path))", code: "\"unknown_url\"")
            return
        }
        guard endpoint.methods.contains(method) else {
            var headers = headers(contentType: "application/json")
            let allow = endpoint.methods.joined(separator: ", ")
            headers.add(name: "Allow", value: allow)
            let body = Self.openAIErrorJSON(message: "Method \(method) is not allowed on \(path); use \(allow).", type: "invalid_request_error", code: "\"method_not_allowed\"", id: idJSON)
            response.send(status: 405, headers: headers, body: Array(body.utf8))
            return
        }
        switch endpoint {
        case .chatCompletions: chatCompletions(request, response)
        case .completions: textCompletions(request, response)
        case .embeddings: embeddings(request, response)
        case .models: models(response)
        case .ollamaChat: ollamaGenerate(request, response, chat: true)
        case .ollamaGenerate: ollamaGenerate(request, response, chat: false)
        case .ollamaEmbed: ollamaEmbed(request, response)
        case .anthropicMessages: anthropicMessages(request, response)
        case .ollamaTags: ollamaTags(response)
        case .ollamaVersion: sendJSON(response, "{\"version\":\"0.0.0-mock\",\"system_fingerprint\":\(idJSON)}")
        case .health: sendJSON(response, "{\"status\":\"ok\",\"id\":\(idJSON),\"model\":\(MockJSON.quote(options.model))}")
        case .ping: sendJSON(response, "{\"status\":\"ok\",\"id\":\(idJSON)}")
        case .metrics: metrics(response)
        case .stats: sendJSON(response, stats.json(id: options.id))
        case .lastRequest: lastRequestReport(response)
        case .reset: resetStats(response)
        case .load: setLoad(request, response)
        }
    }

    // MARK: shared pieces for the endpoint extensions

    /// `Content-Type` plus `X-Mock-Id`, the fields every reply carries.
    func headers(contentType: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "X-Mock-Id", value: options.id)
        return headers
    }

    /// Sends a complete JSON reply now.
    func sendJSON(_ response: HTTPServerResponse, status: Int = 200, _ json: String) {
        response.send(status: status, headers: headers(contentType: "application/json"), body: Array(json.utf8))
    }

    /// `{"error":{"message","type","param":null,"code"}}`; `code` is a JSON fragment (quoted string or number).
    static func openAIErrorJSON(message: String, type: String, code: String, param: String? = nil, id: String? = nil) -> String {
        let paramJSON = param.map(MockJSON.quote) ?? "null"
        let fingerprint = id.map { ",\"system_fingerprint\":\($0)" } ?? ""
        return "{\"error\":{\"message\":\(MockJSON.quote(message)),\"type\":\(MockJSON.quote(type)),\"param\":\(paramJSON),\"code\":\(code)}\(fingerprint)}"
    }

    /// Sends an OpenAI-shaped error now.
    func sendOpenAIError(_ response: HTTPServerResponse, status: Int, message: String, type: String = "invalid_request_error", code: String, param: String? = nil) {
        sendJSON(response, status: status, Self.openAIErrorJSON(message: message, type: type, code: code, param: param, id: idJSON))
    }

    /// Sends an Ollama-shaped error (`{"error":"..."}`) now.
    func sendOllamaError(_ response: HTTPServerResponse, status: Int, message: String) {
        sendJSON(response, status: status, "{\"error\":\(MockJSON.quote(message)),\"system_fingerprint\":\(idJSON)}")
    }

    /// Counts and records a generation/embedding request and works out its plan from options, headers and body.
    func begin(_ request: HTTPRequest, embedding: Bool = false) -> (plan: MockPlan, body: JSONValue.Object?) {
        if embedding { stats.embeddings += 1 } else { stats.completions += 1 }
        lastRequest = request
        let body = MockJSON.object(request.body)
        let plan = MockPlan(options: options, headers: request.head.headers, overrides: body?["mock"]?.object)
        return (plan, body)
    }

    /// The request's `model` when it names one, else `--model`.
    func model(of body: JSONValue.Object) -> String {
        if let model = body["model"]?.string, !model.isEmpty { return model }
        return options.model
    }

    /// The next reply number (for `chatcmpl-mock-<n>` ids).
    func takeReplyNumber() -> Int {
        replyCounter += 1
        return replyCounter
    }

    /// Answers with the injected failure status after the planned latency.
    func injectFault(_ status: Int, plan: MockPlan, response: HTTPServerResponse, isStream: Bool, ollama: Bool) {
        injectFault(status, plan: plan, response: response, isStream: isStream, errorBody: ollama ? nil : nil, ollama: ollama)
    }

    /// Answers with the injected failure status after the planned latency; `errorBody` is the dialect's error
    /// JSON (nil: the OpenAI or Ollama shape).
    func injectFault(_ status: Int, plan: MockPlan, response: HTTPServerResponse, isStream: Bool, errorBody: String?, ollama: Bool = false) {
        stats.faultsInjected += 1
        let exchange = MockExchange(server: self, response: response, isStream: isStream)
        exchange.after(plan.latencyNs) { [self] in
            let message = "mock failure injected"
            var fields = headers(contentType: "application/json")
            if let seconds = plan.retryAfter { fields.add(name: "Retry-After", value: String(seconds)) }
            if let errorBody {
                response.send(status: status, headers: fields, body: Array(errorBody.utf8))
            } else if ollama {
                response.send(status: status, headers: fields, body: Array("{\"error\":\(MockJSON.quote(message)),\"system_fingerprint\":\(idJSON)}".utf8))
            } else {
                let type = status >= 500 ? "server_error" : (status == 429 ? "rate_limit_error" : "invalid_request_error")
                response.send(status: status, headers: fields, body: Array(Self.openAIErrorJSON(message: message, type: type, code: String(status), id: idJSON).utf8))
            }
            exchange.end()
        }
    }

    /// Sends a complete reply after the latency plus `tokens` token delays (the time a real server would spend
    /// generating); with `reset_after` below `tokens` the connection is closed instead, with no response at all.
    func replyLater(_ response: HTTPServerResponse, plan: MockPlan, tokens: Int, body: @escaping () -> String) {
        let exchange = MockExchange(server: self, response: response, isStream: false)
        if let reset = plan.resetAfter, reset < tokens {
            exchange.after(plan.delay(forTokens: reset)) { [self] in
                stats.resetsInjected += 1
                response.abortStream()
                exchange.end()
            }
            return
        }
        exchange.after(plan.delay(forTokens: tokens)) { [self] in
            sendJSON(response, body())
            exchange.end()
        }
    }

    /// Streams `script` after the planned latency.
    func streamLater(_ response: HTTPServerResponse, plan: MockPlan, script: MockStream.Script) {
        let exchange = MockExchange(server: self, response: response, isStream: true)
        exchange.after(plan.latencyNs) {
            MockStream(exchange: exchange, script: script).start()
        }
    }
}
