import Glibc
import SwitchyardCore
import SwitchyardProviders

/// Model lists, rendered once per configuration. They never include provider hosts or tokens.
enum ModelListing {
    static let created = Int(time(nil))
    /// `created` in RFC 3339: the `modified_at` of every model (when this worker started).
    static let modifiedAt = ClientTimestamp.rfc3339(created)

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
            out.string(owner(model))
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// `GET {prefix}/v0/models` in LM Studio's shape (llm-router's list): every model a loaded `llm`.
    static func lmStudio(_ config: ModelsConfig) -> [UInt8] {
        var out = JSONWriter(capacity: 128 + config.models.count * 192)
        out.raw("{\"object\":\"list\",\"data\":[")
        for (index, model) in config.models.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"id\":")
            out.string(model.name)
            out.raw(",\"object\":\"model\",\"type\":\"llm\",\"publisher\":")
            out.string(owner(model))
            out.raw(",\"arch\":\"unknown\",\"compatibility_type\":\"unknown\",\"quantization\":\"unknown\",\"state\":\"loaded\",\"max_context_length\":")
            out.number(contextLength(model))
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// `GET /api/tags` in Ollama's schema: `name`, `model`, `modified_at`, `size` (0: the weights are not here),
    /// `digest` (stable per name, so clients can tell models apart), `details`.
    static func ollamaTags(_ config: ModelsConfig) -> [UInt8] {
        ollamaList(config.models, running: false)
    }

    /// `GET /api/ps`: the models the router can serve now, in Ollama's schema (never expiring: they stay
    /// "loaded" as long as the configuration names them).
    static func ollamaRunning(_ models: [ModelConfig]) -> [UInt8] {
        ollamaList(models, running: true)
    }

    /// `POST /api/show` for one model.
    static func ollamaShow(_ model: ModelConfig) -> [UInt8] {
        var out = JSONWriter(capacity: 512)
        out.raw("{\"modelfile\":")
        out.string("# Served by Switchyard: model \(model.name), \(model.providers.count) provider(s).\n")
        out.raw(",\"parameters\":\"\",\"template\":\"{{ .Prompt }}\",\"details\":")
        writeDetails(model, into: &out)
        out.raw(",\"model_info\":{\"general.architecture\":")
        out.string(owner(model))
        out.raw(",\"general.basename\":")
        out.string(model.name)
        let context = contextLength(model)
        if context > 0 {
            out.raw(",\"general.context_length\":")
            out.number(context)
        }
        out.raw("},\"capabilities\":[\"completion\"")
        if model.providers.contains(where: { $0.toolCalling }) { out.raw(",\"tools\"") }
        out.raw("],\"modified_at\":")
        out.string(modifiedAt)
        out.raw("}")
        return out.bytes
    }

    private static func ollamaList(_ models: [ModelConfig], running: Bool) -> [UInt8] {
        var out = JSONWriter(capacity: 128 + models.count * 320)
        out.raw("{\"models\":[")
        for (index, model) in models.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(model.name)
            out.raw(",\"model\":")
            out.string(model.name)
            if !running {
                out.raw(",\"modified_at\":")
                out.string(modifiedAt)
            }
            out.raw(",\"size\":0,\"digest\":")
            out.string(digest(model.name))
            out.raw(",\"details\":")
            writeDetails(model, into: &out)
            if running {
                out.raw(",\"expires_at\":\"2318-01-01T00:00:00Z\",\"size_vram\":0")
                let context = contextLength(model)
                if context > 0 {
                    out.raw(",\"context_length\":")
                    out.number(context)
                }
            }
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    private static func writeDetails(_ model: ModelConfig, into out: inout JSONWriter) {
        let family = owner(model)
        out.raw("{\"parent_model\":\"\",\"format\":\"\",\"family\":")
        out.string(family)
        out.raw(",\"families\":[")
        out.string(family)
        out.raw("],\"parameter_size\":\"\",\"quantization_level\":\"\"}")
    }

    /// The api_type of the model's first provider (the OpenAI list's `owned_by`).
    private static func owner(_ model: ModelConfig) -> String {
        model.providers.first?.apiType.rawValue ?? "switchyard"
    }

    /// The largest configured `input_size` of the model's providers (0 when none is known).
    private static func contextLength(_ model: ModelConfig) -> Int {
        model.providers.map(\.inputSize).max() ?? 0
    }

    /// 64 hex digits derived from `name` (four FNV-1a 64 hashes with different offsets): stable across workers and
    /// restarts, distinct per model. Not a content digest: there are no weights here to hash.
    static func digest(_ name: String) -> String {
        var text = ""
        text.reserveCapacity(64)
        for seed: UInt64 in [0xcbf29ce484222325, 0x84222325cbf29ce4, 0x9e3779b97f4a7c15, 0x2545f4914f6cdd1d] {
            var hash = seed
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100000001b3
            }
            let hex = String(hash, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }
}
