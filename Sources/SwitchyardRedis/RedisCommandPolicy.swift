/// The commands ``RedisClient`` refuses to send, because the connection serves every request of a worker:
///
/// - `KEYS` walks the whole keyspace and stalls Redis for every client (use `SCAN` on an admin path, or keep
///   an index);
/// - blocking commands (`BLPOP`, `BRPOP`, `BRPOPLPUSH`, `BLMOVE`, `BLMPOP`, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP`,
///   `WAIT`, `WAITAOF`, `XREAD`/`XREADGROUP … BLOCK`) would hold every later reply behind them and trip the
///   command timeout;
/// - commands that change what the connection is (`SUBSCRIBE` and friends, `MONITOR`, `SYNC`, `PSYNC`,
///   `SELECT`, `AUTH`, `HELLO`, `RESET`, `QUIT`, `CLIENT REPLY`) would break the one-reply-per-command pairing or
///   the database and user the configuration chose (the client sends `AUTH` and `SELECT` itself on connect).
///
/// Pub/sub needs a connection of its own.
enum RedisCommandPolicy {
    private static let refused: Set<String> = [
        "KEYS",
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
        "SYNC", "PSYNC", "SELECT", "AUTH", "HELLO", "RESET", "QUIT",
    ]

    /// The upper-cased name of the refused command in `arguments` (the command's words, back to back in `bytes`,
    /// with their `lengths`), or nil when it may be sent.
    static func refusal(bytes: [UInt8], lengths: [Int]) -> String? {
        guard let first = lengths.first else { return "an empty command" }
        // Every refused name is at most 12 bytes: longer names are allowed without building a String.
        guard first <= 12 else { return nil }
        let name = word(bytes, 0, first)
        if refused.contains(name) { return name }
        switch name {
        case "XREAD", "XREADGROUP":
            var offset = first
            for length in lengths.dropFirst() {
                if length == 5, word(bytes, offset, length) == "BLOCK" { return name + " BLOCK" }
                offset += length
            }
            return nil
        case "CLIENT":
            if lengths.count > 1, lengths[1] == 5, word(bytes, first, 5) == "REPLY" { return "CLIENT REPLY" }
            return nil
        default:
            return nil
        }
    }

    /// The ASCII upper-case of `bytes[offset..<offset + length]` (short enough to be a small, inline String).
    private static func word(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> String {
        String(decoding: bytes[offset..<(offset + length)].lazy.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }
}
