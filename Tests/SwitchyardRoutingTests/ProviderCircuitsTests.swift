import Testing
import SwitchyardRouting

@Suite("Provider circuits")
struct ProviderCircuitsTests {
    @Test("a failure opens the circuit for the base cool-down, then it closes by itself")
    func opensThenCloses() {
        let circuits = ProviderCircuits(baseCooldown: 100, maxCooldown: 1000)
        #expect(!circuits.isOpen("a", now: 0))
        circuits.recordFailure("a", now: 10)
        #expect(circuits.isOpen("a", now: 10))
        #expect(circuits.isOpen("a", now: 109))
        #expect(!circuits.isOpen("a", now: 110))
        #expect(!circuits.isOpen("b", now: 50))
    }

    @Test("consecutive failures double the cool-down up to the maximum")
    func backsOff() {
        let circuits = ProviderCircuits(baseCooldown: 100, maxCooldown: 350)
        circuits.recordFailure("a", now: 0)      // 100
        circuits.recordFailure("a", now: 0)      // 200
        #expect(circuits.isOpen("a", now: 199))
        #expect(!circuits.isOpen("a", now: 200))
        circuits.recordFailure("a", now: 0)      // 400 → capped at 350
        #expect(circuits.isOpen("a", now: 349))
        #expect(!circuits.isOpen("a", now: 350))
    }

    @Test("a success closes the circuit and resets the back-off")
    func successCloses() {
        let circuits = ProviderCircuits(baseCooldown: 100, maxCooldown: 1000)
        circuits.recordFailure("a", now: 0)
        circuits.recordFailure("a", now: 0)
        circuits.recordSuccess("a")
        #expect(!circuits.isOpen("a", now: 1))
        #expect(circuits.isEmpty)
        circuits.recordFailure("a", now: 0)
        #expect(!circuits.isOpen("a", now: 100))
    }
}
