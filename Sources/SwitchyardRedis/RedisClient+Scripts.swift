import SwitchyardCore
import SwitchyardIO

extension RedisClient {
    /// Remembers `script`, so that it is loaded (`SCRIPT LOAD`) on every connection from the next one on.
    /// ``evaluate(_:keys:arguments:completion:)`` registers its script itself; registering up front saves the
    /// `NOSCRIPT` round trip of the first call.
    package func register(_ script: RedisScript) {
        // A few scripts per client: comparing is cheaper than hashing the 40-byte SHA-1 on every call.
        if scripts.contains(where: { $0.sha1 == script.sha1 }) { return }
        scripts.append(script)
    }

    /// Runs `script` with `EVALSHA`. When Redis does not have it (`NOSCRIPT`: a restart, a failover, `SCRIPT
    /// FLUSH`), sends `SCRIPT LOAD` and the `EVALSHA` again, pipelined, once; if the load fails, its error reply is
    /// the result. Scripts are loaded again on every reconnection.
    ///
    /// `keys` are the script's `KEYS` (all in one hash slot, see ``RedisKeys``), `arguments` its `ARGV`.
    package func evaluate(
        _ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument], completion: @escaping Completion
    ) {
        register(script)
        evaluateLoadingOnce(script, completion: completion) { [weak self] sent in
            self?.sendEvaluation(script, keys: keys, arguments: arguments, completion: sent)
        }
    }

    /// Sends an evaluation of `script` with `send`; when Redis answers `NOSCRIPT`, sends `SCRIPT LOAD` and the
    /// evaluation again, pipelined, once — the load's error reply being the result if it fails.
    private func evaluateLoadingOnce(_ script: RedisScript, completion: @escaping Completion, _ send: @escaping (@escaping Completion) -> Void) {
        send { [weak self] result in
            guard let self, case .success(let reply) = result, reply.isNoScript else {
                completion(result)
                return
            }
            self.statistics.scriptReloads += 1
            var loadError: String?
            self.beginCommand()
            for word in ["SCRIPT", "LOAD", script.source] { self.appendArgument(word) }
            self.sendBuiltCommand { result in
                if case .success(.error(let message)) = result { loadError = message }
            }
            send { result in completion(loadError.map { .success(.error($0)) } ?? result) }
        }
    }

    private func sendEvaluation(
        _ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument], completion: @escaping Completion
    ) {
        beginCommand()
        appendArgument("EVALSHA")
        appendArgument(script.sha1)
        appendArgument(keys.count)
        for key in keys { appendArgument(key) }
        for argument in arguments { appendArgument(argument) }
        sendBuiltCommand(completion)
    }

    /// A prepared call of `script` on `keys` (see ``RedisPreparedCall``); registers the script.
    package func prepare(_ script: RedisScript, keys: [String]) -> RedisPreparedCall {
        register(script)
        return RedisPreparedCall(script: script, keys: keys)
    }

    /// Runs a prepared script call with `arguments`, as ``evaluate(_:keys:arguments:completion:)`` does (a
    /// `NOSCRIPT` loads the script and retries once), encoding only the arguments.
    package func evaluate(_ call: RedisPreparedCall, arguments: [any RedisArgument], completion: @escaping Completion) {
        var encoded = RedisEncodedArguments()
        encoded.append(arguments)
        evaluate(call, encoded: encoded, completion: completion)
    }
}

/// The `ARGV` of a script call written straight into RESP bulk strings — for calls made per request, where an
/// array of `any RedisArgument` would box every value. Append values in order; the count is kept alongside.
package struct RedisEncodedArguments {
    /// The arguments as RESP bulk strings, one after the other.
    package private(set) var bytes: [UInt8] = []
    /// How many arguments ``bytes`` holds.
    package private(set) var count = 0

    package init() {}

    /// Arguments with room for `capacity` bytes before the buffer grows.
    package init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends `text` (UTF-8) as one argument.
    package mutating func append(_ text: String) {
        text.appendBulkString(to: &bytes)
        count += 1
    }

    /// Appends `value` in decimal as one argument.
    package mutating func append(_ value: Int) {
        value.appendBulkString(to: &bytes)
        count += 1
    }

    /// Appends `prefix` followed by the decimal digits of `value` as one argument (an owner token from its fixed
    /// part and counter, without building a String).
    package mutating func append(_ prefix: [UInt8], _ value: UInt64) {
        append(prefix, value, suffix: "")
    }

    /// Appends `prefix`, the decimal digits of `value`, then `suffix` (UTF-8) as one argument.
    package mutating func append(_ prefix: [UInt8], _ value: UInt64, suffix: String) {
        bytes.append(UInt8(ascii: "$"))
        RESP.appendDecimal(prefix.count + RESP.digitCount(value) + suffix.utf8.count, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
        bytes.append(contentsOf: prefix)
        RESP.appendDecimal(Int(truncatingIfNeeded: value), to: &bytes)
        bytes.append(contentsOf: suffix.utf8)
        bytes.append(0x0D)
        bytes.append(0x0A)
        count += 1
    }

    /// Appends every argument of `other`.
    package mutating func append(contentsOf other: RedisEncodedArguments) {
        bytes.append(contentsOf: other.bytes)
        count += other.count
    }

    /// Appends each of `arguments` (the general case: any ``RedisArgument``).
    package mutating func append(_ arguments: [any RedisArgument]) {
        for argument in arguments { argument.appendBulkString(to: &bytes) }
        count += arguments.count
    }
}

extension RedisClient {
    /// Runs a prepared script call with arguments already encoded, as ``evaluate(_:arguments:completion:)`` does
    /// (a `NOSCRIPT` loads the script and sends the call again, once).
    package func evaluate(_ call: RedisPreparedCall, encoded arguments: RedisEncodedArguments, completion: @escaping Completion) {
        evaluateLoadingOnce(call.script, completion: completion) { [weak self] sent in self?.issueEncoded(call, arguments, sent) }
    }

    private func issueEncoded(_ call: RedisPreparedCall, _ arguments: RedisEncodedArguments, _ completion: @escaping Completion) {
        guard mayIssue(completion) else { return }
        formatted.removeAll(keepingCapacity: true)
        formatted.append(UInt8(ascii: "*"))
        RESP.appendDecimal(call.words + arguments.count, to: &formatted)
        formatted.append(0x0D)
        formatted.append(0x0A)
        formatted.append(contentsOf: call.encoded)
        formatted.append(contentsOf: arguments.bytes)
        let deadline = MonotonicClock.now() &+ MonotonicClock.nanoseconds(configuration.commandTimeout)
        if !issueFormatted(length: formatted.count, deadline: deadline, completion) {
            statistics.notConnectedFailures += 1
            failSoon(.notConnected, completion)
        }
    }
}
