import Foundation
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardTestSupport
import Testing
@testable import SwitchyardCoordination
@testable import SwitchyardRouting

/// Serves metrics pages from a table, after the current loop iteration, and counts the fetches per URL.
private final class FakeFetcher: MetricsFetching {
    let loop: EventLoop
    var pages: [String: String] = [:]
    var fetches: [String: Int] = [:]
    var headers: [String: [String]] = [:]
    var total: Int { fetches.values.reduce(0, +) }

    init(loop: EventLoop) { self.loop = loop }

    func fetchMetrics(url: String, headerLines: [String], timeout: Double, completion: @escaping ([UInt8]?) -> Void) {
        fetches[url, default: 0] += 1
        headers[url] = headerLines
        let page = pages[url].map { Array($0.utf8) }
        loop.afterCurrentIteration { completion(page) }
    }
}

private func page(waiting: Int, running: Int, cache: Double) -> String {
    "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"x\"} \(waiting)\nvllm:num_requests_running{model_name=\"x\"} \(running)\nvllm:kv_cache_usage_perc{model_name=\"x\"} \(cache)\n"
}

private func provider(_ id: String, _ host: String, _ type: APIType = .vllm, token: String = "") -> ProviderConfig {
    ProviderConfig(id: id, apiHost: host, apiType: type, apiToken: token, modelPath: id)
}

private let interval = 0.05

private func config(_ models: [ModelConfig]) -> ModelsConfig {
    ModelsConfig(format: .llmStream, models: models, metricsUpdateInterval: interval)
}

private let model = ModelConfig(name: "m", providers: [provider("a", "http://a:8000"), provider("b", "http://b:8000/v1/")], strategy: "real_time_metrics")

