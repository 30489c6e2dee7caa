import Testing
@testable import SwitchyardCore

/// Loads settings, failing the test with the message when they do not load.
private func load(
    _ environment: [String: String] = [:], _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) throws -> Settings {
    do {
        return try Settings.load(environment: environment, arguments: arguments)
    } catch {
        Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The error message `environment` and `arguments` produce, or nil when they load.
private func failure(_ environment: [String: String] = [:], _ arguments: [String] = []) -> String? {
    do {
        _ = try Settings.load(environment: environment, arguments: arguments)
        return nil
    } catch {
        return error.message
    }
}

@Suite("Settings")
struct SettingsTests {
    @Test("with nothing set, the documented defaults apply and demo mode is on")
    func defaults() throws {
        let settings = try load()
        #expect(settings.modelsConfigPath == nil)
        #expect(settings.demo)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.endpointPrefix == "/api")
        #expect(settings.logLevel == .info)
        #expect(settings.logFormat == .plain)
        #expect(settings.logFilename == nil)
        #expect(settings.externalTimeout == 300)
        #expect(settings.upstreamConnectTimeout == 10)
        #expect(settings.upstreamFirstByteTimeout == 300)
        #expect(settings.upstreamIdleTimeout == 120)
        #expect(settings.headerReadTimeout == 10)
        #expect(settings.keepAliveTimeout == 75)
        #expect(settings.maxRequestBodySize == 10_485_760)
        #expect(settings.maxHeaderSize == 65_536)
        #expect(settings.balanceStrategy == "balanced")
        #expect(settings.redisHost == nil)
        #expect(settings.redisPort == 6379)
        #expect(settings.redisDB == 0)
        #expect(settings.redisPassword == nil)
        #expect(settings.workers == Settings.onlineCPUs())
        #expect(settings.workers >= 1)
        #expect(settings.drainTimeout == 30)
        #expect(settings.promptsDirectory == nil)
        #expect(settings.defaultLanguage == "pl")
        #expect(settings.builtinConcurrency == 8)
        #expect(settings.builtinMaxTexts == 64)
        #expect(settings == Settings.defaultValues)
    }

    @Test("llm-router environment variables override the defaults")
    func environmentOverrides() throws {
        let settings = try load([
            "LLM_ROUTER_MODELS_CONFIG": "/etc/models.json", "LLM_ROUTER_SERVER_HOST": "0.0.0.0",
            "LLM_ROUTER_SERVER_PORT": "9000", "LLM_ROUTER_EP_PREFIX": "/v2/", "LLM_ROUTER_LOG_LEVEL": "WARN",
            "LLM_ROUTER_LOG_FORMAT": "JSON", "LLM_ROUTER_LOG_FILENAME": "/var/log/sy.log",
            "LLM_ROUTER_EXTERNAL_TIMEOUT": "60", "LLM_ROUTER_UPSTREAM_CONNECT_TIMEOUT": "2.5",
            "LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT": "30", "LLM_ROUTER_HEADER_TIMEOUT": "5",
            "LLM_ROUTER_KEEPALIVE_TIMEOUT": "0", "LLM_ROUTER_MAX_REQUEST_BODY_SIZE": "1024",
            "LLM_ROUTER_MAX_HEADER_SIZE": "8192", "LLM_ROUTER_BALANCE_STRATEGY": "first_available",
            "LLM_ROUTER_REDIS_HOST": "redis", "LLM_ROUTER_REDIS_PORT": "6380", "LLM_ROUTER_REDIS_DB": "3",
            "LLM_ROUTER_REDIS_PASSWORD": "hunter2", "LLM_ROUTER_SERVER_WORKERS_COUNT": "7",
            "LLM_ROUTER_DRAIN_TIMEOUT": "12",
        ])
        #expect(settings.modelsConfigPath == "/etc/models.json")
        #expect(!settings.demo)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.port == 9000)
        #expect(settings.endpointPrefix == "/v2")
        #expect(settings.logLevel == .warning)
        #expect(settings.logFormat == .json)
        #expect(settings.logFilename == "/var/log/sy.log")
        #expect(settings.externalTimeout == 60)
        #expect(settings.upstreamFirstByteTimeout == 60)  // follows the total timeout unless set
        #expect(settings.upstreamConnectTimeout == 2.5)
        #expect(settings.upstreamIdleTimeout == 30)
        #expect(settings.headerReadTimeout == 5)
        #expect(settings.keepAliveTimeout == 0)
        #expect(settings.maxRequestBodySize == 1024)
        #expect(settings.maxHeaderSize == 8192)
        #expect(settings.balanceStrategy == "first_available")
        #expect(settings.redisHost == "redis")
        #expect(settings.redisPort == 6380)
        #expect(settings.redisDB == 3)
        #expect(settings.redisPassword == "hunter2")
        #expect(settings.workers == 7)
        #expect(settings.drainTimeout == 12)
    }

    @Test("the prompt library and builtin endpoint settings come from llm-router's variables or their flags")
    func builtinEndpointSettings() throws {
        let fromEnvironment = try load([
            "LLM_ROUTER_PROMPTS_DIR": "/etc/switchyard/prompts", "LLM_ROUTER_DEFAULT_EP_LANGUAGE": "en",
            "LLM_ROUTER_BUILTIN_CONCURRENCY": "3", "LLM_ROUTER_BUILTIN_MAX_TEXTS": "10",
        ])
        #expect(fromEnvironment.promptsDirectory == "/etc/switchyard/prompts")
        #expect(fromEnvironment.defaultLanguage == "en")
        #expect(fromEnvironment.builtinConcurrency == 3)
        #expect(fromEnvironment.builtinMaxTexts == 10)

        let fromFlags = try load(["LLM_ROUTER_DEFAULT_EP_LANGUAGE": "en"], [
            "--prompts-dir", "prompts", "--default-language=pt-BR", "--builtin-concurrency", "1", "--builtin-max-texts=1",
        ])
        #expect(fromFlags.promptsDirectory == "prompts")
        #expect(fromFlags.defaultLanguage == "pt-BR")
        #expect(fromFlags.builtinConcurrency == 1)
        #expect(fromFlags.builtinMaxTexts == 1)
        #expect(fromFlags.description.contains("defaultLanguage=pt-BR"))
    }

    @Test("a builtin setting out of range, or a language that cannot be a directory name, is an error naming it", arguments: [
        (["LLM_ROUTER_BUILTIN_CONCURRENCY": "0"], [String](), "LLM_ROUTER_BUILTIN_CONCURRENCY"),
        (["LLM_ROUTER_BUILTIN_MAX_TEXTS": "many"], [], "LLM_ROUTER_BUILTIN_MAX_TEXTS"),
        ([:], ["--builtin-max-texts=-1"], "--builtin-max-texts"),
        (["LLM_ROUTER_DEFAULT_EP_LANGUAGE": "../etc"], [], "LLM_ROUTER_DEFAULT_EP_LANGUAGE"),
        ([:], ["--default-language", "p l"], "--default-language"),
        ([:], ["--prompts-dir="], "--prompts-dir"),
    ])
    func badBuiltinSettings(environment: [String: String], arguments: [String], named: String) {
        #expect(failure(environment, arguments)?.contains(named) == true)
    }

    @Test("a flag beats the environment variable for the same setting")
    func flagBeatsEnvironment() throws {
        let settings = try load(
            ["LLM_ROUTER_SERVER_PORT": "9000", "LLM_ROUTER_SERVER_HOST": "0.0.0.0", "LLM_ROUTER_BALANCE_STRATEGY": "random"],
            ["--port", "9100", "--strategy", "round_robin"])
        #expect(settings.port == 9100)
        #expect(settings.balanceStrategy == "round_robin")
        #expect(settings.host == "0.0.0.0")
    }

    @Test("flags accept the --flag=value form, including empty values")
    func equalsForm() throws {
        let settings = try load([:], [
            "--config=/tmp/m.json", "--port=0", "--prefix=", "--timeout=100", "--first-byte-timeout=20",
            "--log-level=debug", "--redis-host=r1", "--workers=2",
        ])
        #expect(settings.modelsConfigPath == "/tmp/m.json")
        #expect(settings.port == 0)
        #expect(settings.endpointPrefix == "")
        #expect(settings.externalTimeout == 100)
        #expect(settings.upstreamFirstByteTimeout == 20)
        #expect(settings.logLevel == .debug)
        #expect(settings.redisHost == "r1")
        #expect(settings.workers == 2)
    }

    @Test("a bad port is an error naming the variable or the flag", arguments: [
        ([("LLM_ROUTER_SERVER_PORT", "http")], [String](), "LLM_ROUTER_SERVER_PORT"),
        ([], ["--port", "70000"], "--port"),
        ([], ["--port=-1"], "--port"),
        ([("LLM_ROUTER_REDIS_PORT", "0")], [], "LLM_ROUTER_REDIS_PORT"),
    ])
    func badPort(environment: [(String, String)], arguments: [String], named: String) {
        let message = failure(Dictionary(uniqueKeysWithValues: environment), arguments)
        #expect(message?.contains(named) == true)
        #expect(message?.contains("port") == true)
    }

    @Test("every bad flag and value is reported, each on its own line")
    func errorsCollected() {
        let message = failure(["LLM_ROUTER_LOG_LEVEL": "loud"], ["--bogus", "--workers", "0", "--timeout", "--strategy", "fast", "stray"])
        let lines = message?.split(separator: "\n").map(String.init) ?? []
        #expect(lines.count == 6)
        #expect(lines.contains { $0.hasPrefix("LLM_ROUTER_LOG_LEVEL=loud") })
        #expect(lines.contains { $0.contains("unknown flag --bogus") })
        #expect(lines.contains { $0.hasPrefix("--workers 0") })
        #expect(lines.contains { $0.contains("--timeout requires a value") })
        #expect(lines.contains { $0.hasPrefix("--strategy fast") && $0.contains("first_available_optim_nworkers") })
        #expect(lines.contains { $0.contains("\"stray\"") })
    }

    @Test("the strategy defaults to balanced and is stored in its canonical spelling")
    func strategyNames() throws {
        #expect(try load([:]).balanceStrategy == "balanced")
        #expect(try load(["LLM_ROUTER_BALANCE_STRATEGY": "Least_Connection"]).balanceStrategy == "least_connection")
        #expect(try load([:], ["--strategy", "real_time_metrics"]).balanceStrategy == "real_time_metrics")
    }

    @Test("an unknown strategy is a settings error listing every valid name", arguments: [
        (["LLM_ROUTER_BALANCE_STRATEGY": "metrics"], [String](), "LLM_ROUTER_BALANCE_STRATEGY=metrics"),
        ([:], ["--strategy", "fastest"], "--strategy fastest"),
    ])
    func unknownStrategy(environment: [String: String], arguments: [String], named: String) {
        let message = failure(environment, arguments)
        #expect(message?.hasPrefix(named) == true, "\(message ?? "loaded")")
        #expect(message?.contains(StrategyName.validNames) == true)
    }

    @Test("LLM_ROUTER_IN_DEBUG forces debug over LLM_ROUTER_LOG_LEVEL, but not over --log-level")
    func inDebugForcesDebug() throws {
        #expect(try load(["LLM_ROUTER_LOG_LEVEL": "error", "LLM_ROUTER_IN_DEBUG": "True"]).logLevel == .debug)
        #expect(try load(["LLM_ROUTER_LOG_LEVEL": "error", "LLM_ROUTER_IN_DEBUG": "0"]).logLevel == .error)
        #expect(try load(["LLM_ROUTER_IN_DEBUG": "yes"], ["--log-level", "warning"]).logLevel == .warning)
    }

    @Test("booleans from the environment are true for 1, true, yes and on in any case", arguments: [
        ("1", true), ("TRUE", true), ("Yes", true), ("on", true), ("0", false), ("false", false), ("nope", false),
    ])
    func environmentBooleans(text: String, expected: Bool) throws {
        #expect(try load(["LLM_ROUTER_IN_DEBUG": text]).logLevel == (expected ? .debug : .info))
    }

    @Test("the endpoint prefix is normalised to a leading slash and no trailing slash", arguments: [
        ("/api", "/api"), ("api", "/api"), ("/api/", "/api"), ("/", ""), ("", "/api"), ("//v1//", "/v1"),
        (" /a/b/ ", "/a/b"),
    ])
    func prefixNormalisation(input: String, expected: String) throws {
        // An empty environment variable counts as unset, so "" keeps the default; the flag form sets "" itself.
        #expect(try load(["LLM_ROUTER_EP_PREFIX": input]).endpointPrefix == expected)
        #expect(try load([:], ["--prefix=\(input)"]).endpointPrefix == (input.isEmpty ? "" : expected))
    }

    @Test("a prefix with a query or spaces inside is rejected")
    func badPrefix() {
        #expect(failure([:], ["--prefix", "/a b"])?.contains("--prefix") == true)
        #expect(failure(["LLM_ROUTER_EP_PREFIX": "/api?x"])?.contains("LLM_ROUTER_EP_PREFIX") == true)
    }

    @Test("LLM_ROUTER_LOG_TO_FILE without a file name logs to llm-router.log; false ignores the file name")
    func logToFile() throws {
        #expect(try load(["LLM_ROUTER_LOG_TO_FILE": "true"]).logFilename == "llm-router.log")
        #expect(try load(["LLM_ROUTER_LOG_TO_FILE": "true", "LLM_ROUTER_LOG_FILENAME": "x.log"]).logFilename == "x.log")
        #expect(try load(["LLM_ROUTER_LOG_TO_FILE": "false", "LLM_ROUTER_LOG_FILENAME": "x.log"]).logFilename == nil)
        #expect(try load(["LLM_ROUTER_LOG_TO_FILE": "false"], ["--log-file", "y.log"]).logFilename == "y.log")
    }

    @Test("an empty LLM_ROUTER_REDIS_HOST means no Redis, as in llm-router")
    func emptyRedisHost() throws {
        #expect(try load(["LLM_ROUTER_REDIS_HOST": ""]).redisHost == nil)
        #expect(try load([:], ["--redis-host="]).redisHost == nil)
    }

    @Test("without Redis settings there is no Redis endpoint and the key prefix is switchyard:")
    func noRedis() throws {
        let settings = try load()
        #expect(settings.redisURL == nil)
        #expect(settings.redisEndpoint == nil)
        #expect(settings.redisPrefix == "switchyard:")
    }

    @Test("host, port, database and password make the endpoint when no URL is given")
    func redisEndpointFromParts() throws {
        let settings = try load([
            "LLM_ROUTER_REDIS_HOST": "redis", "LLM_ROUTER_REDIS_PORT": "6380", "LLM_ROUTER_REDIS_DB": "3",
            "LLM_ROUTER_REDIS_PASSWORD": "hunter2",
        ])
        #expect(settings.redisEndpoint == RedisEndpoint(address: .tcp(host: "redis", port: 6380), password: "hunter2", database: 3))
    }

    @Test("LLM_ROUTER_REDIS_URL wins over host, port and database; LLM_ROUTER_REDIS_PASSWORD fills a URL without one")
    func redisURLWins() throws {
        let parts = ["LLM_ROUTER_REDIS_HOST": "other", "LLM_ROUTER_REDIS_PORT": "1", "LLM_ROUTER_REDIS_DB": "9"]
        let plain = try load(parts.merging(["LLM_ROUTER_REDIS_URL": "redis://r:6390/2", "LLM_ROUTER_REDIS_PASSWORD": "env"]) { $1 })
        #expect(plain.redisEndpoint == RedisEndpoint(address: .tcp(host: "r", port: 6390), password: "env", database: 2))
        let own = try load(["LLM_ROUTER_REDIS_URL": "redis://:url@r", "LLM_ROUTER_REDIS_PASSWORD": "env"])
        #expect(own.redisEndpoint?.password == "url")
        let flag = try load(["LLM_ROUTER_REDIS_URL": "redis://a"], ["--redis-url", "unix:///tmp/r.sock?db=1"])
        #expect(flag.redisEndpoint == RedisEndpoint(address: .unix(path: "/tmp/r.sock"), database: 1))
    }

    @Test("a bad Redis URL is a settings error that names the variable or flag and hides the password", arguments: [
        (["LLM_ROUTER_REDIS_URL": "http://:hunter2@r"], [String](), "LLM_ROUTER_REDIS_URL"),
        ([:], ["--redis-url", "redis://:hunter2@r:0"], "--redis-url"),
        ([:], ["--redis-url=rediss://:hunter2@r"], "--redis-url"),
    ])
    func badRedisURL(environment: [String: String], arguments: [String], named: String) {
        let message = failure(environment, arguments)
        #expect(message?.contains(named) == true, "\(message ?? "loaded")")
        #expect(message?.contains("hunter2") == false)
        #expect(message?.contains("***") == true)
    }

    @Test("the Redis key prefix is taken as given, and refused with spaces or braces", arguments: [
        ("team-a:", true), ("sy/", true), ("a b", false), ("{x}", false), ("x}", false),
    ])
    func redisPrefix(prefix: String, valid: Bool) {
        if valid {
            #expect((try? Settings.load(environment: ["LLM_ROUTER_REDIS_PREFIX": prefix], arguments: []))?.redisPrefix == prefix)
            #expect((try? Settings.load(environment: [:], arguments: ["--redis-prefix", prefix]))?.redisPrefix == prefix)
        } else {
            #expect(failure(["LLM_ROUTER_REDIS_PREFIX": prefix])?.contains("LLM_ROUTER_REDIS_PREFIX") == true)
        }
        #expect(failure([:], ["--redis-prefix="])?.contains("--redis-prefix") == true)
    }

    @Test("the lease lifetime defaults to 30 seconds, is read from LLM_ROUTER_LEASE_SECONDS or --lease-seconds, and must be at least 1")
    func leaseSeconds() throws {
        #expect(try load([:]).leaseSeconds == 30)
        #expect(try load(["LLM_ROUTER_LEASE_SECONDS": "12"]).leaseSeconds == 12)
        #expect((try? Settings.load(environment: [:], arguments: ["--lease-seconds", "5"]))?.leaseSeconds == 5)
        #expect(failure(["LLM_ROUTER_LEASE_SECONDS": "0.5"])?.contains("LLM_ROUTER_LEASE_SECONDS") == true)
        #expect(failure([:], ["--lease-seconds=abc"])?.contains("--lease-seconds") == true)
    }

    @Test("the settings description shows the Redis URL with its password masked")
    func redisDescription() throws {
        let settings = try load(["LLM_ROUTER_REDIS_URL": "redis://:hunter2@r:6390/2"])
        #expect(!settings.description.contains("hunter2"))
        #expect(settings.description.contains("redisURL=redis://:***@r:6390/2"))
        #expect(settings.description.contains("redisPrefix=switchyard:"))
    }

    @Test("the admin token comes from the variable or the flag and is never shown by the description, help or errors")
    func adminToken() throws {
        #expect(try load([:]).adminToken == nil)
        #expect(try load(["LLM_ROUTER_ADMIN_TOKEN": "s3cret-admin"]).adminToken == "s3cret-admin")
        let fromFlag = try load([:], ["--admin-token", "s3cret-admin"])
        #expect(fromFlag.adminToken == "s3cret-admin")
        #expect(!fromFlag.description.contains("s3cret-admin"))
        #expect(fromFlag.description.contains("adminToken=(set)"))
        #expect(!Settings.helpText.contains("s3cret-admin"))
        #expect(Settings.helpText.contains("LLM_ROUTER_ADMIN_TOKEN"))
    }

    @Test("demo mode is exactly the absence of a models config; there is no --demo flag")
    func demoMode() throws {
        #expect(try load([:], ["--config", "m.json"]).demo == false)
        #expect(try load([:], []).demo == true)
        #expect(failure([:], ["--demo"]) != nil)
    }

    @Test("help text mentions every environment variable and flag, and never the password")
    func helpText() throws {
        let help = Settings.helpText
        let variables = [
            "LLM_ROUTER_MODELS_CONFIG", "LLM_ROUTER_SERVER_HOST", "LLM_ROUTER_SERVER_PORT", "LLM_ROUTER_EP_PREFIX",
            "LLM_ROUTER_LOG_LEVEL", "LLM_ROUTER_IN_DEBUG", "LLM_ROUTER_LOG_FORMAT", "LLM_ROUTER_LOG_FILENAME",
            "LLM_ROUTER_LOG_TO_FILE", "LLM_ROUTER_EXTERNAL_TIMEOUT", "LLM_ROUTER_UPSTREAM_CONNECT_TIMEOUT",
            "LLM_ROUTER_UPSTREAM_FIRST_BYTE_TIMEOUT", "LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT", "LLM_ROUTER_HEADER_TIMEOUT",
            "LLM_ROUTER_KEEPALIVE_TIMEOUT", "LLM_ROUTER_MAX_REQUEST_BODY_SIZE", "LLM_ROUTER_MAX_HEADER_SIZE",
            "LLM_ROUTER_BALANCE_STRATEGY", "LLM_ROUTER_REDIS_HOST", "LLM_ROUTER_REDIS_PORT", "LLM_ROUTER_REDIS_DB",
            "LLM_ROUTER_REDIS_PASSWORD", "LLM_ROUTER_SERVER_WORKERS_COUNT", "LLM_ROUTER_DRAIN_TIMEOUT",
            "LLM_ROUTER_TIMEOUT", "LLM_ROUTER_MAX_BUFFERED_BYTES", "LLM_ROUTER_PROMPTS_DIR",
            "LLM_ROUTER_DEFAULT_EP_LANGUAGE", "LLM_ROUTER_BUILTIN_CONCURRENCY", "LLM_ROUTER_BUILTIN_MAX_TEXTS",
            "LLM_ROUTER_REDIS_URL", "LLM_ROUTER_REDIS_PREFIX", "LLM_ROUTER_LEASE_SECONDS",
        ]
        for variable in variables {
            #expect(help.contains(variable), "help does not mention \(variable)")
        }
        let flags = [
            "--config", "--host", "--port", "--prefix", "--workers", "--strategy", "--drain-timeout",
            "--timeout", "--connect-timeout", "--first-byte-timeout", "--chunk-timeout", "--header-timeout",
            "--keepalive-timeout", "--max-body-size", "--max-header-size", "--log-level", "--log-format",
            "--log-file", "--redis-host", "--redis-port", "--redis-db", "--request-timeout", "--max-buffered-bytes",
            "--prompts-dir", "--default-language", "--builtin-concurrency", "--builtin-max-texts",
            "--redis-url", "--redis-prefix", "--lease-seconds",
        ]
        for flag in flags {
            #expect(help.contains(flag + " ") || help.contains(flag + "\n"), "help does not mention \(flag)")
            // Every flag the help shows is one the parser accepts.
            #expect(!(failure([:], [flag + "=1"])?.contains("unknown flag") ?? false), "\(flag) is not accepted")
        }
        for heading in ["Server:", "Upstream:", "Limits:", "Builtin endpoints:", "Logging:", "Cluster (Redis):"] {
            #expect(help.contains("\n\(heading)\n"))
        }
        let settings = try load(["LLM_ROUTER_REDIS_PASSWORD": "hunter2"])
        #expect(!settings.description.contains("hunter2"))
        #expect(settings.description.contains("redisPassword=(set)"))
    }

    @Test("log levels parse case-insensitively and order by severity")
    func logLevels() {
        #expect(LogLevel(parsing: "WARN") == .warning)
        #expect(LogLevel(parsing: "Info") == .info)
        #expect(LogLevel(parsing: "CRITICAL") == .error)
        #expect(LogLevel(parsing: "loud") == nil)
        #expect(LogLevel.allCases.sorted() == [.debug, .info, .warning, .error])
        #expect(LogLevel.debug < .error)
    }

    @Test("LLM_ROUTER_TIMEOUT is the request budget; unset or 0 means the external timeout")
    func requestBudget() throws {
        #expect(try load(["LLM_ROUTER_EXTERNAL_TIMEOUT": "120"]).requestTimeout == 120)
        #expect(try load(["LLM_ROUTER_EXTERNAL_TIMEOUT": "120", "LLM_ROUTER_TIMEOUT": "0"]).requestTimeout == 120)
        #expect(try load(["LLM_ROUTER_TIMEOUT": "45"]).requestTimeout == 45)
        #expect(try load([:], ["--request-timeout", "7.5"]).requestTimeout == 7.5)
        #expect(failure(["LLM_ROUTER_TIMEOUT": "-1"])?.contains("LLM_ROUTER_TIMEOUT") == true)
    }

    @Test("LLM_ROUTER_MAX_BUFFERED_BYTES caps buffered bytes per worker; 0 turns the cap off")
    func bufferedBytes() throws {
        #expect(try load([:]).maxBufferedBytes == 268_435_456)
        #expect(try load(["LLM_ROUTER_MAX_BUFFERED_BYTES": "0"]).maxBufferedBytes == 0)
        #expect(failure(["LLM_ROUTER_MAX_BUFFERED_BYTES": "lots"])?.contains("LLM_ROUTER_MAX_BUFFERED_BYTES") == true)
    }

    @Test("client keys and the Prometheus switch use llm-router's variables, with flags")
    func accessAndMetrics() throws {
        let defaults = try load()
        #expect(defaults.authEnabled == false && defaults.authKeysFile == nil && defaults.usePrometheus)
        #expect(defaults.authPublicEndpoints == ["/health", "/metrics"])
        let set = try load(["LLM_ROUTER_AUTH_ENABLED": "true", "LLM_ROUTER_AUTH_KEYS_FILE": "/etc/keys.json",
                            "LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS": "/health, /ping", "LLM_ROUTER_USE_PROMETHEUS": "False"])
        #expect(set.authEnabled && set.authKeysFile == "/etc/keys.json" && !set.usePrometheus)
        #expect(set.authPublicEndpoints == ["/health", "/ping"])
        #expect(try load([:], ["--auth-enabled", "true", "--use-prometheus=false"]).authEnabled)
        #expect(failure(["LLM_ROUTER_AUTH_ENABLED": "maybe"])?.contains("LLM_ROUTER_AUTH_ENABLED") == true)
        #expect(failure(["LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS": "health"])?.contains("LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS") == true)
    }
}
