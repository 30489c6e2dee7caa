/// How far one upstream exchange has got, for the first-byte and between-chunks deadlines that both clients
/// enforce from their periodic sweep (connect and total time are each client's own).
struct TransferProgress {
    /// Monotonic time of the last byte received (or of the start, before any).
    var lastActivity: UInt64
    var receivedAnyByte = false
    /// The caller's deadline for the first response byte (monotonic; 0 = none): the request's overall budget.
    var firstByteDeadline: UInt64 = 0

    init(now: UInt64) {
        lastActivity = now
    }

    /// Records that bytes arrived.
    mutating func received(now: UInt64) {
        lastActivity = now
        receivedAnyByte = true
    }

    /// Whether the caller's first-byte deadline has passed with no byte received (checked in every phase,
    /// connecting included).
    func pastFirstByteDeadline(now: UInt64) -> Bool {
        !receivedAnyByte && firstByteDeadline != 0 && now >= firstByteDeadline
    }

    /// Why the exchange has waited too long for its next byte, or nil while it is in time. A limit of 0 is off.
    func stall(now: UInt64, firstByte: UInt64, betweenChunks: UInt64) -> String? {
        let limit = receivedAnyByte ? betweenChunks : firstByte
        guard limit > 0, now > lastActivity &+ limit else { return nil }
        return receivedAnyByte ? "upstream timed out waiting between response chunks" : "upstream timed out waiting for the first response byte"
    }
}
