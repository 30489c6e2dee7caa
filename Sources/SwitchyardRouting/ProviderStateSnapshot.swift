/// One provider's selection state in one model, as this worker sees it: for the operator view, never for routing.
package struct ProviderStateSnapshot: Sendable, Equatable {
    /// The provider id (never its host or key).
    package var id: String
    /// This worker's leases on it not yet released.
    package var inFlight: Int
    /// This worker's leases on it since start.
    package var selections: UInt64
    /// The `dynamic_weighted` latency score (1 = the model's mean); nil under other strategies.
    package var latencyScore: Double?
    /// Slots held by this worker under `first_available`; nil under other strategies.
    package var slotsHeld: Int?
    /// The provider's slots (`nworkers`, at least 1).
    package var slots: Int
    /// Whether its passive circuit is open (selection skips it while another is closed).
    package var circuitOpen: Bool

    /// A snapshot.
    package init(id: String, inFlight: Int, selections: UInt64, latencyScore: Double?, slotsHeld: Int?, slots: Int, circuitOpen: Bool) {
        self.id = id
        self.inFlight = inFlight
        self.selections = selections
        self.latencyScore = latencyScore
        self.slotsHeld = slotsHeld
        self.slots = slots
        self.circuitOpen = circuitOpen
    }
}
