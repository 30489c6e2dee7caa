/// The client keys of `LLM_ROUTER_AUTH_KEYS_FILE` (llm-router's switch and file names):
/// `{"<key id>": {"sha256": "<64 hex digits>", "rpm": 60, "models": ["a", "b"]}}`, `rpm` and `models` optional.
/// Only SHA-256 digests of keys are ever held; a presented key is hashed and looked up by its digest.
package struct ClientKeys: Sendable {
    /// One key: its id (shown in logs and metrics), its limits.
    package struct Key: Sendable, Equatable {
        /// The id, the file's member name; never the key.
        package var id: String
        /// Requests per minute allowed to this key across the instance; nil: no limit.
        package var rpm: Int?
        /// The models this key may use; nil: every model.
        package var models: Set<String>?

        package init(id: String, rpm: Int?, models: Set<String>?) {
            self.id = id
            self.rpm = rpm
            self.models = models
        }
    }

    /// The keys by the digest of the key (32 bytes).
    private var byDigest: [[UInt8]: Key] = [:]

    /// No keys: every key is refused.
    package init() {}

    /// Number of keys.
    package var count: Int { byDigest.count }

    /// The key whose SHA-256 is the digest of `presented`, or nil.
    package func key(presented: some Collection<UInt8>) -> Key? {
        byDigest[SHA256.digest(presented)]
    }

    /// Parses a keys file; every problem is listed with its JSON path.
    package static func parse(_ bytes: [UInt8], file: String? = nil) throws(ConfigError) -> ClientKeys {
        var duplicates: [JSONValue.DuplicateKey] = []
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes, duplicates: &duplicates)
        } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(.root, "invalid JSON at line \(error.line), column \(error.column): \(error.message)")], what: "client keys file")
        }
        var problems = duplicates.map { ConfigProblem($0.path, "duplicate key id \(ConfigProblem.Path.quoted($0.key)) (line \($0.line))") }
        guard case .object(let top) = root else {
            throw ConfigError(file: file, problems: [ConfigProblem(.root, "expected a JSON object of key id → {\"sha256\": …}")], what: "client keys file")
        }
        var keys = ClientKeys()
        var seen: [[UInt8]: String] = [:]
        for (id, value) in top.members {
            let path = ConfigProblem.Path.root.key(id)
            if id.isEmpty || id.utf8.count > 128 || id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                problems.append(ConfigProblem(path, "a key id must be 1 to 128 printable characters"))
                continue
            }
            guard case .object(let entry) = value else {
                problems.append(ConfigProblem(path, "expected an object such as {\"sha256\": \"<64 hex digits>\"}"))
                continue
            }
            for member in entry.members where !["sha256", "rpm", "models"].contains(member.key) {
                problems.append(ConfigProblem(path.key(member.key), "unknown field; expected sha256, rpm or models"))
            }
            var digest: [UInt8]?
            if let text = entry["sha256"]?.string {
                digest = Self.hexBytes(text)
                if digest == nil { problems.append(ConfigProblem(path.key("sha256"), "expected the key's SHA-256 as 64 hexadecimal digits (e.g. from `printf %s KEY | sha256sum`)")) }
            } else {
                problems.append(ConfigProblem(path.key("sha256"), entry.has("sha256") ? "expected a string of 64 hexadecimal digits" : "missing: the key's SHA-256 as 64 hexadecimal digits"))
            }
            var rpm: Int?
            if let raw = entry["rpm"], !raw.isNull {
                if let value = raw.int, value >= 1 { rpm = value } else { problems.append(ConfigProblem(path.key("rpm"), "expected a whole number of requests per minute >= 1")) }
            }
            var models: Set<String>?
            if let raw = entry["models"], !raw.isNull {
                if let list = raw.array, !list.isEmpty, list.allSatisfy({ ($0.string ?? "").isEmpty == false }) {
                    models = Set(list.compactMap(\.string))
                } else {
                    problems.append(ConfigProblem(path.key("models"), "expected a non-empty list of model names"))
                }
            }
            guard let digest else { continue }
            if let other = seen[digest] {
                problems.append(ConfigProblem(path.key("sha256"), "the same key as \(ConfigProblem.Path.quoted(other)); every key id needs its own key"))
                continue
            }
            seen[digest] = id
            keys.byDigest[digest] = Key(id: id, rpm: rpm, models: models)
        }
        if !problems.isEmpty { throw ConfigError(file: file, problems: problems, what: "client keys file") }
        return keys
    }

    /// Reads and parses the file at `path`.
    package static func load(path: String) throws(ConfigError) -> ClientKeys {
        try parse(read(path: path), file: path)
    }

    /// The bytes of the file at `path`; an unreadable file is a problem at `$`.
    package static func read(path: String) throws(ConfigError) -> [UInt8] {
        switch FileContents.read(path) {
        case .success(let contents): return contents
        case .failure(let reason):
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the file: \(reason)")], what: "client keys file")
        }
    }

    /// 32 bytes from 64 hexadecimal digits (either case), or nil.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
