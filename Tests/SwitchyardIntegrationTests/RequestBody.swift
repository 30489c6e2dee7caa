/// JSON request bodies for the integration tests, written as text so the bytes on the wire are exactly known.
enum RequestBody {
    /// A chat completion body for `model` with one user message; `mock` is the mock's per-request override
    /// object (forwarded untouched by the router) and `extra` more members, e.g. `"foo":"bar"`.
    static func chat(
        model: String = "chat-model", content: String = "hello there", stream: Bool = false,
        mock: String? = nil, extra: String? = nil, modelKey: String = "model"
    ) -> String {
        var members = [
            #""\#(modelKey)":"\#(model)""#,
            #""messages":[{"role":"user","content":"\#(content)"}]"#,
        ]
        if stream { members.append(#""stream":true"#) }
        if let mock { members.append(#""mock":\#(mock)"#) }
        if let extra { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }
}
