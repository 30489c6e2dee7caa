import SwitchyardCore
import Testing
@testable import SwitchyardRouting

/// A board, a clock and a strategy over them, for one model `m`.
private final class Bench {
    let board = ServerLoadBoard()
    var time: UInt64 = 1_000_000_000
    let usage = ProviderUsage()
    lazy var strategy = RealTimeMetricsStrategy(board: board, seed: 99, usage: usage, now: { [unowned self] in self.time })
    private var scrape: UInt64 = 1

    /// Records a scrape of `provider` (nil: a failed one), received now.
    func scraped(_ provider: String, _ load: ServerLoad?) {
        scrape += 1
        board.record(model: "m", provider: provider, load: load, scrapedAtMilliseconds: scrape, now: time)
    }

    /// Share of `count` picks per provider, in percent.
    func shares(_ count: Int, of model: ModelConfig) -> [String: Double] {
        strategy.counts(count, of: model).mapValues { Double($0) * 100 / Double(count) }
    }
}

private let idle = ServerLoad(waiting: 0, running: 0, cacheUsage: 0)

@Suite("Real-time metrics strategy")
struct RealTimeMetricsStrategyTests {
    let two = ModelConfig.make(.make("a"), .make("b"))
    let three = ModelConfig.make(.make("a"), .make("b"), .make("c"))

    @Test("weights: what a pick draws by, per provider in order — floor and average applied, 0 when ineligible, nil when none is")
    func weights() {
        let bench = Bench()
        bench.scraped("a", ServerLoad(waiting: 0, running: 4, cacheUsage: 0))
        bench.scraped("b", idle)
        #expect(bench.strategy.weights(for: three, where: { _ in true }) == [0.5, 1, 0.75], "c unscraped: the mean of the known")
        #expect(bench.strategy.weights(for: three, where: { $0.id != "b" }) == [0.5, 0, 0.5])
        bench.scraped("a", ServerLoad(waiting: 0, running: 0, cacheUsage: 1))
        #expect(bench.strategy.weights(for: two, where: { _ in true }) == [0.02, 1], "a full cache keeps the 2 % floor")
        #expect(bench.strategy.weights(for: two, where: { _ in false }) == nil)
    }

    @Test("the score: an idle server scores 1; queued requests weigh four times running ones; cache use scales it down")
    func scores() {
        #expect(RealTimeMetricsStrategy.score(idle, inFlightSinceScrape: 0) == 1)
        #expect(RealTimeMetricsStrategy.score(ServerLoad(waiting: 0, running: 4, cacheUsage: 0), inFlightSinceScrape: 0) == 0.5)
        #expect(RealTimeMetricsStrategy.score(ServerLoad(waiting: 1, running: 0, cacheUsage: 0), inFlightSinceScrape: 0) == 0.5)
        #expect(RealTimeMetricsStrategy.score(ServerLoad(waiting: 2, running: 8, cacheUsage: 0.5), inFlightSinceScrape: 0) == 0.1)
        #expect(RealTimeMetricsStrategy.score(ServerLoad(waiting: 0, running: 4, cacheUsage: 0), inFlightSinceScrape: -10) == 1, "never below zero running")
        #expect(RealTimeMetricsStrategy.score(ServerLoad(waiting: 0, running: 0, cacheUsage: 1), inFlightSinceScrape: 0) == 0)
    }

    @Test("choices follow the scores: idle 1 against loaded 0.1 is about 91 : 9")
    func proportional() {
        let bench = Bench()
        bench.scraped("a", idle)
        bench.scraped("b", ServerLoad(waiting: 2, running: 8, cacheUsage: 0.5))
        let shares = bench.shares(20_000, of: two)
        #expect((89.5...92.5).contains(shares["a", default: 0]), "\(shares)")
        #expect((7.5...10.5).contains(shares["b", default: 0]), "\(shares)")
    }

    @Test("a saturated server keeps a trickle: 2 % of the best score, never zero")
    func floor() {
        let bench = Bench()
        bench.scraped("a", idle)
        bench.scraped("b", ServerLoad(waiting: 500, running: 256, cacheUsage: 0.99))
        let shares = bench.shares(20_000, of: two)
        // 0.02 / 1.02 ≈ 1.96 %.
        #expect((1.4...2.5).contains(shares["b", default: 0]), "\(shares)")
    }

    @Test("a provider without a scrape counts as the average of the scraped ones")
    func unscrapedIsAverage() {
        let bench = Bench()
        bench.scraped("a", idle)
        bench.scraped("b", ServerLoad(waiting: 0, running: 16, cacheUsage: 0))
        // a 1, b 0.2, c the mean 0.6: 55.6 %, 11.1 %, 33.3 %.
        let shares = bench.shares(30_000, of: three)
        #expect((54...57.2).contains(shares["a", default: 0]), "\(shares)")
        #expect((10...12.2).contains(shares["b", default: 0]), "\(shares)")
        #expect((31.7...35).contains(shares["c", default: 0]), "\(shares)")
    }

