#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Process settings from environment (llm-router names) overridden by command-line flags.
package struct Settings: Sendable, Equatable {
    /// Models config file (`LLM_ROUTER_MODELS_CONFIG` / `--config`); nil runs the demo.
    package var modelsConfigPath: String?
    /// Listen address (`LLM_ROUTER_SERVER_HOST` / `--host`).
    package var host: String
    /// Listen port (`LLM_ROUTER_SERVER_PORT` / `--port`); 0 picks an ephemeral port.
    package var port: Int
    /// Route prefix such as `/api` (`LLM_ROUTER_EP_PREFIX` / `--prefix`): leading `/`, no trailing `/`, or `""`.
    package var endpointPrefix: String
    /// Minimum log level (`LLM_ROUTER_LOG_LEVEL` / `--log-level`; `LLM_ROUTER_IN_DEBUG` forces debug).
    package var logLevel: LogLevel
    /// Log line format (`LLM_ROUTER_LOG_FORMAT` / `--log-format`).
    package var logFormat: LogFormat
    /// Log file (`LLM_ROUTER_LOG_FILENAME` / `--log-file`); nil logs to standard error.
    package var logFilename: String?
    /// Total time allowed for one upstream call, in seconds (`LLM_ROUTER_EXTERNAL_TIMEOUT` / `--timeout`).
    package var externalTimeout: Double
    /// Time from a complete request to the first byte of its answer, across every attempt and failover, seconds
    /// (`LLM_ROUTER_TIMEOUT` / `--request-timeout`); unset or 0 means `externalTimeout`.
    package var requestTimeout: Double
    /// Upstream TCP/TLS connect timeout, seconds (`LLM_ROUTER_UPSTREAM_CONNECT_TIMEOUT` / `--connect-timeout`).
    package var upstreamConnectTimeout: Double
    /// Time until the upstream's first response byte, seconds (`LLM_ROUTER_UPSTREAM_FIRST_BYTE_TIMEOUT` /
    /// `--first-byte-timeout`); defaults to `externalTimeout`.
    package var upstreamFirstByteTimeout: Double
    /// Longest gap between upstream body chunks, seconds (`LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT` / `--chunk-timeout`).
    package var upstreamIdleTimeout: Double
    /// Upstream HTTP client (`LLM_ROUTER_UPSTREAM_CLIENT` / `--upstream-client`): `auto` uses the built-in
    /// HTTP/1.1 client for plain-HTTP upstreams with numeric or localhost hosts and libcurl otherwise; `curl`
    /// uses libcurl for everything.
    package var upstreamClient: String = "auto"
    /// CA bundle (PEM) for verifying HTTPS upstreams (`LLM_ROUTER_UPSTREAM_CA_FILE` / `--upstream-ca-file`); nil
    /// uses the system's trust store. Verification is never switched off.
    package var upstreamCAFile: String?
    /// Time a client gets to send its request head, seconds (`LLM_ROUTER_HEADER_TIMEOUT` / `--header-timeout`).
    package var headerReadTimeout: Double
    /// Idle time before closing a client keep-alive connection, seconds (`LLM_ROUTER_KEEPALIVE_TIMEOUT` /
    /// `--keepalive-timeout`).
    package var keepAliveTimeout: Double
    /// Largest accepted request body in bytes (`LLM_ROUTER_MAX_REQUEST_BODY_SIZE` / `--max-body-size`).
    package var maxRequestBodySize: Int
    /// Cap on bytes one worker holds for clients: buffered answers plus connection input beyond 64 KiB each
    /// (`LLM_ROUTER_MAX_BUFFERED_BYTES` / `--max-buffered-bytes`); 0 = no cap.
    package var maxBufferedBytes: Int
    /// Largest accepted request head in bytes (`LLM_ROUTER_MAX_HEADER_SIZE` / `--max-header-size`).
    package var maxHeaderSize: Int
    /// Default load-balancing strategy (`LLM_ROUTER_BALANCE_STRATEGY` / `--strategy`), a ``StrategyName`` raw value.
    package var balanceStrategy: String
    /// Redis host (`LLM_ROUTER_REDIS_HOST` / `--redis-host`); nil runs without Redis.
    package var redisHost: String?
    /// Redis port (`LLM_ROUTER_REDIS_PORT` / `--redis-port`).
    package var redisPort: Int
    /// Redis database number (`LLM_ROUTER_REDIS_DB` / `--redis-db`).
    package var redisDB: Int
    /// Redis password (`LLM_ROUTER_REDIS_PASSWORD` only, so it never shows in `ps`); never printed.
    package var redisPassword: String?
    /// Redis URL (`LLM_ROUTER_REDIS_URL` / `--redis-url`), parsed; wins over host, port and database (see
    /// ``redisEndpoint``).
    package var redisURL: RedisEndpoint?
    /// Prefix of every Redis key (`LLM_ROUTER_REDIS_PREFIX` / `--redis-prefix`), so several routers can share one
    /// Redis; no spaces or braces (braces would change the keys' hash tags).
    package var redisPrefix: String = "switchyard:"
    /// Lifetime of a hold in Redis (an in-flight lease, a first-available slot) without renewal, seconds
    /// (`LLM_ROUTER_LEASE_SECONDS` / `--lease-seconds`): a worker renews its holds every third of it, so the holds
    /// of a machine that vanished free themselves within this time.
    package var leaseSeconds: Double = 30
    /// How long a request may wait in its model's queue for a provider with a free slot, seconds
    /// (`LLM_ROUTER_QUEUE_TIMEOUT` / `--queue-timeout`); then it gets 503 with `Retry-After`. 0 turns waiting off
    /// (a full model answers 503 at once).
    package var queueTimeout: Double = 60
    /// Most requests waiting in one model's queue (`LLM_ROUTER_QUEUE_MAX` / `--queue-max`); beyond it 429.
    package var queueMax: Int = 1000
    /// Whether `serve` runs a private `redis-server` on a Unix socket so that its workers act as one router when
    /// no Redis is configured (`LLM_ROUTER_LOCAL_REDIS` / `--local-redis`: `auto`, the default, when there are
    /// several workers and `redis-server` is installed; `off` never).
    package var localRedis = true
    /// Worker processes (`LLM_ROUTER_SERVER_WORKERS_COUNT` / `--workers`), `>= 1`; defaults to the online CPUs.
    package var workers: Int
    /// Bearer token that opens the admin endpoints such as `GET /admin/state` (`LLM_ROUTER_ADMIN_TOKEN` /
    /// `--admin-token`); nil keeps them off (403). Never printed.
    package var adminToken: String?
    // MARK: operations (issue 11: client keys, metrics) — one block, to ease merging
    /// Whether `GET /metrics` is served (`LLM_ROUTER_USE_PROMETHEUS` / `--use-prometheus`); llm-router's switch,
    /// on by default here because `/metrics` always was. Counting goes on either way.
    package var usePrometheus = true
    /// Whether client requests need a key from ``authKeysFile`` (`LLM_ROUTER_AUTH_ENABLED` / `--auth-enabled`).
    package var authEnabled = false
    /// The client keys file (`LLM_ROUTER_AUTH_KEYS_FILE` / `--auth-keys-file`): key id → SHA-256 of the key, optional
    /// `rpm` and `models`. Read and validated per generation (start, HUP).
    package var authKeysFile: String?
    /// Paths served without a client key when ``authEnabled`` (`LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS` /
    /// `--auth-public-endpoints`, comma-separated, exact paths).
    package var authPublicEndpoints: [String] = ["/health", "/metrics"]
    // end of the operations block

    /// Whether no models config is given: the executable then serves the embedded demo upstreams.
    package var demo: Bool { modelsConfigPath == nil }
    /// The Redis to use, or nil for none: the URL when one is given (its password, or else
    /// `LLM_ROUTER_REDIS_PASSWORD`), otherwise `redisHost` with `redisPort`, `redisDB` and `redisPassword`.
    package var redisEndpoint: RedisEndpoint? {
        if var endpoint = redisURL {
            if endpoint.password == nil { endpoint.password = redisPassword }
            return endpoint
        }
        guard let redisHost else { return nil }
        return RedisEndpoint(address: .tcp(host: redisHost, port: redisPort), password: redisPassword, database: redisDB)
    }
    /// Time in-flight requests get to finish on shutdown or reload, seconds (`LLM_ROUTER_DRAIN_TIMEOUT` /
    /// `--drain-timeout`).
    package var drainTimeout: Double
    /// Prompt library directory (`LLM_ROUTER_PROMPTS_DIR` / `--prompts-dir`); nil: the install layout's
    /// `<prefix>/share/switchyard/prompts` next to the executable if it exists, else `resources/prompts` in the
    /// current directory (resolved by `PromptLibrary.directory(configured:executable:)`).
    package var promptsDirectory: String? = nil
    /// Prompt language of a builtin-endpoint request that names none (`LLM_ROUTER_DEFAULT_EP_LANGUAGE` /
    /// `--default-language`); must exist in the prompt library.
    package var defaultLanguage: String = "pl"
    /// Texts of one builtin-endpoint request sent upstream at once (`LLM_ROUTER_BUILTIN_CONCURRENCY` /
    /// `--builtin-concurrency`), `>= 1`.
    package var builtinConcurrency: Int = 8
    /// Most texts one builtin-endpoint request may carry (`LLM_ROUTER_BUILTIN_MAX_TEXTS` / `--builtin-max-texts`),
    /// `>= 1`.
    package var builtinMaxTexts: Int = 64

    /// Settings when neither environment nor flags say anything (demo mode, as no config path is given).
    package static let defaultValues = Settings(
        modelsConfigPath: nil, host: "127.0.0.1", port: 8080, endpointPrefix: "/api", logLevel: .info,
        logFormat: .plain, logFilename: nil, externalTimeout: 300, requestTimeout: 300, upstreamConnectTimeout: 10,
        upstreamFirstByteTimeout: 300, upstreamIdleTimeout: 120, headerReadTimeout: 10, keepAliveTimeout: 75,
        maxRequestBodySize: 10_485_760, maxBufferedBytes: 268_435_456, maxHeaderSize: 65_536, balanceStrategy: StrategyName.defaultName.rawValue, redisHost: nil,
        redisPort: 6379, redisDB: 0, redisPassword: nil, workers: onlineCPUs(), drainTimeout: 30)

    /// Reads `environment` (llm-router variable names), then `arguments` (the flags after the subcommand, as
    /// `--flag value` or `--flag=value`), later sources winning. An empty environment variable counts as unset.
    /// Every unknown flag or bad value is reported, one per line of the error, naming the flag or variable.
    package static func load(environment: [String: String], arguments: [String]) throws(SettingsError) -> Settings {
        var settings = defaultValues
        var errors: [String] = []
        var explicitlySet: Set<String> = []

        for option in options {
            guard let name = option.environment, let raw = environment[name], !raw.isEmpty else { continue }
            if let problem = option.apply(&settings, raw) {
                errors.append("\(name)=\(option.shown(raw)): \(problem)")
            } else {
                explicitlySet.insert(option.key)
            }
        }

        var position = 0
        while position < arguments.count {
            let argument = arguments[position]
            position += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                errors.append("unexpected argument \"\(argument)\"; flags look like --name value or --name=value")
                continue
            }
            let name: String
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
            }
            guard let option = options.first(where: { $0.flag == name }) else {
                errors.append("unknown flag \(name) (see `switchyard serve --help`)")
                continue
            }
            if value == nil {
                if option.isSwitch {
                    value = "true"
                } else if position < arguments.count, !arguments[position].hasPrefix("--") {
                    value = arguments[position]
                    position += 1
                } else {
                    errors.append("\(name) requires a value (\(option.valueName))")
                    continue
                }
            }
            if let problem = option.apply(&settings, value ?? "") {
                errors.append("\(name) \(option.shown(value ?? "")): \(problem)")
            } else {
                explicitlySet.insert(option.key)
            }
        }

        if !errors.isEmpty { throw SettingsError(message: errors.joined(separator: "\n")) }
        if !explicitlySet.contains("first-byte-timeout") { settings.upstreamFirstByteTimeout = settings.externalTimeout }
        if !explicitlySet.contains("request-timeout") || settings.requestTimeout == 0 { settings.requestTimeout = settings.externalTimeout }
        return settings
    }

    /// Online CPUs per sysconf(3) `_SC_NPROCESSORS_ONLN`, at least 1.
    package static func onlineCPUs() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// Minimum severity of log lines that are written.
