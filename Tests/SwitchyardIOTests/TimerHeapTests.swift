import Testing
@testable import SwitchyardIO

/// Schedules timers that append their label to a shared log when they fire.
private final class FiringLog {
    var fired: [Int] = []

    func schedule(_ heap: inout TimerHeap, _ label: Int, at deadline: UInt64) -> TimerID {
        heap.schedule(at: deadline) { [unowned self] in self.fired.append(label) }
    }

    /// Runs every timer due at `now` (scheduled so far), in order.
    func runDue(_ heap: inout TimerHeap, now: UInt64) {
        let mark = heap.mark
        while let callback = heap.popDue(now: now, scheduledBefore: mark) { callback() }
    }
}

/// SplitMix64: a small seeded generator, so a failing random sequence can be replayed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Timer heap")
struct TimerHeapTests {
    @Test("timers fire in deadline order, and only those due")
    func deadlineOrder() {
        var heap = TimerHeap()
        let log = FiringLog()
        for (label, deadline) in [(5, 50), (1, 10), (4, 40), (2, 20), (3, 30)] {
            _ = log.schedule(&heap, label, at: UInt64(deadline))
        }
        #expect(heap.nextDeadline == 10)
        log.runDue(&heap, now: 35)
        #expect(log.fired == [1, 2, 3])
        #expect(heap.count == 2)
        #expect(heap.nextDeadline == 40)
        log.runDue(&heap, now: 100)
        #expect(log.fired == [1, 2, 3, 4, 5])
        #expect(heap.isEmpty)
        #expect(heap.nextDeadline == nil)
    }

    @Test("timers with the same deadline fire in the order they were scheduled")
    func tiesKeepSchedulingOrder() {
        var heap = TimerHeap()
        let log = FiringLog()
        for label in 0..<20 { _ = log.schedule(&heap, label, at: label % 2 == 0 ? 7 : 3) }
        log.runDue(&heap, now: 7)
        #expect(log.fired == Array(stride(from: 1, to: 20, by: 2)) + Array(stride(from: 0, to: 20, by: 2)))
    }

    @Test("cancelling the head, a middle and the last timer removes each at once")
    func cancelRemovesImmediately() {
        var heap = TimerHeap()
        let log = FiringLog()
        let ids = (0..<7).map { log.schedule(&heap, $0, at: UInt64(10 * ($0 + 1))) }
        #expect(heap.count == 7)

        heap.cancel(ids[0])  // the head
        #expect(heap.count == 6)
        #expect(heap.nextDeadline == 20)
        heap.cancel(ids[3])  // somewhere in the middle
        #expect(heap.count == 5)
        heap.cancel(ids[6])  // the last node of the array
        #expect(heap.count == 4)

        log.runDue(&heap, now: 1000)
        #expect(log.fired == [1, 2, 4, 5])
        #expect(heap.isEmpty)
    }

    @Test("cancelling a timer twice, or after it fired, leaves the other timers alone")
    func staleCancelIsHarmless() {
        var heap = TimerHeap()
        let log = FiringLog()
        let first = log.schedule(&heap, 1, at: 10)
        log.runDue(&heap, now: 10)
        #expect(log.fired == [1])

        // The freed slot is reused by the next timer; the old identifier must not reach it.
        let second = log.schedule(&heap, 2, at: 20)
        heap.cancel(first)
        #expect(heap.count == 1)

        heap.cancel(second)
        heap.cancel(second)
        #expect(heap.isEmpty)
        _ = log.schedule(&heap, 3, at: 30)
        heap.cancel(second)
        log.runDue(&heap, now: 30)
        #expect(log.fired == [1, 3])
    }

    @Test("a timer scheduled by a firing callback waits for the next round, even when already due")
    func scheduledWhileFiringWaits() {
        var heap = TimerHeap()
        var fired: [String] = []
        var pending: [() -> Void] = []
        _ = heap.schedule(at: 5) { fired.append("first"); pending.append { fired.append("late") } }
        let mark = heap.mark
        while let callback = heap.popDue(now: 5, scheduledBefore: mark) {
            callback()
            for job in pending { _ = heap.schedule(at: 5, job) }
            pending.removeAll()
        }
        #expect(fired == ["first"])
        #expect(heap.count == 1)
        let next = heap.mark
        while let callback = heap.popDue(now: 5, scheduledBefore: next) { callback() }
        #expect(fired == ["first", "late"])
    }

    @Test("random schedule, cancel and fire sequences match a simple sorted-list model", arguments: [1, 2, 3, 42, 2024] as [UInt64])
    func matchesReferenceModel(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var heap = TimerHeap()
        let log = FiringLog()
        // The model: live timers as (deadline, label), in scheduling order; labels increase with scheduling order.
        var model: [(deadline: UInt64, label: Int)] = []
        var ids: [Int: TimerID] = [:]
        var expectedFired: [Int] = []
        var now: UInt64 = 0
        var nextLabel = 0

        for step in 0..<5_000 {
            switch random.next() % 10 {
            case 0..<5:
                // Small deadline range: plenty of ties.
                let deadline = now + random.next() % 40
                ids[nextLabel] = log.schedule(&heap, nextLabel, at: deadline)
                model.append((deadline, nextLabel))
                nextLabel += 1
            case 5..<8:
                // Cancel any label ever issued: live, fired or already cancelled.
                guard nextLabel > 0 else { continue }
                let label = Int(random.next() % UInt64(nextLabel))
                heap.cancel(ids[label]!)
                model.removeAll { $0.label == label }
            default:
                now += random.next() % 15
                let due = model.filter { $0.deadline <= now }.sorted { ($0.deadline, $0.label) < ($1.deadline, $1.label) }
                expectedFired += due.map(\.label)
                model.removeAll { $0.deadline <= now }
                log.runDue(&heap, now: now)
            }
            guard heap.count == model.count, heap.nextDeadline == model.map(\.deadline).min() else {
                Issue.record("seed \(seed), step \(step): heap has \(heap.count) timers next due \(heap.nextDeadline.map(String.init) ?? "never"), model \(model.count) next due \(model.map(\.deadline).min().map(String.init) ?? "never")")
                return
            }
        }
        #expect(log.fired == expectedFired)
    }
}