    @Test("without any scrape, or with every cache full, the choice is uniform")
    func uniform() {
        let bench = Bench()
        var shares = bench.shares(30_000, of: three)
        #expect(shares.values.allSatisfy { (31.5...35.2).contains($0) }, "\(shares)")
        for id in ["a", "b", "c"] { bench.scraped(id, ServerLoad(waiting: 0, running: 1, cacheUsage: 1)) }
        shares = bench.shares(30_000, of: three)
        #expect(shares.values.allSatisfy { (31.5...35.2).contains($0) }, "\(shares)")
    }

    @Test("a failed scrape, or one older than the staleness limit, counts as average")
    func staleAndFailed() {
        let bench = Bench()
        bench.board.staleAfter["m"] = 3_000_000_000
        bench.scraped("a", idle)
        bench.scraped("b", ServerLoad(waiting: 40, running: 100, cacheUsage: 0.9))
        #expect(bench.shares(5_000, of: two)["b", default: 0] < 3)
        bench.time += 3_000_000_001
        var shares = bench.shares(20_000, of: two)
        #expect((48...52).contains(shares["b", default: 0]), "both stale: uniform \(shares)")
        bench.scraped("a", idle)
        bench.scraped("b", nil)
        shares = bench.shares(20_000, of: two)
        #expect((48...52).contains(shares["b", default: 0]), "b failed: it scores a's 1 \(shares)")
        #expect(bench.board.reading(model: "m", provider: "b")?.load == nil)
    }

    @Test("between scrapes the running count is corrected by this worker's leases started and ended since")
    func inFlightCorrection() {
        let bench = Bench()
        bench.scraped("a", idle)
        bench.scraped("b", idle)
        _ = bench.strategy.pick(two)  // takes in the scrape: in flight 0 on both
        let a = two.providers[0]
        for _ in 0..<8 { bench.usage.granted(a, of: two) }
        // a: running 0 + 8 → 1 / (1 + 2) = 1/3; b: 1. b gets 75 %.
        var shares = bench.shares(20_000, of: two)
        #expect((73.5...76.5).contains(shares["b", default: 0]), "\(shares)")
        // The next scrape sees those 8 running: they are not counted twice.
        bench.scraped("a", ServerLoad(waiting: 0, running: 8, cacheUsage: 0))
        shares = bench.shares(20_000, of: two)
        #expect((73.5...76.5).contains(shares["b", default: 0]), "\(shares)")
        // All 8 end before the next scrape: a counts as idle again.
        for _ in 0..<8 { bench.usage.released("a", of: "m") }
        shares = bench.shares(20_000, of: two)
        #expect((48.5...51.5).contains(shares["b", default: 0]), "\(shares)")
    }

    @Test("only eligible providers are chosen; none eligible answers nil; a fixed seed gives a fixed sequence")
    func eligibility() {
        let bench = Bench()
        bench.scraped("b", idle)
        let picks = bench.strategy.sequence(50, of: three, excluding: ["b"])
        #expect(Set(picks) == ["a", "c"])
        #expect(bench.strategy.sequence(2, of: three, excluding: ["a", "b", "c"]) == "--")
        let again = Bench()
        again.scraped("b", idle)
        #expect(again.strategy.sequence(50, of: three, excluding: ["b"]) == picks)
    }

    @Test("the board keeps the newest scrape: a repeat keeps its age, an older one is ignored")
    func board() {
        let board = ServerLoadBoard()
        board.record(model: "m", provider: "a", load: idle, scrapedAtMilliseconds: 10, now: 5)
        let generation = board.generation
        board.record(model: "m", provider: "a", load: idle, scrapedAtMilliseconds: 10, now: 9)
        #expect(board.reading(model: "m", provider: "a")?.receivedAt == 5)
        #expect(board.generation == generation)
        board.record(model: "m", provider: "a", load: nil, scrapedAtMilliseconds: 9, now: 9)
        #expect(board.reading(model: "m", provider: "a")?.load == idle)
        board.record(model: "m", provider: "a", load: nil, scrapedAtMilliseconds: 11, now: 12)
        #expect(board.reading(model: "m", provider: "a") == .init(load: nil, scrapedAtMilliseconds: 11, receivedAt: 12, staleAfter: board.defaultStaleAfter))
        #expect(board.generation != generation)
        board.retain(models: ["other"])
        #expect(board.reading(model: "m", provider: "a") == nil)
    }
}
