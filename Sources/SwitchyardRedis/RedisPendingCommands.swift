/// The commands sent on the current connection and not yet answered, oldest first: a ring buffer, so that
/// appending and popping allocate nothing once it has grown to the pipeline's depth.
///
/// Redis answers in order and hiredis calls back in order, so the reply at hand always belongs to the first
/// entry; its deadline is also the earliest, which is why one timer (for the first entry) enforces them all.
struct RedisPendingCommands {
    /// Receives the command's reply or why there is none.
    typealias Completion = (Result<RedisReply, RedisError>) -> Void

    private struct Entry {
        var deadline: UInt64
        /// When the command was handed to hiredis (monotonic), for the round-trip time.
        var issuedAt: UInt64
        var completion: Completion?
    }

    private var entries: [Entry] = []
    private var head = 0
    private(set) var count = 0

    /// Whether no command is waiting.
    var isEmpty: Bool { count == 0 }

    /// The monotonic deadline of the oldest command.
    var firstDeadline: UInt64? { count == 0 ? nil : entries[head].deadline }

    /// When the oldest command was issued (monotonic).
    var firstIssuedAt: UInt64? { count == 0 ? nil : entries[head].issuedAt }

    /// Adds a command issued at `issuedAt` that waits for its reply until `deadline`.
    mutating func append(deadline: UInt64, issuedAt: UInt64 = 0, _ completion: @escaping Completion) {
        if count == entries.count { grow() }
        entries[(head + count) % entries.count] = Entry(deadline: deadline, issuedAt: issuedAt, completion: completion)
        count += 1
    }

    /// Removes and returns the oldest command's completion.
    mutating func popFirst() -> Completion? {
        guard count > 0 else { return nil }
        let completion = entries[head].completion
        entries[head].completion = nil
        head = (head + 1) % entries.count
        count -= 1
        return completion
    }

    /// Removes every command, returning their completions oldest first.
    mutating func removeAll() -> [Completion] {
        var completions: [Completion] = []
        completions.reserveCapacity(count)
        while let completion = popFirst() { completions.append(completion) }
        head = 0
        return completions
    }

    private mutating func grow() {
        var larger = [Entry](repeating: Entry(deadline: 0, issuedAt: 0, completion: nil), count: max(16, entries.count * 2))
        for index in 0..<count { larger[index] = entries[(head + index) % entries.count] }
        entries = larger
        head = 0
    }
}
