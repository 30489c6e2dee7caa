import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis

/// The supervisor's side of shared holds: when a worker dies without releasing its leases (`kill -9`, a crash),
/// ends that worker's holds and waits in every model of its generation at once (``CoordinationScripts/releaseWorker``),
/// instead of leaving its slots taken until the holds expire (`LLM_ROUTER_LEASE_SECONDS`).
///
/// Owns its ``RedisClient`` on the supervisor's loop. Best effort: when Redis cannot be reached the holds expire by
/// themselves, so a failure is logged (once per outage) and nothing is retried. Use on the loop's thread only.
package final class HoldReaper {
    private let client: RedisClient
    private let logger: Logger
    private let instanceID: String
    /// Whether the last call failed; the next failure is then not logged again.
    private var failing = false

    /// A reaper for the workers of router `instanceID` (see ``RedisProviderSelector/instanceID(supervisorPID:)``),
    /// connecting to `configuration` on `loop`.
    package init(configuration: RedisConfiguration, instanceID: String, loop: EventLoop, logger: Logger) {
        var configuration = configuration
        configuration.clientName = "switchyard-supervisor"
        client = RedisClient(configuration: configuration, loop: loop, logger: logger)
        self.logger = logger
        self.instanceID = instanceID
        client.register(CoordinationScripts.releaseWorker)
        client.start()
    }

    /// Ends every hold of worker `pid` in each of `models` (the names of its generation's models). Idempotent, and
    /// harmless for a worker that held nothing.
    package func reap(workerPID pid: Int32, models: [String]) {
        let prefix = RedisProviderSelector.ownerPrefix(instanceID: instanceID, pid: pid)
        guard client.isConnected else {
            fail(pid: pid, reason: "not connected to Redis")
            return
        }
        let names = client.keys
        for model in models {
            let keys: [any RedisArgument] = CoordinationScripts.keySuffixes.map { names.model(model, $0) }
            client.evaluate(CoordinationScripts.releaseWorker, keys: keys, arguments: [prefix]) { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(.integer(let ended)):
                    self.failing = false
                    if ended > 0 {
                        self.logger.info("released the holds of a dead worker", [("worker.pid", .int(Int(pid))), ("model", .string(model)), ("holds", .int(Int(ended)))])
                    }
                case .success(let other):
                    self.fail(pid: pid, reason: "\(other)")
                case .failure(let error):
                    self.fail(pid: pid, reason: error.description)
                }
            }
        }
    }

    /// Closes the connection.
    package func close() {
        client.close()
    }

    private func fail(pid: Int32, reason: String) {
        guard !failing else { return }
        failing = true
        logger.warning("cannot release the holds of a dead worker; they expire by themselves", [("worker.pid", .int(Int(pid))), ("reason", .string(reason))])
    }
}
