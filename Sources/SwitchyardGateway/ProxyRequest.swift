import SwitchyardCore

/// What the router needs from a proxied request body, read by the validating scanner without building an
/// object graph: the requested model (`model_name` wins over `model`, as in llm-router) and `stream`.
struct ProxyRequest {
    var body: [UInt8]
    var scan: JSONObjectScan
    var model: String
    var stream: Bool

    static func parse(_ body: [UInt8]) -> Result<ProxyRequest, RouterError> {
        if body.isEmpty { return .failure(.invalidJSON("the body is empty; send a JSON object")) }
        let scanned = body.withUnsafeBytes { JSONScanner.scanObject($0) }
        let scan: JSONObjectScan
        switch scanned {
        case .failure(let error): return .failure(.invalidJSON(error.description))
        case .success(let s): scan = s
        }
        guard let member = scan.member("model_name") ?? scan.member("model") else { return .failure(.missingModel) }
        guard member.kind == .string else {
            return .failure(.invalidRequest("`\(member.key)` must be a string.", param: member.key, code: "invalid_model"))
        }
        let name = body.withUnsafeBytes { JSONScanner.decodeString($0, member.valueStart..<member.valueEnd) } ?? ""
        if name.isEmpty { return .failure(.missingModel) }
        var stream = false
        if let s = scan.member("stream") {
            switch s.kind {
            case .true: stream = true
            case .false, .null: stream = false
            default: return .failure(.invalidRequest("`stream` must be a boolean.", param: "stream", code: "invalid_stream"))
            }
        }
        return .success(ProxyRequest(body: body, scan: scan, model: name, stream: stream))
    }
}
