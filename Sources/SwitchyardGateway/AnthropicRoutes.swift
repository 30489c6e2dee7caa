import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders

/// Anthropic's Messages API: `POST /v1/messages` (streaming or not), translated into the OpenAI pivot so that any
/// configured provider answers an Anthropic client, and `POST /v1/messages/count_tokens` (an estimate, see
/// ``AnthropicTokenEstimate``). The client's key (`x-api-key` or `Authorization: Bearer`, checked at the door when
/// client keys are on) is never forwarded: providers get their own configured keys. Errors use `{"type":"error","error":{"type","message"}}`.
struct AnthropicRoutes {
    unowned let gateway: Gateway

    func register(in table: RouteTable) {
        let gateway = self.gateway
        table.add("/v1/messages", name: "anthropic_messages", method: "POST") { [unowned gateway] request, response in
            switch AnthropicRequestTranslator.translate(request.body) {
            case .failure(let error):
                gateway.finishLocally(response, route: "anthropic_messages", error: error, dialect: .anthropic)
            case .success(let translated):
                let translator = AnthropicClientTranscoder(model: translated.model, requestID: response.requestID)
                gateway.proxy(translated, request: request, response: response, route: "anthropic_messages", translator: translator, dialect: .anthropic)
            }
        }
        table.add("/v1/messages/count_tokens", name: "anthropic_count_tokens", method: "POST") { [unowned gateway] request, response in
            switch AnthropicTokenEstimate.count(request.body) {
            case .failure(let error):
                gateway.finishLocally(response, route: "anthropic_count_tokens", error: error, dialect: .anthropic)
            case .success(let estimate):
                guard gateway.config.model(named: estimate.model) != nil else {
                    return gateway.finishLocally(response, route: "anthropic_count_tokens", error: .modelNotFound(estimate.model), dialect: .anthropic)
                }
                var out = JSONWriter()
                out.raw("{\"input_tokens\":")
                out.number(estimate.tokens)
                out.raw("}")
                gateway.sendLocal(response, route: "anthropic_count_tokens", body: out.bytes)
            }
        }
    }
}
