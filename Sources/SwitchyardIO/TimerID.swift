/// Identifies a scheduled timer so it can be cancelled: its slot in the ``TimerHeap`` (low 32 bits) and the
/// slot's generation (high 32 bits), so an identifier kept after its timer ran or was cancelled matches nothing.
package struct TimerID: Hashable, Sendable {
    package let raw: UInt64

    /// Wraps a raw id (for schedulers other than the loop's, e.g. test clocks).
    package init(raw: UInt64) { self.raw = raw }

    init(slot: Int, generation: UInt32) {
        raw = UInt64(generation) << 32 | UInt64(UInt32(truncatingIfNeeded: slot))
    }

    var slot: Int { Int(UInt32(truncatingIfNeeded: raw)) }
    var generation: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) }
}
