import SwitchyardCore
import SwitchyardHTTP

/// Observability endpoints: vLLM-style `/metrics`, and the test hooks `/mock/stats`, `/mock/last-request`,
/// `/mock/reset`, `/mock/load`.
extension MockServer {
    /// `GET /metrics`: Prometheus text exposition format 0.0.4, with the vLLM gauges a load-aware router reads
    /// (the values set by `POST /mock/load`, else the mock's own: running = requests in flight, waiting 0).
    func metrics(_ response: HTTPServerResponse) {
        stats.metricsRequests += 1
        if let status = loadKnobs.status, status != 200 {
            return sendOpenAIError(response, status: status, message: "mock metrics failure injected", type: "server_error", code: String(status))
        }
        let labels = "{model_name=\"\(Self.labelValue(options.model))\"}"
        let idLabel = "{id=\"\(Self.labelValue(options.id))\"}"
        let cache = loadKnobs.cache ?? min(Double(stats.inFlight) / 100, 1)
        let running = loadKnobs.running.map { "\($0)" } ?? "\(stats.inFlight)"
        let waiting = loadKnobs.waiting.map { "\($0)" } ?? "0"
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ labels: String, _ value: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name)\(labels) \(value)\n"
        }
        metric("vllm:num_requests_running", "gauge", "Number of requests currently running on GPU.", labels, running)
        metric("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", labels, waiting)
        metric("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.", labels, "\(cache)")
        metric("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", labels, "\(cache)")
        metric("mock_info", "gauge", "Identity of this mock server.", "{id=\"\(Self.labelValue(options.id))\",model_name=\"\(Self.labelValue(options.model))\"}", "1")
        metric("mock_requests_total", "counter", "HTTP requests answered.", idLabel, "\(stats.requests)")
        metric("mock_completions_total", "counter", "Generation requests received.", idLabel, "\(stats.completions)")
        metric("mock_embeddings_total", "counter", "Embedding requests received.", idLabel, "\(stats.embeddings)")
        metric("mock_streams_started_total", "counter", "Streamed responses started.", idLabel, "\(stats.streamsStarted)")
        metric("mock_streams_completed_total", "counter", "Streamed responses completed.", idLabel, "\(stats.streamsCompleted)")
        metric("mock_streams_aborted_total", "counter", "Streaming requests abandoned by the client.", idLabel, "\(stats.streamsAbortedByClient)")
        metric("mock_requests_aborted_total", "counter", "Generation or embedding requests abandoned by the client.", idLabel, "\(stats.requestsAbortedByClient)")
        metric("mock_resets_injected_total", "counter", "Connections closed on purpose by reset_after.", idLabel, "\(stats.resetsInjected)")
        metric("mock_faults_injected_total", "counter", "Requests answered with an injected failure status.", idLabel, "\(stats.faultsInjected)")
        metric("mock_in_flight", "gauge", "Generation and embedding requests being answered.", idLabel, "\(stats.inFlight)")
        var headers = headers(contentType: "text/plain; version=0.0.4; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-cache")
        response.send(status: 200, headers: headers, body: Array(text.utf8))
    }

    /// `GET /mock/last-request`: method, path, lower-cased headers and parsed JSON body of the last
    /// generation or embedding request (404 before the first one).
    func lastRequestReport(_ response: HTTPServerResponse) {
        guard let request = lastRequest else {
            return sendOpenAIError(response, status: 404, message: "No generation or embedding request has been received yet.", code: "\"no_request\"")
        }
        // Repeated fields are joined with ", " (RFC 9110 section 5.3); names are listed sorted.
        var headerValues: [String: String] = [:]
        for field in request.head.headers {
            let name = field.name.lowercased()
            headerValues[name] = headerValues[name].map { $0 + ", " + field.value } ?? field.value
        }
        var json = JSONWriter(capacity: 512 + request.body.count)
        json.raw("{\"method\":")
        json.string(request.head.method)
        json.raw(",\"path\":")
        json.string(String(request.head.path))
        json.raw(",\"target\":")
        json.string(request.head.target)
        json.raw(",\"headers\":{")
        for (position, name) in headerValues.keys.sorted().enumerated() {
            if position > 0 { json.raw(",") }
            json.string(name)
            json.raw(":")
            json.string(headerValues[name] ?? "")
        }
        json.raw("},\"body\":")
        // The body as parsed (members in the order sent, numbers as written); null when it is not JSON.
        if let body = MockJSON.value(request.body) { body.write(to: &json) } else { json.raw("null") }
        json.raw(",\"system_fingerprint\":")
        json.raw(idJSON)
        json.raw("}")
        response.send(status: 200, headers: headers(contentType: "application/json"), body: json.bytes)
    }

    /// `POST /mock/load`: sets the load `/metrics` reports from a JSON object with any of `waiting`, `running`,
    /// `cache` (numbers; `null` returns a gauge to the mock's own value) and `status` (the status `/metrics`
    /// answers, `null` or 200 for metrics). Answers the knobs now in force.
    func setLoad(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        guard let body = MockJSON.object(request.body) else {
            return sendOpenAIError(response, status: 400, message: "Expected a JSON object with waiting, running, cache or status.", code: "\"invalid_body\"")
        }
        func gauge(_ key: String, _ current: Double?) -> Double? {
            guard let value = body[key] else { return current }
            return value.isNull ? nil : MockJSON.double(value).map { max($0, 0) } ?? current
        }
        loadKnobs.waiting = gauge("waiting", loadKnobs.waiting)
        loadKnobs.running = gauge("running", loadKnobs.running)
        loadKnobs.cache = gauge("cache", loadKnobs.cache).map { min($0, 1) }
        if let status = body["status"] { loadKnobs.status = status.isNull ? nil : MockJSON.int(status) }
        sendJSON(response, loadKnobs.json)
    }

    /// `POST /mock/reset`: zeroes the counters (except the live ``MockStats/inFlight``) and forgets the last request.
    func resetStats(_ response: HTTPServerResponse) {
        var fresh = MockStats()
        fresh.inFlight = stats.inFlight
        stats = fresh
        lastRequest = nil
        sendJSON(response, "{\"status\":\"ok\",\"id\":\(idJSON)}")
    }

    /// Escapes a Prometheus label value (`\`, `"` and newline).
    static func labelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
