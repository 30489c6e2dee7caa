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
}