package enum LogLevel: String, Sendable, Comparable, CaseIterable {
    /// Everything, including per-request detail.
    case debug
    /// Normal operation.
    case info
    /// Something unexpected that the router handled.
    case warning
    /// A request or component failed.
    case error

    /// Parses a level case-insensitively; accepts Python's spellings `WARN`, `CRITICAL` and `FATAL` too.
    package init?(parsing text: String) {
        switch text.trimmingASCIIWhitespace().lowercased() {
        case "debug", "trace": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error", "critical", "fatal": self = .error
        default: return nil
        }
    }

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    /// Orders by severity: debug < info < warning < error.
    package static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Shape of log lines.
package enum LogFormat: String, Sendable {
    /// Human-readable `key=value` lines.
    case plain
    /// One JSON object per line.
    case json
}

/// A setting that cannot be used; the message names the flag or environment variable.
package struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, one problem per line.
    package var message: String

    /// Creates an error with `message`.
    package init(message: String) { self.message = message }

    /// The message.
    package var description: String { message }
}

extension Settings: CustomStringConvertible {
    /// Every setting as `name=value`, one per line; the Redis password and the admin token show only whether they
    /// are set.
    package var description: String {
        [
            "modelsConfigPath=\(modelsConfigPath ?? "(none)")", "host=\(host)", "port=\(port)",
            "endpointPrefix=\(endpointPrefix)", "logLevel=\(logLevel.rawValue)", "logFormat=\(logFormat.rawValue)",
            "logFilename=\(logFilename ?? "(stderr)")", "externalTimeout=\(externalTimeout)", "requestTimeout=\(requestTimeout)",
            "upstreamConnectTimeout=\(upstreamConnectTimeout)", "upstreamFirstByteTimeout=\(upstreamFirstByteTimeout)",
            "upstreamIdleTimeout=\(upstreamIdleTimeout)", "upstreamClient=\(upstreamClient)", "upstreamCAFile=\(upstreamCAFile ?? "")", "headerReadTimeout=\(headerReadTimeout)",
            "keepAliveTimeout=\(keepAliveTimeout)", "maxRequestBodySize=\(maxRequestBodySize)", "maxBufferedBytes=\(maxBufferedBytes)",
            "maxHeaderSize=\(maxHeaderSize)", "balanceStrategy=\(balanceStrategy)",
            "redisHost=\(redisHost ?? "(none)")", "redisPort=\(redisPort)", "redisDB=\(redisDB)",
            "redisPassword=\(redisPassword == nil ? "(none)" : "(set)")", "redisURL=\(redisURL?.description ?? "(none)")",
            "adminToken=\(adminToken == nil ? "(none)" : "(set)")", "redisPrefix=\(redisPrefix)", "leaseSeconds=\(leaseSeconds)", "queueTimeout=\(queueTimeout)", "queueMax=\(queueMax)", "localRedis=\(localRedis)", "workers=\(workers)", "demo=\(demo)",
            "drainTimeout=\(drainTimeout)", "promptsDirectory=\(promptsDirectory ?? "(default)")",
            "defaultLanguage=\(defaultLanguage)", "builtinConcurrency=\(builtinConcurrency)", "builtinMaxTexts=\(builtinMaxTexts)",
            "usePrometheus=\(usePrometheus)", "authEnabled=\(authEnabled)", "authKeysFile=\(authKeysFile ?? "(none)")",
            "authPublicEndpoints=\(authPublicEndpoints.joined(separator: ","))",
        ].joined(separator: "\n")
    }
}

