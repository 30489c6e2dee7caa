@testable import SwitchyardGateway
import SwitchyardIO
import Testing

@Suite("Instance rate limiter")
struct InstanceRateLimiterTests {
    final class Clock: @unchecked Sendable { var now: UInt64 = 1_000_000_000_000 }

    @Test("rpm requests pass at once, the next is refused with the wait until one fits, and one returns every 60/rpm s")
    func gcra() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 2, series: 8, wordsPerCell: 8, globalWords: 8))
        let clock = Clock()
        let limiter = InstanceRateLimiter(region: region) { clock.now }
        for _ in 0..<6 { #expect(limiter.admit(keyID: "k", rpm: 6) == .admitted) }
        #expect(limiter.admit(keyID: "k", rpm: 6) == .limited(retryAfter: 10))
        clock.now += 9_000_000_000
        #expect(limiter.admit(keyID: "k", rpm: 6) == .limited(retryAfter: 1))
        clock.now += 1_000_000_000
        #expect(limiter.admit(keyID: "k", rpm: 6) == .admitted)
        #expect(limiter.admit(keyID: "k", rpm: 6) != .admitted)
        #expect(limiter.admit(keyID: "other", rpm: 6) == .admitted, "keys are independent")
    }

    @Test("two limiters on one region (two workers) share one budget")
    func sharedBudget() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 2, series: 8, wordsPerCell: 8, globalWords: 8))
        let clock = Clock()
        let first = InstanceRateLimiter(region: region) { clock.now }
        let second = InstanceRateLimiter(region: try SharedCounters.attach(fd: region.fd)) { clock.now }
        var admitted = 0
        for index in 0..<10 where (index % 2 == 0 ? first : second).admit(keyID: "k", rpm: 4) == .admitted { admitted += 1 }
        #expect(admitted == 4)
    }
}
