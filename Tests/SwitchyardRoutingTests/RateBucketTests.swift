import Testing
@testable import SwitchyardRouting

/// Nanoseconds per second, for readable manual-clock times.
private let second: UInt64 = 1_000_000_000

@Suite("Rate bucket (GCRA)")
struct RateBucketTests {
    @Test("a limit of N per minute allows a burst of N, then refuses")
    func burst() {
        var bucket = RateBucket(perMinute: 6)
        let now = 100 * second
        for _ in 0..<6 { do { let taken = bucket.take(cost: 1, now: now); #expect(taken) } }
        do { let taken = bucket.take(cost: 1, now: now); #expect(!taken) }
        #expect(bucket.available(now: now) == 0)
    }

    @Test("it refills continuously at N/60 per second, and says when the next unit returns")
    func refill() {
        var bucket = RateBucket(perMinute: 6)  // one unit per 10 s
        let start = 100 * second
        for _ in 0..<6 { bucket.take(cost: 1, now: start) }
        #expect(bucket.availableAt(cost: 1, now: start) == start + 10 * second)
        do { let taken = bucket.take(cost: 1, now: start + 9 * second); #expect(!taken) }
        do { let taken = bucket.take(cost: 1, now: start + 10 * second); #expect(taken) }
        do { let taken = bucket.take(cost: 1, now: start + 10 * second); #expect(!taken) }
        // After a full minute idle the whole burst is back, and no more than that.
        #expect(bucket.available(now: start + 200 * second) == 6)
    }

    @Test("costs of many units (tokens) refill in proportion")
    func tokens() {
        var bucket = RateBucket(perMinute: 600)  // 10 tokens per second
        let start = 50 * second
        do { let taken = bucket.take(cost: 500, now: start); #expect(taken) }
        #expect(!bucket.admits(cost: 200, now: start))
        #expect(bucket.availableAt(cost: 200, now: start) == start + 10 * second)
        #expect(bucket.admits(cost: 100, now: start))
    }

    @Test("a request larger than the bucket waits for a full bucket instead of never fitting")
    func oversized() {
        var bucket = RateBucket(perMinute: 100)
        let start = 10 * second
        do { let taken = bucket.take(cost: 1_000, now: start); #expect(taken) }
        #expect(bucket.available(now: start) == 0)
        #expect(bucket.availableAt(cost: 1_000, now: start) == start + 60 * second)
    }

    @Test("settling refunds an over-reservation at once and charges an under-reservation")
    func settle() {
        var bucket = RateBucket(perMinute: 600)
        let now = 10 * second
        bucket.take(cost: 600, now: now)
        #expect(bucket.available(now: now) == 0)
        bucket.settle(reserved: 600, actual: 100, now: now)
        #expect(bucket.available(now: now) == 500)
        var other = RateBucket(perMinute: 600)
        other.take(cost: 100, now: now)
        other.settle(reserved: 100, actual: 700, now: now)
        #expect(other.available(now: now) == 0)
        #expect(!other.admits(cost: 1, now: now + 9 * second))
        #expect(other.admits(cost: 1, now: now + 10 * second + second / 10))
    }
}

@Suite("Provider admission (rpm, tpm, max_concurrency, cool-down)")
struct ProviderAdmissionTests {
    private func admission(rpm: Int? = nil, tpm: Int? = nil, concurrency: Int? = nil) -> ProviderAdmission {
        ProviderAdmission(.init(id: "p", apiHost: "http://p:1", apiType: .vllm, modelPath: "m", rpm: rpm, tpm: tpm, maxConcurrency: concurrency))
    }

    @Test("the concurrency cap refuses until a release, with no time to retry at")
    func concurrency() {
        var state = admission(concurrency: 2)
        state.admit(tokens: 0, now: 1)
        state.admit(tokens: 0, now: 1)
        #expect(state.check(tokens: 0, now: 1) == .atConcurrency)
        state.released()
        #expect(state.check(tokens: 0, now: 1) == .admitted)
    }

    @Test("rpm and tpm answer with the time the later of them refills")
    func rates() {
        var state = admission(rpm: 60, tpm: 600)  // 1 request and 10 tokens per second
        state.admit(tokens: 600, now: second)
        #expect(state.check(tokens: 100, now: second) == .retryAt(11 * second))
        var requests = admission(rpm: 1, tpm: 6_000)
        requests.admit(tokens: 10, now: second)
        #expect(requests.check(tokens: 10, now: second) == .retryAt(61 * second))
    }

    @Test("a cool-down refuses until its end")
    func coolDown() {
        var state = admission()
        state.coolUntil = 5 * second
        #expect(state.check(tokens: 0, now: 2 * second) == .retryAt(5 * second))
        #expect(state.check(tokens: 0, now: 5 * second) == .admitted)
    }

    @Test("a reload keeps in-flight counts and cool-downs, and buckets whose limit did not change")
    func carry() {
        var old = admission(rpm: 2, concurrency: 3)
        old.admit(tokens: 0, now: second)
        old.admit(tokens: 0, now: second)
        old.coolUntil = 9 * second
        var same = admission(rpm: 2, concurrency: 3)
        same.carry(from: old)
        #expect(same.inFlight == 2 && same.coolUntil == 9 * second)
        #expect(same.requests?.available(now: second) == 0)
        var changed = admission(rpm: 10, concurrency: 3)
        changed.carry(from: old)
        #expect(changed.requests?.available(now: second) == 10)
    }
}
