import SwitchyardCoordination
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardRouting

/// Builds a worker's provider selector: the in-memory ``LocalProviderSelector`` when no Redis is configured, else
/// a ``RedisProviderSelector`` on a ``RedisClient`` of its own on the worker's loop (wrapping a local selector for
/// fallback and circuits). An unreachable Redis at start-up is not fatal: the client keeps trying, and requests
/// are served on local state meanwhile.
enum SelectorFactory {
    /// The selector for `settings` and `config`.
    static func make(loop: EventLoop, settings: Settings, config: ModelsConfig, context: SelectorContext, logger: Logger, identity: WorkerIdentity) -> ProviderSelector {
        guard var redis = RedisConfiguration(settings: settings) else {
            return LocalProviderSelector(context: context, config: config)
        }
        redis.clientName = "switchyard-w\(identity.id)-\(identity.pid)"
        let client = RedisClient(configuration: redis, loop: loop, logger: logger)
        // Hand-offs from the cluster-wide wait queue arrive on a connection of their own (it only subscribes).
        var listening = redis
        listening.clientName = "switchyard-w\(identity.id)-\(identity.pid)-handoff"
        let subscriber = context.queueTimeout > 0 ? RedisClient(configuration: listening, loop: loop, logger: logger) : nil
        let selector = RedisProviderSelector(context: context, config: config, client: client, loop: loop, logger: logger, leaseSeconds: settings.leaseSeconds,
            instanceID: identity.instanceID ?? RedisProviderSelector.defaultInstanceID(), subscriber: subscriber)
        client.start()
        subscriber?.start()
        return selector
    }
}
