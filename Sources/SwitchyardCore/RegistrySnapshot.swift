/// One change recorded in the model registry: the model `name` as the admin API last set it.
package struct RegistryEntry: Sendable, Equatable {
    /// The model's name.
    package var name: String
    /// The registry version this change created.
    package var version: Int
    /// The stored ``ModelDefinition`` (compact JSON, no tokens), or nil: the model was deleted through the API
    /// (which hides a file model of that name).
    package var definition: [UInt8]?

    /// An entry for `name` at `version`.
    package init(name: String, version: Int, definition: [UInt8]?) {
        self.name = name
        self.version = version
        self.definition = definition
    }

    /// The stored value of the entry (its name is the key): `{"version":N,"model":{…}}` or `{"version":N,"model":null}`.
    package var storedValue: [UInt8] {
        Array("{\"version\":\(version),\"model\":".utf8) + (definition ?? Array("null".utf8)) + [UInt8(ascii: "}")]
    }

    /// Reads a stored value of the entry called `name`; nil when it is not one.
    package init?(name: String, storedValue: [UInt8]) {
        guard case .object(let object)? = JSONValue.parse(storedValue), let version = object["version"]?.int, version > 0 else { return nil }
        switch object["model"] {
        case .null?: self.init(name: name, version: version, definition: nil)
        case .object(let model)?:
            var writer = JSONWriter()
            JSONValue.object(model).write(to: &writer)
            self.init(name: name, version: version, definition: writer.bytes)
        default: return nil
        }
    }
}

/// The model registry at one version: every model changed through the admin API, in the order of the changes.
/// Stored in Redis (shared by every router using it) or, without Redis, held by the supervisor for its workers.
package struct RegistrySnapshot: Sendable, Equatable {
    /// The version of the latest change (0: never changed).
    package var version: Int
    /// One entry per model changed through the API, ordered by version.
    package private(set) var entries: [RegistryEntry]

    /// The registry that was never changed.
    package static let empty = RegistrySnapshot(version: 0, entries: [])

    /// A registry at `version` with `entries` (in any order).
    package init(version: Int, entries: [RegistryEntry]) {
        self.version = version
        self.entries = entries.sorted { $0.version < $1.version }
    }

    /// The entry of `name`, if the API changed that model.
    package func entry(named name: String) -> RegistryEntry? {
        entries.first { $0.name == name }
    }

    /// This registry with `entry` recorded (replacing the model's earlier entry); the version becomes the entry's.
    package func recording(_ entry: RegistryEntry) -> RegistrySnapshot {
        RegistrySnapshot(version: max(version, entry.version), entries: entries.filter { $0.name != entry.name } + [entry])
    }

    /// `{"version":N,"entries":[{"name":…,"version":…,"model":{…}|null},…]}`: how a supervisor hands the
    /// registry to its workers.
    package var serialized: [UInt8] {
        var out = JSONWriter()
        out.raw("{\"version\":")
        out.number(version)
        out.raw(",\"entries\":[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(entry.name)
            out.raw(",\"version\":")
            out.number(entry.version)
            out.raw(",\"model\":")
            out.bytes += entry.definition ?? Array("null".utf8)
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// Reads ``serialized``; nil when `bytes` are not a registry.
    package init?(serialized bytes: [UInt8]) {
        guard case .object(let object)? = JSONValue.parse(bytes), let version = object["version"]?.int, version >= 0,
              case .array(let list)? = object["entries"] else { return nil }
        var entries: [RegistryEntry] = []
        for item in list {
            guard case .object(let fields) = item, let name = fields["name"]?.string, let entryVersion = fields["version"]?.int else { return nil }
            switch fields["model"] {
            case .null?: entries.append(RegistryEntry(name: name, version: entryVersion, definition: nil))
            case .object(let model)?:
                var writer = JSONWriter()
                JSONValue.object(model).write(to: &writer)
                entries.append(RegistryEntry(name: name, version: entryVersion, definition: writer.bytes))
            default: return nil
            }
        }
        self.init(version: version, entries: entries)
    }
}
