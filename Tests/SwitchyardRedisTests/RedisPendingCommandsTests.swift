import Testing
@testable import SwitchyardRedis

@Suite("Pending command queue")
struct RedisPendingCommandsTests {
    @Test("commands come out oldest first across growth and wrap-around, with the oldest deadline first")
    func fifoAcrossWrapAround() {
        var queue = RedisPendingCommands()
        var completed: [Int] = []
        var next = 0
        var expected = 0
        // Keep 10 in the queue while pushing 100 through it, then grow it past its first capacity.
        for round in 0..<100 {
            let id = next
            queue.append(deadline: UInt64(id)) { _ in completed.append(id) }
            next += 1
            if round >= 10 {
                #expect(queue.firstDeadline == UInt64(expected))
                queue.popFirst()?(.success(.null))
                expected += 1
            }
        }
        for _ in 0..<40 {
            let id = next
            queue.append(deadline: UInt64(id)) { _ in completed.append(id) }
            next += 1
        }
        #expect(queue.count == 50)
        for completion in queue.removeAll() { completion(.failure(.timedOut)) }
        #expect(completed == Array(0..<next))
        #expect(queue.isEmpty)
        #expect(queue.firstDeadline == nil)
        #expect(queue.popFirst() == nil)
    }
}
