import Testing
import SwitchyardIO

@Suite("Byte budget")
struct ByteBudgetTests {
    @Test("reservations succeed up to the limit, fail beyond it, and released bytes can be reserved again")
    func reserveAndRelease() {
        let budget = ByteBudget(limit: 100)
        #expect(budget.reserve(60))
        #expect(budget.reserve(40))
        #expect(!budget.reserve(1))
        #expect(budget.used == 100)
        #expect(budget.refusals == 1)
        budget.release(50)
        #expect(budget.reserve(50))
        #expect(!budget.reserve(Int.max))
    }

    @Test("a limit of zero means unlimited")
    func unlimited() {
        let budget = ByteBudget(limit: 0)
        #expect(budget.reserve(1 << 40))
    }
}
