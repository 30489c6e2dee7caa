import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Provider table (per-model strategy state)")
struct ProviderTableTests {
    final class Box { var value = 0 }

    @Test("entries follow the model's provider order and are reused on every selection")
    func stableEntries() {
        let table = ProviderTable { Box() }
        let model = ModelConfig.make(.make("a"), .make("b"))
        let first = table.entries(for: model)
        let second = table.entries(for: model)
        #expect(first.count == 2)
        #expect(first[0] === second[0] && first[1] === second[1])
        #expect(table.entry("b", of: "m") === first[1])
        #expect(table.entry("z", of: "m") == nil)
        #expect(table.entry("a", of: "other") == nil)
    }

    @Test("a reordered or changed provider list keeps each provider's entry, and one that comes back finds its own")
    func reload() {
        let table = ProviderTable { Box() }
        let before = table.entries(for: .make(.make("a"), .make("b")))
        before[0].value = 7
        let after = table.entries(for: .make(.make("c"), .make("a")))
        #expect(after[1] === before[0])
        #expect(after[1].value == 7)
        #expect(table.current(of: "m").count == 2)
        // "b" left the list but a lease on it is still released into its entry.
        #expect(table.entry("b", of: "m") === before[1])
        let again = table.entries(for: .make(.make("a"), .make("b")))
        #expect(again[1] === before[1])
    }

    @Test("models with the same providers keep separate entries")
    func perModel() {
        let table = ProviderTable { Box() }
        let x = table.entries(for: .make(.make("a"), name: "x"))
        let y = table.entries(for: .make(.make("a"), name: "y"))
        #expect(x[0] !== y[0])
    }
}
