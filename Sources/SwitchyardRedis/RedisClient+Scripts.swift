import SwitchyardCore
import SwitchyardIO

extension RedisClient {
    /// Remembers `script`, so that it is loaded (`SCRIPT LOAD`) on every connection from the next one on.
    /// ``evaluate(_:keys:arguments:completion:)`` registers its script itself; registering up front saves the
    /// `NOSCRIPT` round trip of the first call.
    package func register(_ script: RedisScript) {
        // A few scripts per client: comparing is cheaper than hashing the 40-byte SHA-1 on every call.
        if scripts.contains(where: { $0.sha1 == script.sha1 }) { return }
        guard scriptHashes.insert(script.sha1).inserted else { return }
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
        sendEvaluation(script, keys: keys, arguments: arguments) { [weak self] result in
            guard let self, case .success(let reply) = result, reply.isNoScript else {
                completion(result)
                return
            }
            self.statistics.scriptReloads += 1
            self.loadAndRetry(script, keys: keys, arguments: arguments, completion: completion)
        }
    }

    func loadAndRetry(
        _ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument], completion: @escaping Completion
    ) {
        var loadError: String?
        beginCommand()
        for word in ["SCRIPT", "LOAD", script.source] { appendArgument(word) }
        sendBuiltCommand { result in
            if case .success(.error(let message)) = result { loadError = message }
        }
        sendEvaluation(script, keys: keys, arguments: arguments) { result in
            if let loadError {
                completion(.success(.error(loadError)))
            } else {
                completion(result)
            }
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
        guard subscriptions.isEmpty, state == .ready else {
            // The general path says why (a subscriber connection, not connected).
            return evaluate(call.script, keys: call.keys, arguments: arguments, completion: completion)
        }
        formatted.removeAll(keepingCapacity: true)
        formatted.append(UInt8(ascii: "*"))
        RESP.appendDecimal(call.words + arguments.count, to: &formatted)
        formatted.append(0x0D)
        formatted.append(0x0A)
        formatted.append(contentsOf: call.encoded)
        for argument in arguments { argument.appendBulkString(to: &formatted) }
        let deadline = MonotonicClock.now() &+ MonotonicClock.nanoseconds(configuration.commandTimeout)
        let issued = issueFormatted(length: formatted.count, deadline: deadline) { [weak self] result in
            guard let self, case .success(let reply) = result, reply.isNoScript else {
                completion(result)
                return
            }
            self.statistics.scriptReloads += 1
            self.loadAndRetry(call.script, keys: call.keys, arguments: arguments, completion: completion)
        }
        if !issued {
            statistics.notConnectedFailures += 1
            failSoon(.notConnected, completion)
        }
    }
}
