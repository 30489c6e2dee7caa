import SwitchyardCoordination
import SwitchyardCore
import SwitchyardIO
import SwitchyardRouting
import SwitchyardUpstream

extension MetricsScraper {
    /// The scraper of a worker: pages fetched on its upstream client, results on `board` (the selector context's
    /// ``SelectorContext/serverLoads``), shared through the selector's Redis connection when it has one (the scrape
    /// adds a few commands per interval to it, never on the request path).
    static func forWorker(loop: EventLoop, board: ServerLoadBoard, upstream: UpstreamClient, selector: ProviderSelector,
                          settings: Settings, config: ModelsConfig, logger: Logger, identity: WorkerIdentity) -> MetricsScraper {
        let instance = identity.instanceID ?? RedisProviderSelector.defaultInstanceID()
        return MetricsScraper(loop: loop, board: board, fetcher: UpstreamMetricsFetcher(upstream: upstream),
                              client: (selector as? RedisProviderSelector)?.client, owner: "\(instance):\(identity.pid)",
                              defaultStrategy: settings.balanceStrategy, config: config, logger: logger)
    }
}
