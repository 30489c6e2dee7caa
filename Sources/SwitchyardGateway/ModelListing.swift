import Glibc
import SwitchyardCore

/// Model lists, rendered once per configuration. They never include provider hosts or tokens.
enum ModelListing {
    static let created = Int(time(nil))

    /// `GET /v1/models`.
    static func openAI(_ config: ModelsConfig) -> [UInt8] {
        var out = JSONWriter(capacity: 128 + config.models.count * 96)
        out.raw("{\"object\":\"list\",\"data\":[")
        for (index, model) in config.models.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"id\":")
            out.string(model.name)
            out.raw(",\"object\":\"model\",\"created\":")
            out.number(created)
            out.raw(",\"owned_by\":")
            out.string(model.providers.first?.apiType.rawValue ?? "switchyard")
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// `GET /api/tags` in Ollama's schema.
    static func ollamaTags(_ config: ModelsConfig) -> [UInt8] {
        var out = JSONWriter(capacity: 128 + config.models.count * 160)
        out.raw("{\"models\":[")
        for (index, model) in config.models.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(model.name)
            out.raw(",\"model\":")
            out.string(model.name)
            out.raw(",\"modified_at\":\"1970-01-01T00:00:00Z\",\"size\":0,\"digest\":\"\",\"details\":{\"format\":\"\",\"family\":\"\",\"parameter_size\":\"\",\"quantization_level\":\"\"}}")
        }
        out.raw("]}")
        return out.bytes
    }
}