// MARK: - The option table: one entry per setting drives both the parser and `helpText`.

extension Settings {
    /// One setting: how it is spelled on the command line and in the environment, and how a value applies.
    struct Option: Sendable {
        /// Help sections, in display order.
        enum Group: String, CaseIterable, Sendable {
            case server = "Server"
            case upstream = "Upstream"
            case limits = "Limits"
            case builtin = "Builtin endpoints"
            case logging = "Logging"
            case cluster = "Cluster (Redis)"
            case access = "Access and metrics"
        }

        /// Stable identifier, used to know which settings were given explicitly.
        var key: String
        var flag: String?
        var environment: String?
        /// Placeholder for the value in help, e.g. `N` or `SECONDS`; `""` for a switch.
        var valueName: String
        var group: Group
        var defaultText: String
        var help: String
        /// How a raw value is quoted in an error; values that may hold a secret are redacted.
        var redact: (@Sendable (String) -> String)? = nil
        /// Applies a raw value; returns what is wrong with it, or nil when it applied.
        var apply: @Sendable (inout Settings, String) -> String?

        /// Whether the flag takes no value (`--flag` means true; `--flag=false` is accepted too).
        var isSwitch: Bool { valueName.isEmpty }

        /// `raw` as an error may show it.
        func shown(_ raw: String) -> String { redact?(raw) ?? raw }
    }

