import Testing
@testable import SwitchyardIO

@Suite("Event loop timers")
struct EventLoopTimerTests {
    @Test("a scheduled timer runs and a cancelled one does not")
    func scheduledAndCancelled() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        let cancelled = loop.schedule(afterNanoseconds: 1_000_000) { fired.append("cancelled") }
        loop.schedule(afterNanoseconds: 2_000_000) { fired.append("kept") }
        loop.cancel(cancelled)
        loop.schedule(afterNanoseconds: 5_000_000) { loop.stop() }
        loop.run()
        #expect(fired == ["kept"])
    }

    @Test("a cancelled timer leaves the loop at once instead of waiting for its deadline")
    func cancelledTimerIsGone() throws {
        let loop = try EventLoop()
        let far = loop.schedule(afterNanoseconds: 3_600_000_000_000) {}
        #expect(loop.pendingTimerCount == 1)
        loop.cancel(far)
        #expect(loop.pendingTimerCount == 0)
    }

    @Test("a timer cancelled by another timer due in the same round does not run")
    func cancelWithinOneRound() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        var victim: TimerID?
        loop.schedule(afterNanoseconds: 1_000_000) {
            fired.append("first")
            if let victim { loop.cancel(victim) }
        }
        victim = loop.schedule(afterNanoseconds: 1_000_000) { fired.append("victim") }
        loop.schedule(afterNanoseconds: 1_000_000) { loop.stop() }
        loop.run()
        #expect(fired == ["first"])
    }
}
