import SwitchyardCore

/// A strategy's per-provider state, one `Entry` object per provider id and model, handed out in the model's
/// provider order so that selection walks two parallel arrays and hashes one string (the model name).
///
/// Tables only grow: an entry, once made for a provider id, lives as long as the strategy, so a lease granted
/// before a reload is released into the same entry afterwards, and a provider that leaves and comes back keeps its
/// counts. When a model's provider list changes (a reload, or a call still running on the previous
/// configuration), the order is rebuilt on the next selection; that is the only time anything is allocated.
package final class ProviderTable<Entry: AnyObject> {
    /// One model's entries: `entries[i]` belongs to `ids[i]`; `byID` holds every entry ever made for the model.
    private final class Row {
        var ids: [String] = []
        var entries: [Entry] = []
        var byID: [String: Entry] = [:]
    }

    private var rows: [String: Row] = [:]
    private let make: () -> Entry

    /// A table making new entries with `make`.
    package init(make: @escaping () -> Entry) {
        self.make = make
    }

    /// The entries of `model.providers`, index for index.
    package func entries(for model: ModelConfig) -> [Entry] {
        let row = self.row(model.name)
        if !Self.matches(row.ids, model.providers) { rebuild(row, model.providers) }
        return row.entries
    }

    /// The entry of provider `id` in model `modelName`, nil when no selection ever made one.
    package func entry(_ id: String, of modelName: String) -> Entry? {
        rows[modelName]?.byID[id]
    }

    /// The entries of `modelName` in the order of its latest selection (empty when none).
    package func current(of modelName: String) -> [Entry] {
        rows[modelName]?.entries ?? []
    }

    private func row(_ name: String) -> Row {
        if let existing = rows[name] { return existing }
        let made = Row()
        rows[name] = made
        return made
    }

    private func rebuild(_ row: Row, _ providers: [ProviderConfig]) {
        row.ids = providers.map(\.id)
        row.entries = providers.map { provider in
            if let existing = row.byID[provider.id] { return existing }
            let made = make()
            row.byID[provider.id] = made
            return made
        }
    }

    /// Whether `ids` still names `providers` in order (same strings compare by storage first, so this is cheap).
    private static func matches(_ ids: [String], _ providers: [ProviderConfig]) -> Bool {
        guard ids.count == providers.count else { return false }
        for index in ids.indices where ids[index] != providers[index].id { return false }
        return true
    }
}
