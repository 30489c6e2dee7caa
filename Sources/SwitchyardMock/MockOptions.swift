/// Command-line options of `switchyard mock`; every completion knob can be overridden per request
/// (see ``MockPlan``).
package struct MockOptions: Sendable, Equatable {
    /// `--host`: address to bind.
    package var host = "127.0.0.1"
    /// `--port`: port to bind; 0 picks a free (ephemeral) port.
    package var port = 9000
    /// `--id`: identity shown in every reply (`system_fingerprint`, `X-Mock-Id`, content prefix `[id] `).
    package var id = "mock"
    /// `--model`: the model listed by `/v1/models` and `/api/tags` (replies echo the request's `model`).
    package var model = "mock-model"
    /// `--tokens`: completion length in tokens (words; one stream event each).
    package var tokens = 16
    /// `--token-delay-ms`: pause before each generated token.
    package var tokenDelayMs = 0.0
    /// `--latency-ms`: pause before the response head.
    package var latencyMs = 0.0
    /// `--echo`: reply with the words of the last user message instead of the vocabulary.
    package var echo = false
    /// `--fail-status`: answer every completion and embedding request with this status and an error body.
    package var failStatus: Int? = nil
    /// `--reset-after`: close the connection after this many tokens, without the terminating chunk.
    package var resetAfterTokens: Int? = nil
    /// `--retry-after`: the `Retry-After` seconds sent with an injected failure.
    package var retryAfterSeconds: Int? = nil

    /// The defaults.
    package init() {}

    /// Largest accepted `--tokens` (and `tokens` override), so a typo cannot make the mock generate forever.
    package static let maxTokens = 1_000_000
    /// Largest accepted delay in milliseconds (one hour).
    package static let maxDelayMs = 3_600_000.0

    private static let valueFlags: Set<String> = [
        "--host", "--port", "--id", "--model", "--tokens", "--token-delay-ms", "--latency-ms", "--fail-status", "--reset-after", "--echo",
        "--retry-after",
    ]

    /// Parses `--flag value` and `--flag=value` arguments (those after `switchyard mock`).
    /// Throws ``MockError/helpRequested`` for `-h`/`--help` and ``MockError/usage(_:)`` for anything wrong.
    package static func parse(arguments: [String]) throws -> MockOptions {
        var options = MockOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" { throw MockError.helpRequested }
            guard argument.hasPrefix("--") else { throw MockError.usage("unexpected argument '\(argument)'") }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard valueFlags.contains(name) else { throw MockError.usage("unknown option '\(name)'") }
            if value == nil {
                guard index < arguments.count else { throw MockError.usage("option '\(name)' needs a value") }
                value = arguments[index]
                index += 1
            }
            try options.apply(name, value ?? "")
        }
        return options
    }

    private mutating func apply(_ name: String, _ value: String) throws {
        switch name {
        case "--host":
            guard !value.isEmpty else { throw MockError.usage("--host must not be empty") }
            host = value
        case "--port":
            port = try Self.integer(name, value, in: 0...65535)
        case "--id":
            guard !value.isEmpty else { throw MockError.usage("--id must not be empty") }
            id = value
        case "--model":
            guard !value.isEmpty else { throw MockError.usage("--model must not be empty") }
            model = value
        case "--tokens":
            tokens = try Self.integer(name, value, in: 0...Self.maxTokens)
        case "--token-delay-ms":
            tokenDelayMs = try Self.milliseconds(name, value)
        case "--latency-ms":
            latencyMs = try Self.milliseconds(name, value)
        case "--echo":
            guard let flag = MockJSON.bool(value) else { throw MockError.usage("--echo expects true or false") }
            echo = flag
        case "--fail-status":
            failStatus = try Self.integer(name, value, in: 400...599)
        case "--reset-after":
            resetAfterTokens = try Self.integer(name, value, in: 0...Self.maxTokens)
        case "--retry-after":
            retryAfterSeconds = try Self.integer(name, value, in: 0...86_400)
        default:
            throw MockError.usage("unknown option '\(name)'")
        }
    }

    private static func integer(_ name: String, _ value: String, in range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw MockError.usage("\(name) expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(value)'")
        }
        return number
    }

    private static func milliseconds(_ name: String, _ value: String) throws -> Double {
        guard let number = Double(value), number.isFinite, number >= 0, number <= maxDelayMs else {
            throw MockError.usage("\(name) expects milliseconds in 0...\(Int(maxDelayMs)), got '\(value)'")
        }
        return number
    }

    /// The text `switchyard mock --help` prints.
    package static var helpText: String {
        """
        Usage: switchyard mock [options]

        Runs a deterministic mock LLM server (OpenAI-compatible, Ollama, Anthropic, Gemini and vLLM-style
        endpoints) for demos,
        integration tests and benchmarks. Prints one line "listening on http://HOST:PORT" to stdout once bound,
        then serves until it receives SIGTERM or SIGINT.

        Options (--flag value or --flag=value):
          --host HOST            address to bind (default 127.0.0.1)
          --port N               port to bind, 0 picks a free port (default 9000)
          --id NAME              identity shown in every reply: JSON "system_fingerprint", header X-Mock-Id and
                                 the content prefix "[NAME] " (default mock)
          --model NAME           model listed by /v1/models and /api/tags (default mock-model); replies echo the
                                 request's "model" when it has one
          --tokens N             completion length in tokens (default 16, at most 1000000)
          --token-delay-ms MS    pause before each generated token (default 0)
          --latency-ms MS        pause before the response head (default 0)
          --fail-status N        answer every completion/embedding request with status N (400-599) and an
                                 error body in the dialect of the path (OpenAI, Ollama, Anthropic, Gemini)
          --reset-after N        close the connection after N tokens without the terminating chunk (a
                                 non-streamed reply is then never sent)
          --echo BOOL            reply with the words of the last user message (default false)
          --retry-after S        send Retry-After: S with injected failures (e.g. with --fail-status 429)
          -h, --help             print this help and exit

        Per-request overrides, in the JSON body (wins) or as headers:
          "mock": {"status": 503, "latency_ms": 50, "tokens": 5, "token_delay_ms": 10, "reset_after": 2, "echo": true,
                   "retry_after": 5}
          X-Mock-Status, X-Mock-Latency-Ms, X-Mock-Tokens, X-Mock-Token-Delay-Ms, X-Mock-Reset-After, X-Mock-Echo,
          X-Mock-Retry-After
          status 0/200/null disables an injected failure, reset_after -1/null disables a reset, echo makes the
          reply repeat the words of the last user message (or prompt) instead of the fixed vocabulary.

        Endpoints:
          POST /v1/chat/completions, /v1/completions, /v1/embeddings (also without /v1)
          GET  /v1/models, /models
          POST /api/chat, /api/generate, /api/embed   GET /api/tags, /api/version   (Ollama, NDJSON streams)
          POST /v1/messages                      (Anthropic Messages API; SSE events when "stream": true)
          POST /v1beta/models/MODEL:generateContent, :streamGenerateContent?alt=sse, :batchEmbedContents  (Gemini)
          With tools offered and the user's turn last, the Ollama, Anthropic and Gemini endpoints call the first
          tool with {"query": "mock"}.
          GET  /health, /ping, /metrics (vLLM-style Prometheus text)
          GET  /mock/stats, /mock/last-request   POST /mock/reset
          POST /mock/load {"waiting":N,"running":N,"cache":F,"status":S}  (what /metrics reports)

        Exit status: 0 after --help, 1 if the address cannot be bound, 2 for bad arguments.
        """
    }
}
