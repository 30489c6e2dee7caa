import Glibc
import Testing
@testable import SwitchyardIO

/// Records the events it is handed and runs `action` on each.
private final class Probe: IOHandler {
    var events: [UInt32] = []
    var action: () -> Void = {}

    func handleIO(events: UInt32) {
        self.events.append(events)
        action()
    }
}

/// A connected pair of Unix stream sockets (close-on-exec).
private func socketPair() throws -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
        throw IOError(call: "socketpair", code: errno)
    }
    return (fds[0], fds[1])
}

@Suite("Event loop file events")
struct EventLoopTests {
    @Test("an event queued for an fd that was closed and reused in the same batch does not reach the new owner", .timeLimit(.minutes(1)))
    func staleEventAfterReuse() throws {
        let loop = try EventLoop()
        let (first, firstPeer) = try socketPair()
        let (second, secondPeer) = try socketPair()
        let (fresh, freshPeer) = try socketPair()
        var one: UInt8 = 1
        #expect(Glibc.write(firstPeer, &one, 1) == 1)
        #expect(Glibc.write(secondPeer, &one, 1) == 1)
        defer { for fd in [first, firstPeer, second, secondPeer, freshPeer] { Glibc.close(fd) } }

        // Both fds are readable before the loop runs, so one epoll_wait returns both. Whichever handler runs
        // first closes the other fd and puts a new, idle socket under the same number with a new handler.
        let firstProbe = Probe()
        let secondProbe = Probe()
        let newOwner = Probe()
        var replaced: Int32 = -1
        func replace(_ victim: Int32) {
            guard replaced < 0 else { return }
            replaced = victim
            loop.unregister(victim)
            Glibc.close(victim)
            #expect(dup2(fresh, victim) == victim)
            Glibc.close(fresh)
            #expect(throws: Never.self) { try loop.register(victim, interest: IOInterest.read, handler: newOwner) }
            loop.afterCurrentIteration { loop.stop() }
        }
        firstProbe.action = { replace(second) }
        secondProbe.action = { replace(first) }
        try loop.register(first, interest: IOInterest.read, handler: firstProbe)
        try loop.register(second, interest: IOInterest.read, handler: secondProbe)
        // Only a guard: the test stops the loop itself after the first batch.
        loop.schedule(afterNanoseconds: 10_000_000_000) { loop.stop() }

        loop.run()

        #expect(replaced >= 0)
        #expect(firstProbe.events.count + secondProbe.events.count == 1)
        #expect(newOwner.events.isEmpty, "the new socket is idle; any event it got was meant for the closed one")
        loop.unregister(replaced)
        Glibc.close(replaced)
    }

    @Test("events keep reaching a handler after its interest set is modified")
    func modifyKeepsTheRegistration() throws {
        let loop = try EventLoop()
        let (fd, peer) = try socketPair()
        defer { Glibc.close(fd); Glibc.close(peer) }
        let probe = Probe()
        probe.action = { loop.stop() }
        try loop.register(fd, interest: IOInterest.read, handler: probe)
        try loop.modify(fd, interest: IOInterest.readWrite)
        loop.schedule(afterNanoseconds: 10_000_000_000) { loop.stop() }

        loop.run()

        #expect(probe.events.count == 1)
        #expect(probe.events.first.map { $0 & IOInterest.writable != 0 } == true)
        loop.unregister(fd)
    }
}
