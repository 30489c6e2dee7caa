/// An indexed binary min-heap of deadlines: every timer knows its position in the heap, so ``cancel(_:)`` removes
/// it at once (swap with the last entry, sift; O(log n)) instead of leaving it in the heap until its deadline.
///
/// Timers live in reusable slots (callback, heap position, generation) found by the ``TimerID``; the heap holds
/// small value nodes. Scheduling and cancelling allocate nothing once the arrays have grown to the peak number of
/// pending timers. Equal deadlines fire in the order they were scheduled.
struct TimerHeap {
    /// A heap node: ordered by deadline, then by scheduling order.
    private struct Node {
        var deadline: UInt64
        var sequence: UInt64
        var slot: Int32
    }

    /// A timer's storage; `position` is its index in `heap`, or -1 while the slot is free.
    private struct Slot {
        var callback: (() -> Void)?
        var generation: UInt32
        var position: Int32
    }

    private var heap: [Node] = []
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    /// Whether no timer is pending.
    var isEmpty: Bool { heap.isEmpty }

    /// Number of pending timers (cancelled ones are not counted: they are gone).
    var count: Int { heap.count }

    /// The earliest pending deadline.
    var nextDeadline: UInt64? { heap.first?.deadline }

    /// Marks the timers scheduled so far, for ``popDue(now:scheduledBefore:)``.
    var mark: UInt64 { nextSequence }

    /// Adds a timer due at `deadline` (monotonic nanoseconds).
    mutating func schedule(at deadline: UInt64, _ callback: @escaping () -> Void) -> TimerID {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            slots[slot].callback = callback
        } else {
            slot = slots.count
            slots.append(Slot(callback: callback, generation: 1, position: -1))
        }
        let node = Node(deadline: deadline, sequence: nextSequence, slot: Int32(truncatingIfNeeded: slot))
        nextSequence &+= 1
        heap.append(node)
        slots[slot].position = Int32(truncatingIfNeeded: heap.count - 1)
        siftUp(node, from: heap.count - 1)
        return TimerID(slot: slot, generation: slots[slot].generation)
    }

    /// Removes a pending timer; unknown, fired or already cancelled identifiers are ignored.
    mutating func cancel(_ id: TimerID) {
        let slot = id.slot
        guard slot < slots.count, slots[slot].generation == id.generation, slots[slot].position >= 0 else { return }
        remove(at: Int(slots[slot].position))
    }

    /// Removes and returns the callback of the earliest timer due at `now`, considering only timers scheduled
    /// before `mark` (so a callback that schedules a timer already due cannot keep one loop iteration going).
    mutating func popDue(now: UInt64, scheduledBefore mark: UInt64) -> (() -> Void)? {
        guard let top = heap.first, top.deadline <= now, top.sequence < mark else { return nil }
        return remove(at: 0)
    }

    /// Takes the node at `index` out of the heap, frees its slot and returns its callback.
    @discardableResult
    private mutating func remove(at index: Int) -> (() -> Void)? {
        let slot = Int(heap[index].slot)
        let last = heap.removeLast()
        if index < heap.count {
            // The last node fills the hole; it may belong above or below it.
            if index > 0 && Self.precedes(last, heap[(index - 1) / 2]) {
                siftUp(last, from: index)
            } else {
                siftDown(last, from: index)
            }
        }
        let callback = slots[slot].callback
        slots[slot].callback = nil
        slots[slot].position = -1
        slots[slot].generation &+= 1
        freeSlots.append(Int32(truncatingIfNeeded: slot))
        return callback
    }

    @inline(__always)
    private static func precedes(_ a: Node, _ b: Node) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }

    /// Places `node` at the hole `index` or above it, moving parents down.
    private mutating func siftUp(_ node: Node, from index: Int) {
        var hole = index
        while hole > 0 {
            let parent = (hole - 1) / 2
            if !Self.precedes(node, heap[parent]) { break }
            place(heap[parent], at: hole)
            hole = parent
        }
        place(node, at: hole)
    }

    /// Places `node` at the hole `index` or below it, moving children up.
    private mutating func siftDown(_ node: Node, from index: Int) {
        var hole = index
        let count = heap.count
        while true {
            let left = 2 * hole + 1
            if left >= count { break }
            let right = left + 1
            let child = right < count && Self.precedes(heap[right], heap[left]) ? right : left
            if !Self.precedes(heap[child], node) { break }
            place(heap[child], at: hole)
            hole = child
        }
        place(node, at: hole)
    }

    @inline(__always)
    private mutating func place(_ node: Node, at index: Int) {
        heap[index] = node
        slots[Int(node.slot)].position = Int32(truncatingIfNeeded: index)
    }
}
