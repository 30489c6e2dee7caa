import SwitchyardCore

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

    private func loadAndRetry(
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
}
