import SwitchyardCore

/// Builds upstream requests for providers that speak the OpenAI HTTP API (OpenAI, vLLM, SGLang, LM Studio,
/// llama.cpp, Groq). Pure translation: no sockets.
package enum OpenAICompatibleAdapter {
    /// Whether this adapter can serve `provider`.
    package static func supports(_ provider: ProviderConfig) -> Bool {
        provider.apiType.isOpenAICompatible
    }

    /// The upstream URL for `endpoint`. An `api_host` without a path gets the conventional `/v1/…`; one that
    /// already carries a base path (`https://api.groq.com/openai/v1`, `…/v1beta/openai`) is used as the API
    /// base, so users do not end up with llm-router's doubled `/v1/v1`.
    package static func url(for provider: ProviderConfig, endpoint: EndpointKind) -> String {
        let host = provider.apiHost
        if ProviderAdapters.hasBasePath(host) { return host + "/" + endpoint.rawValue }
        return host + "/v1/" + endpoint.rawValue
    }

    /// Header lines sent with every request to `provider` (never logged: they may carry the token).
    package static func headerLines(for provider: ProviderConfig) -> [String] {
        var lines = ["Content-Type: application/json", "Accept: application/json, text/event-stream"]
        if !provider.apiToken.isEmpty { lines.append("Authorization: Bearer \(provider.apiToken)") }
        return lines
    }

    /// The request body for `provider`: the client's body with `model` set to the provider's `model_path`
    /// and llm-router's `model_name` alias removed; every other field passes through byte for byte.
    package static func requestBody(_ body: [UInt8], scan: JSONObjectScan, provider: ProviderConfig) -> [UInt8] {
        requestBody(body, scan: scan, quotedModel: JSONWriter.quoted(provider.modelPath))
    }

    /// ``requestBody(_:scan:provider:)`` with the provider's `model_path` already JSON-quoted (cached per provider).
    package static func requestBody(_ body: [UInt8], scan: JSONObjectScan, quotedModel model: [UInt8]) -> [UInt8] {
        var result = body
        var members = scan.members
        if let alias = members.last(where: { $0.key == "model_name" }) {
            if members.contains(where: { $0.key == "model" }) {
                result = ByteSplice.removing(alias, from: result)
                // Offsets after the removed member moved; rescan (rare path).
                guard case .success(let rescan) = result.withUnsafeBytes({ JSONScanner.scanObject($0) }) else { return result }
                members = rescan.members
            } else {
                // Rename the key in place: `"model_name": v` → `"model": <path>`.
                return ByteSplice.replacing(result, range: alias.keyStart..<alias.valueEnd, with: Array("\"model\":".utf8) + model)
            }
        }
        guard let target = members.last(where: { $0.key == "model" }) else { return result }
        if result[target.valueStart..<target.valueEnd].elementsEqual(model) { return result }
        return ByteSplice.replacing(result, range: target.valueStart..<target.valueEnd, with: model)
    }

    /// Asks a streaming provider for the usage chunk (`"stream_options":{"include_usage":true}` inserted as the
    /// first member), for the router's token accounting. Only for bodies without `stream_options`.
    package static func requestingStreamUsage(_ body: [UInt8]) -> [UInt8] {
        guard let open = body.firstIndex(of: 0x7B) else { return body }
        var result: [UInt8] = []
        result.reserveCapacity(body.count + streamUsageMember.count)
        result.append(contentsOf: body[...open])
        result.append(contentsOf: streamUsageMember)
        result.append(contentsOf: body[(open + 1)...])
        return result
    }

    private static let streamUsageMember = Array("\"stream_options\":{\"include_usage\":true},".utf8)

}