@Suite("Metrics scraper")
struct MetricsScraperTests {
    @Test("a reading travels as waiting,running,cache,ms; a failed scrape as ,,,ms; malformed values are refused")
    func encoding() throws {
        let load = ServerLoad(waiting: 3, running: 12, cacheUsage: 0.375)
        #expect(MetricsScraper.encode(load, scrapedAtMilliseconds: 1_700_000_000_123) == "3,12,0.375,1700000000123")
        #expect(MetricsScraper.encode(nil, scrapedAtMilliseconds: 5) == ",,,5")
        let decoded = try #require(MetricsScraper.decode("3,12,0.375,1700000000123"))
        #expect(decoded.0 == load && decoded.1 == 1_700_000_000_123)
        let failed = try #require(MetricsScraper.decode(",,,5"))
        #expect(failed.0 == nil && failed.1 == 5)
        for bad in ["", "1,2,3", "1,2,3,x", "a,2,0.5,1", "nan,1,0,1", "1,,0.5,1", "1,2,0.5,1,9", "1,2,0.5,-1"] {
            #expect(MetricsScraper.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("targets: the vLLM and SGLang providers of real_time_metrics models (own or default strategy), one per server page")
    func targets() {
        let shared = ModelConfig(name: "n", providers: [provider("a2", "http://a:8000/"), provider("s", "http://s:30000", .sglang, token: "sk-1"),
                                                         provider("cloud", "https://api.openai.com/v1", .openai)])
        let other = ModelConfig(name: "o", providers: [provider("z", "http://z:8000")], strategy: "balanced")
        let (targets, models) = MetricsScraper.targets(of: config([model, shared, other]), defaultStrategy: "real_time_metrics")
        #expect(targets.map(\.url) == ["http://a:8000/metrics", "http://b:8000/metrics", "http://s:30000/metrics"])
        #expect(targets[0].uses.map { "\($0.model)/\($0.provider)" } == ["m/a", "n/a2"])
        #expect(targets[2].headerLines == ["Authorization: Bearer sk-1"])
        #expect(models.map(\.name) == ["m", "n"])
        #expect(MetricsScraper.targets(of: config([model, shared]), defaultStrategy: "balanced").0.count == 2)
    }

    @Test("without Redis a worker scrapes for itself every interval; a failed page is a failed reading")
    func local() throws {
        let harness = try SelectorHarness()
        let fetcher = FakeFetcher(loop: harness.loop)
        fetcher.pages["http://a:8000/metrics"] = page(waiting: 2, running: 5, cache: 0.5)
        let board = ServerLoadBoard()
        let scraper = MetricsScraper(loop: harness.loop, board: board, fetcher: fetcher, client: nil, owner: "t:1",
                                     defaultStrategy: "balanced", config: config([model]), logger: harness.logger)
        scraper.start()
        defer { scraper.close() }
        #expect(harness.runUntil { fetcher.fetches["http://a:8000/metrics", default: 0] >= 3 })
        #expect(scraper.role == .local)
        #expect(board.reading(model: "m", provider: "a")?.load == ServerLoad(waiting: 2, running: 5, cacheUsage: 0.5))
        let failed = try #require(board.reading(model: "m", provider: "b"))
        #expect(failed.load == nil)
        #expect(scraper.statistics.failures >= 3 && scraper.statistics.scrapes >= 3)
        #expect(board.staleAfter["m"] == MonotonicClock.nanoseconds(3 * interval + 1))
        #expect(board.reading(model: "m", provider: "a")?.staleAfter == MonotonicClock.nanoseconds(3 * interval + 1))
    }

    @Test("a model's own interval wins over the global one; rounds run at the shortest, each page at its own")
    func perModelIntervals() throws {
        let harness = try SelectorHarness()
        let fetcher = FakeFetcher(loop: harness.loop)
        let fast = ModelConfig(name: "fast", providers: [provider("f", "http://f:8000")], strategy: "real_time_metrics", metricsUpdateInterval: 0.01)
        let slow = ModelConfig(name: "slow", providers: [provider("s", "http://s:8000")], strategy: "real_time_metrics")
        let board = ServerLoadBoard()
        let scraper = MetricsScraper(loop: harness.loop, board: board, fetcher: fetcher, client: nil, owner: "t:1",
                                     defaultStrategy: "balanced", config: ModelsConfig(format: .llmStream, models: [fast, slow], metricsUpdateInterval: 0.25), logger: harness.logger)
        #expect(scraper.interval == 0.05, "0.01 s is raised to the 50 ms minimum")
        #expect(board.staleAfter == ["fast": MonotonicClock.nanoseconds(3 * 0.05 + 1), "slow": MonotonicClock.nanoseconds(3 * 0.25 + 1)])
        scraper.start()
        defer { scraper.close() }
        #expect(harness.runUntil { fetcher.fetches["http://s:8000/metrics", default: 0] >= 3 })
        // Rounds every 0.05 s: the fast page every round, the slow one every fifth (fourth with the slack).
        let counts = fetcher.fetches
        #expect(counts["http://f:8000/metrics", default: 0] >= 3 * counts["http://s:8000/metrics", default: 0] - 2, "\(counts)")
    }

    @Test("no real_time_metrics model: nothing is scraped", .enabled(if: RedisServer.isInstalled))
    func idle() throws {
        let harness = try SelectorHarness()
        let fetcher = FakeFetcher(loop: harness.loop)
        var plain = model
        plain.strategy = "round_robin"
        let scraper = MetricsScraper(loop: harness.loop, board: ServerLoadBoard(), fetcher: fetcher, client: nil, owner: "t:1",
                                     defaultStrategy: "balanced", config: config([plain]), logger: harness.logger)
        scraper.start()
        defer { scraper.close() }
        harness.runUntil(seconds: 0.3) { false }
        #expect(fetcher.total == 0)
        #expect(scraper.role == .idle)
        scraper.reload(config: config([model]))
        #expect(harness.runUntil { fetcher.total > 0 }, "a reload that adds one starts scraping")
    }
}

@Suite("Metrics scraper election through Redis", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct LeaseElectionTests {
    @Test("one holder at a time: it renews; others cannot take or extend it; it is taken over once it expires")
    func lease() throws {
        let server = try RedisServer()
        let harness = try SelectorHarness()
        let first = LeaseElection(client: try harness.makeClient(server), owner: "i1:1")
        let second = LeaseElection(client: try harness.makeClient(server), owner: "i2:2")
        func step(_ election: LeaseElection, _ milliseconds: Int) -> Bool {
            var answer: Bool?
            election.step(leaseMilliseconds: milliseconds) { answer = $0 }
            #expect(harness.runUntil { answer != nil })
            return answer ?? false
        }
        #expect(step(first, 5_000))
        #expect(!step(second, 5_000))
        #expect(step(first, 300))
        #expect(try harness.command(server, ["GET", "switchyard:rtm:scraper"]) == .string(Array("i1:1".utf8)))
        let ttl = try harness.command(server, ["PTTL", "switchyard:rtm:scraper"])?.integerValue ?? 0
        #expect(ttl > 0 && ttl <= 300, "renewed to the new lease")
        // The holder stops renewing (it died): the follower takes over once the lease expires.
        var expired = false
        for _ in 0..<400 where !expired {
            harness.pause()
            expired = try harness.command(server, ["EXISTS", "switchyard:rtm:scraper"]) == .integer(0)
        }
        #expect(expired)
        #expect(step(second, 5_000))
        #expect(second.isLeader)
        // The old holder's renewal finds someone else's lease: it neither extends it nor keeps believing it holds it.
        #expect(!step(first, 60_000))
        #expect(!first.isLeader)
        let after = try harness.command(server, ["PTTL", "switchyard:rtm:scraper"])?.integerValue ?? 0
        #expect(after <= 5_000)
        second.resign()
        harness.settle()
        #expect(try harness.command(server, ["EXISTS", "switchyard:rtm:scraper"]) == .integer(0), "a resignation hands it over at once")
        first.resign()
    }

    @Test("two workers sharing Redis: exactly one scrapes, both boards get its readings, the other takes over when it stops")
    func oneScraperForTheCluster() throws {
        let server = try RedisServer()
        let harness = try SelectorHarness()
        var scrapers: [MetricsScraper] = []
        var fetchers: [FakeFetcher] = []
        for index in 0..<2 {
            let fetcher = FakeFetcher(loop: harness.loop)
            fetcher.pages["http://a:8000/metrics"] = page(waiting: 1, running: 4, cache: 0.25)
            fetcher.pages["http://b:8000/metrics"] = page(waiting: 0, running: 0, cache: 0)
            fetchers.append(fetcher)
            scrapers.append(MetricsScraper(loop: harness.loop, board: ServerLoadBoard(), fetcher: fetcher, client: try harness.makeClient(server),
                                           owner: "i\(index):\(index)", defaultStrategy: "balanced", config: config([model]), logger: harness.logger))
        }
        for scraper in scrapers { scraper.start() }
        defer { for scraper in scrapers { scraper.close() } }
        #expect(harness.runUntil { scrapers.allSatisfy { $0.board.reading(model: "m", provider: "a")?.load != nil } && fetchers.map(\.total).max()! >= 10 })
        let leader = try #require(scrapers.firstIndex { $0.role == .leader })
        let follower = 1 - leader
        #expect(scrapers[follower].role == .follower)
        #expect(fetchers[follower].total == 0, "the follower never scraped: \(fetchers.map(\.fetches))")
        #expect(scrapers[follower].board.reading(model: "m", provider: "a")?.load == ServerLoad(waiting: 1, running: 4, cacheUsage: 0.25))
        #expect(scrapers[follower].statistics.reads > 0)
        let stored = try harness.command(server, ["HGET", "switchyard:{m}:rtm", "b"])?.text ?? ""
        #expect(stored.hasPrefix("0,0,0,"), "\(stored)")
        #expect(scrapers[leader].statistics.terms == 1)

        scrapers[leader].close()
        #expect(harness.runUntil { fetchers[follower].total >= 4 }, "the other worker takes over")
        #expect(scrapers[follower].role == .leader)
    }
}
