/// The most recent `capacity` samples of a quantity (a ring), with percentiles for the operator view.
package struct SampleWindow: Sendable, Equatable {
    private var samples: [UInt64] = []
    private var next = 0
    package let capacity: Int
    /// Samples ever added.
    package private(set) var total = 0

    /// An empty window of `capacity` samples.
    package init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Adds a sample, replacing the oldest once full.
    package mutating func add(_ value: UInt64) {
        total += 1
        if samples.count < capacity {
            samples.append(value)
        } else {
            samples[next] = value
            next = (next + 1) % capacity
        }
    }

    /// The `fraction` percentile (0.5 = median) of the window by nearest rank; nil when empty.
    package func percentile(_ fraction: Double) -> UInt64? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