    /// Every setting, in help order. Environment variables are applied in this order too, which is why
    /// `LLM_ROUTER_IN_DEBUG` follows `LLM_ROUTER_LOG_LEVEL` and `LLM_ROUTER_LOG_TO_FILE` follows the file name.
    static let options: [Option] = [
        // Server
        Option(key: "config", flag: "--config", environment: "LLM_ROUTER_MODELS_CONFIG", valueName: "PATH",
               group: .server, defaultText: "none (demo)",
               help: "models config file: llm-router, LLMStream or SGLang format") { settings, value in
            settings.modelsConfigPath = value.trimmingASCIIWhitespace().isEmpty ? nil : value
            return nil
        },
        Option(key: "host", flag: "--host", environment: "LLM_ROUTER_SERVER_HOST", valueName: "ADDRESS",
               group: .server, defaultText: "127.0.0.1", help: "address to listen on") { settings, value in
            let host = value.trimmingASCIIWhitespace()
            guard !host.isEmpty else { return "expected an address" }
            settings.host = host
            return nil
        },
        Option(key: "port", flag: "--port", environment: "LLM_ROUTER_SERVER_PORT", valueName: "N",
               group: .server, defaultText: "8080", help: "port to listen on; 0 picks a free one") { settings, value in
            guard let port = integer(value, in: 0...65535) else { return "expected a port number in 0...65535" }
            settings.port = port
            return nil
        },
        Option(key: "prefix", flag: "--prefix", environment: "LLM_ROUTER_EP_PREFIX", valueName: "PATH",
               group: .server, defaultText: "/api", help: "path prefix of every route; \"\" for none") { settings, value in
            guard let prefix = normalizedPrefix(value) else { return "expected a path such as /api, without spaces, ? or #" }
            settings.endpointPrefix = prefix
            return nil
        },
        Option(key: "workers", flag: "--workers", environment: "LLM_ROUTER_SERVER_WORKERS_COUNT", valueName: "N",
               group: .server, defaultText: "online CPUs", help: "worker processes") { settings, value in
            guard let workers = integer(value, in: 1...4096) else { return "expected a whole number in 1...4096" }
            settings.workers = workers
            return nil
        },
        Option(key: "strategy", flag: "--strategy", environment: "LLM_ROUTER_BALANCE_STRATEGY", valueName: "NAME",
               group: .server, defaultText: "balanced",
               help: "load balancing (a model's \"strategy\" wins): \(StrategyName.validNames)") { settings, value in
            guard let name = StrategyName(parsing: value) else { return "unknown strategy; valid: \(StrategyName.validNames)" }
            settings.balanceStrategy = name.rawValue
            return nil
        },
        Option(key: "drain-timeout", flag: "--drain-timeout", environment: "LLM_ROUTER_DRAIN_TIMEOUT",
               valueName: "SECONDS", group: .server, defaultText: "30",
               help: "time in-flight requests get to finish on stop or reload") { settings, value in
            guard let seconds = seconds(value, allowZero: true) else { return "expected seconds >= 0" }
            settings.drainTimeout = seconds
            return nil
        },
        // Upstream
        Option(key: "timeout", flag: "--timeout", environment: "LLM_ROUTER_EXTERNAL_TIMEOUT", valueName: "SECONDS",
               group: .upstream, defaultText: "300", help: "total time for one upstream call") { settings, value in
            guard let seconds = seconds(value) else { return "expected seconds > 0" }
            settings.externalTimeout = seconds
            return nil
        },
        Option(key: "request-timeout", flag: "--request-timeout", environment: "LLM_ROUTER_TIMEOUT", valueName: "SECONDS",
               group: .upstream, defaultText: "= --timeout",
               help: "time to the first byte of an answer across all attempts and failovers (0 = --timeout)") { settings, value in
            guard let seconds = Double(value.trimmingASCIIWhitespace()), seconds >= 0, seconds.isFinite else { return "expected seconds >= 0" }
            settings.requestTimeout = seconds
            return nil
        },
        Option(key: "connect-timeout", flag: "--connect-timeout", environment: "LLM_ROUTER_UPSTREAM_CONNECT_TIMEOUT",
               valueName: "SECONDS", group: .upstream, defaultText: "10",
               help: "time to connect to an upstream") { settings, value in
            guard let seconds = seconds(value) else { return "expected seconds > 0" }
            settings.upstreamConnectTimeout = seconds
            return nil
        },
        Option(key: "first-byte-timeout", flag: "--first-byte-timeout",
               environment: "LLM_ROUTER_UPSTREAM_FIRST_BYTE_TIMEOUT", valueName: "SECONDS", group: .upstream,
               defaultText: "= --timeout", help: "time until an upstream's first response byte") { settings, value in
            guard let seconds = seconds(value) else { return "expected seconds > 0" }
            settings.upstreamFirstByteTimeout = seconds
            return nil
        },
        Option(key: "chunk-timeout", flag: "--chunk-timeout", environment: "LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT",
               valueName: "SECONDS", group: .upstream, defaultText: "120",
               help: "longest gap between upstream body chunks") { settings, value in
            guard let seconds = seconds(value) else { return "expected seconds > 0" }
            settings.upstreamIdleTimeout = seconds
            return nil
        },
        Option(key: "upstream-client", flag: "--upstream-client", environment: "LLM_ROUTER_UPSTREAM_CLIENT",
               valueName: "NAME", group: .upstream, defaultText: "auto",
               help: "auto: built-in HTTP/1.1 client for http:// upstreams at IP addresses or localhost, libcurl otherwise; curl: libcurl always") { settings, value in
            let name = value.trimmingASCIIWhitespace().lowercased()
            guard name == "auto" || name == "curl" else { return "expected auto or curl" }
            settings.upstreamClient = name
            return nil
        },
        Option(key: "upstream-ca-file", flag: "--upstream-ca-file", environment: "LLM_ROUTER_UPSTREAM_CA_FILE",
               valueName: "PATH", group: .upstream, defaultText: "system trust store",
               help: "PEM bundle of CAs trusted for https:// upstreams (private or self-signed model servers)") { settings, value in
            guard !value.isEmpty else { return "expected a file path" }
            settings.upstreamCAFile = value
            return nil
        },
        // Limits
        Option(key: "header-timeout", flag: "--header-timeout", environment: "LLM_ROUTER_HEADER_TIMEOUT",
               valueName: "SECONDS", group: .limits, defaultText: "10",
               help: "time a client gets to send its request head (slowloris guard)") { settings, value in
            guard let seconds = seconds(value) else { return "expected seconds > 0" }
            settings.headerReadTimeout = seconds
            return nil
        },
        Option(key: "keepalive-timeout", flag: "--keepalive-timeout", environment: "LLM_ROUTER_KEEPALIVE_TIMEOUT",
               valueName: "SECONDS", group: .limits, defaultText: "75",
               help: "idle time before closing a client connection; 0 closes after each response") { settings, value in
            guard let seconds = seconds(value, allowZero: true) else { return "expected seconds >= 0" }
            settings.keepAliveTimeout = seconds
            return nil
        },
        Option(key: "max-body-size", flag: "--max-body-size", environment: "LLM_ROUTER_MAX_REQUEST_BODY_SIZE",
               valueName: "BYTES", group: .limits, defaultText: "10485760",
               help: "largest request body accepted (413 beyond)") { settings, value in
            guard let bytes = integer(value, in: 1...Int.max) else { return "expected a whole number of bytes >= 1" }
            settings.maxRequestBodySize = bytes
            return nil
        },
        Option(key: "max-buffered-bytes", flag: "--max-buffered-bytes", environment: "LLM_ROUTER_MAX_BUFFERED_BYTES",
               valueName: "BYTES", group: .limits, defaultText: "268435456",
               help: "bytes a worker may hold for clients (buffered answers, pipelined input); 503 beyond; 0 = no cap") { settings, value in
            guard let bytes = integer(value, in: 0...Int.max) else { return "expected a whole number of bytes >= 0" }
            settings.maxBufferedBytes = bytes
            return nil
        },
        Option(key: "max-header-size", flag: "--max-header-size", environment: "LLM_ROUTER_MAX_HEADER_SIZE",
               valueName: "BYTES", group: .limits, defaultText: "65536",
               help: "largest request head accepted (431 beyond)") { settings, value in
            guard let bytes = integer(value, in: 1024...Int.max) else { return "expected a whole number of bytes >= 1024" }
            settings.maxHeaderSize = bytes
            return nil
        },
        // Builtin endpoints
        Option(key: "prompts-dir", flag: "--prompts-dir", environment: "LLM_ROUTER_PROMPTS_DIR", valueName: "PATH",
               group: .builtin, defaultText: "auto",
               help: "prompt library (<lang>/<name>.prompt); default: ../share/switchyard/prompts next to the executable if it exists, else ./resources/prompts") { settings, value in
            let path = value.trimmingASCIIWhitespace()
            guard !path.isEmpty else { return "expected a directory path" }
            settings.promptsDirectory = path
            return nil
        },
        Option(key: "default-language", flag: "--default-language", environment: "LLM_ROUTER_DEFAULT_EP_LANGUAGE",
               valueName: "LANG", group: .builtin, defaultText: "pl",
               help: "prompt language of builtin requests that name none; must exist in the prompt library") { settings, value in
            let language = value.trimmingASCIIWhitespace()
            guard !language.isEmpty, language.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                return "expected a language directory name such as pl or en (letters, digits, - and _)"
            }
            settings.defaultLanguage = language
            return nil
        },
        Option(key: "builtin-concurrency", flag: "--builtin-concurrency", environment: "LLM_ROUTER_BUILTIN_CONCURRENCY",
               valueName: "N", group: .builtin, defaultText: "8",
               help: "texts of one builtin request sent upstream at once") { settings, value in
            guard let count = integer(value, in: 1...Int.max) else { return "expected a whole number >= 1" }
            settings.builtinConcurrency = count
            return nil
        },
        Option(key: "builtin-max-texts", flag: "--builtin-max-texts", environment: "LLM_ROUTER_BUILTIN_MAX_TEXTS",
               valueName: "N", group: .builtin, defaultText: "64",
               help: "most texts one builtin request may carry (400 beyond)") { settings, value in
            guard let count = integer(value, in: 1...Int.max) else { return "expected a whole number >= 1" }
            settings.builtinMaxTexts = count
            return nil
        },
        // Logging
        Option(key: "log-level", flag: "--log-level", environment: "LLM_ROUTER_LOG_LEVEL", valueName: "LEVEL",
               group: .logging, defaultText: "info", help: "debug, info, warning or error") { settings, value in
            guard let level = LogLevel(parsing: value) else { return "expected debug, info, warning or error" }
            settings.logLevel = level
            return nil
        },
        Option(key: "in-debug", flag: nil, environment: "LLM_ROUTER_IN_DEBUG", valueName: "BOOL", group: .logging,
               defaultText: "false", help: "when true, forces log level debug (a --log-level flag still wins)") { settings, value in
            if truthy(value) { settings.logLevel = .debug }
            return nil
        },
        Option(key: "log-format", flag: "--log-format", environment: "LLM_ROUTER_LOG_FORMAT", valueName: "FORMAT",
               group: .logging, defaultText: "plain", help: "plain or json (one object per line)") { settings, value in
            guard let format = LogFormat(rawValue: value.trimmingASCIIWhitespace().lowercased()) else { return "expected plain or json" }
            settings.logFormat = format
            return nil
        },
        Option(key: "log-file", flag: "--log-file", environment: "LLM_ROUTER_LOG_FILENAME", valueName: "PATH",
               group: .logging, defaultText: "none", help: "also write logs to this file (stderr always gets them)") { settings, value in
            settings.logFilename = value.trimmingASCIIWhitespace().isEmpty ? nil : value
            return nil
        },
        Option(key: "log-to-file", flag: nil, environment: "LLM_ROUTER_LOG_TO_FILE", valueName: "BOOL",
               group: .logging, defaultText: "false",
               help: "llm-router compatibility: true logs to LLM_ROUTER_LOG_FILENAME or llm-router.log; false ignores that variable") { settings, value in
            if truthy(value) {
                if settings.logFilename == nil { settings.logFilename = "llm-router.log" }
            } else {
                settings.logFilename = nil
            }
            return nil
        },
        // Cluster
        Option(key: "redis-host", flag: "--redis-host", environment: "LLM_ROUTER_REDIS_HOST", valueName: "HOST",
               group: .cluster, defaultText: "none", help: "Redis shared by all workers and routers; none keeps state per process") { settings, value in
            let host = value.trimmingASCIIWhitespace()
            settings.redisHost = host.isEmpty ? nil : host
            return nil
        },
        Option(key: "redis-port", flag: "--redis-port", environment: "LLM_ROUTER_REDIS_PORT", valueName: "N",
               group: .cluster, defaultText: "6379", help: "Redis port") { settings, value in
            guard let port = integer(value, in: 1...65535) else { return "expected a port number in 1...65535" }
            settings.redisPort = port
            return nil
        },
        Option(key: "redis-db", flag: "--redis-db", environment: "LLM_ROUTER_REDIS_DB", valueName: "N",
               group: .cluster, defaultText: "0", help: "Redis database number") { settings, value in
            guard let db = integer(value, in: 0...Int(Int32.max)) else { return "expected a whole number >= 0" }
            settings.redisDB = db
            return nil
        },
        Option(key: "admin-token", flag: "--admin-token", environment: "LLM_ROUTER_ADMIN_TOKEN", valueName: "SECRET",
               group: .server, defaultText: "none (admin endpoints off)",
               help: "bearer token for /admin/* (prefer the variable: flags show in ps)",
               redact: { _ in "(redacted)" }) { settings, value in
            settings.adminToken = value.isEmpty ? nil : value
            return nil
        },
        Option(key: "redis-password", flag: nil, environment: "LLM_ROUTER_REDIS_PASSWORD", valueName: "SECRET",
               group: .cluster, defaultText: "none",
               help: "Redis password (environment only, so it never shows in ps)") { settings, value in
            settings.redisPassword = value
            return nil
        },
        Option(key: "redis-url", flag: "--redis-url", environment: "LLM_ROUTER_REDIS_URL", valueName: "URL",
               group: .cluster, defaultText: "none",
               help: "redis://[:password@]host[:port][/db] or unix:///path[?db=N]; wins over --redis-host/-port/-db (keep a password in the variable: flags show in ps)",
               redact: { RedisEndpoint.redacted($0) }) { settings, value in
            do throws(SettingsError) {
                settings.redisURL = try RedisEndpoint(url: value)
                return nil
            } catch {
                return error.message
            }
        },
        Option(key: "redis-prefix", flag: "--redis-prefix", environment: "LLM_ROUTER_REDIS_PREFIX", valueName: "TEXT",
               group: .cluster, defaultText: "switchyard:",
               help: "prefix of every Redis key, so several routers can share one Redis") { settings, value in
            guard !value.isEmpty, !value.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) else {
                return "expected a key prefix without spaces, control characters or braces, such as switchyard:"
            }
            settings.redisPrefix = value
            return nil
        },
        Option(key: "lease-seconds", flag: "--lease-seconds", environment: "LLM_ROUTER_LEASE_SECONDS", valueName: "SECONDS",
               group: .cluster, defaultText: "30",
               help: "lifetime of an unrenewed hold in Redis: a vanished router's in-flight leases and slots free themselves within it") { settings, value in
            guard let seconds = seconds(value), seconds >= 1 else { return "expected a number of seconds >= 1" }
            settings.leaseSeconds = seconds
            return nil
        },
        Option(key: "queue-timeout", flag: "--queue-timeout", environment: "LLM_ROUTER_QUEUE_TIMEOUT", valueName: "SECONDS",
               group: .cluster, defaultText: "60",
               help: "how long a request waits in its model's queue for a free provider before 503 (0: never wait)") { settings, value in
            guard let seconds = seconds(value, allowZero: true) else { return "expected a number of seconds >= 0" }
            settings.queueTimeout = seconds
            return nil
        },
        Option(key: "local-redis", flag: "--local-redis", environment: "LLM_ROUTER_LOCAL_REDIS", valueName: "auto|off",
               group: .cluster, defaultText: "auto",
               help: "without a configured Redis, run a private redis-server on a Unix socket so several workers act as one router") { settings, value in
            switch value.trimmingASCIIWhitespace().lowercased() {
            case "auto", "on", "true", "1", "yes": settings.localRedis = true
            case "off", "false", "0", "no": settings.localRedis = false
            default: return "expected auto or off"
            }
            return nil
        },
        Option(key: "queue-max", flag: "--queue-max", environment: "LLM_ROUTER_QUEUE_MAX", valueName: "N",
               group: .cluster, defaultText: "1000",
               help: "most requests waiting in one model's queue; beyond it 429 with Retry-After") { settings, value in
            guard let count = integer(value, in: 1...10_000_000) else { return "expected a whole number from 1 to 10000000" }
            settings.queueMax = count
            return nil
        },
        // Access and metrics (issue 11) — one block, to ease merging
        Option(key: "auth-enabled", flag: "--auth-enabled", environment: "LLM_ROUTER_AUTH_ENABLED", valueName: "BOOL",
               group: .access, defaultText: "false",
               help: "require a client key (Authorization: Bearer KEY or x-api-key: KEY) from --auth-keys-file on every non-public path") { settings, value in
            guard let enabled = strictBool(value) else { return "expected true or false" }
            settings.authEnabled = enabled
            return nil
        },
        Option(key: "auth-keys-file", flag: "--auth-keys-file", environment: "LLM_ROUTER_AUTH_KEYS_FILE", valueName: "PATH",
               group: .access, defaultText: "none",
               help: "client keys: {\"<key id>\": {\"sha256\": \"<hex>\", \"rpm\": N, \"models\": [...]}}; reloaded on HUP") { settings, value in
            let path = value.trimmingASCIIWhitespace()
            settings.authKeysFile = path.isEmpty ? nil : path
            return nil
        },
        Option(key: "auth-public-endpoints", flag: "--auth-public-endpoints", environment: "LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS", valueName: "PATHS",
               group: .access, defaultText: "/health,/metrics",
               help: "comma-separated paths served without a client key") { settings, value in
            let paths = value.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            guard paths.allSatisfy({ $0.hasPrefix("/") }) else { return "expected paths starting with /, separated by commas" }
            settings.authPublicEndpoints = paths
            return nil
        },
        Option(key: "use-prometheus", flag: "--use-prometheus", environment: "LLM_ROUTER_USE_PROMETHEUS", valueName: "BOOL",
               group: .access, defaultText: "true",
               help: "serve GET /metrics (one scrape returns the whole instance); false answers 404 there") { settings, value in
            guard let enabled = strictBool(value) else { return "expected true or false" }
            settings.usePrometheus = enabled
            return nil
        },
    ]

    // MARK: value parsers

    /// `"1"`, `"true"`, `"yes"`, `"on"` (any case) are true; everything else is false.
    static func truthy(_ text: String) -> Bool {
        ["1", "true", "yes", "on"].contains(text.trimmingASCIIWhitespace().lowercased())
    }

    /// Like `truthy`, but only `"0"`, `"false"`, `"no"`, `"off"` are false and anything else is nil.
    static func strictBool(_ text: String) -> Bool? {
        let lowered = text.trimmingASCIIWhitespace().lowercased()
        if ["1", "true", "yes", "on"].contains(lowered) { return true }
        if ["0", "false", "no", "off"].contains(lowered) { return false }
        return nil
    }

    static func integer(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text.trimmingASCIIWhitespace()), range.contains(value) else { return nil }
        return value
    }

    static func seconds(_ text: String, allowZero: Bool = false) -> Double? {
        guard let value = Double(text.trimmingASCIIWhitespace()), value.isFinite,
              allowZero ? value >= 0 : value > 0
        else { return nil }
        return value
    }

    /// `api` -> `/api`, `/api/` -> `/api`, `//v1` -> `/v1`, `/` and `""` -> `""`; nil when the text cannot be a path prefix.
    static func normalizedPrefix(_ text: String) -> String? {
        var prefix = text.trimmingASCIIWhitespace()
        guard !prefix.contains(where: { $0 == " " || $0 == "\t" || $0 == "?" || $0 == "#" }) else { return nil }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        return prefix.isEmpty ? "" : "/" + prefix
    }
}
