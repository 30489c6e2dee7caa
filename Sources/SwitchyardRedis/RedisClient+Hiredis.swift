import CHiredis
import SwitchyardCore
import SwitchyardIO

// The glue between hiredis' asynchronous context and our loop: the five adapter hooks (as in hiredis'
// adapters/ae.h: addRead, delRead, addWrite, delWrite, cleanup), the readiness handler, the flush, and the
// argument marshalling for redisAsyncCommandArgv.
//
// hiredis 0.14 semantics this relies on (async.c):
// - every command appends to the output buffer and calls addWrite; nothing is written until
//   redisAsyncHandleWrite, which writes the whole buffer with one write(2) and calls delWrite when it is
//   empty (addWrite when not), then addRead;
// - while the socket is not yet connected, the first read or write event completes (or fails) the connect;
// - a read or write error frees the context inside redisAsyncHandleRead/Write: pending callbacks get a NULL
//   reply, then cleanup runs, then the fd is closed;
// - redisAsyncFree inside a reply callback only marks the context, which is freed when the callback returns.

extension RedisClient: IOHandler {
    /// Socket readiness: completes the connect, reads replies, or continues a write the kernel did not take.
    package func handleIO(events: UInt32) {
        guard let context else { return }
        guard context.pointee.c.flags & REDIS_CONNECTED != 0 else {
            // The non-blocking connect finished (EPOLLOUT) or failed (EPOLLERR/EPOLLHUP): hiredis checks SO_ERROR,
            // then writes the queued handshake.
            redisAsyncHandleWrite(context)
            return
        }
        if events & (IOInterest.readable | IOInterest.hangup) != 0 {
            redisAsyncHandleRead(context)
            guard self.context == context else { return }  // freed on error
        }
        if events & IOInterest.writable != 0 {
            flushing = true
            redisAsyncHandleWrite(context)
            flushing = false
        }
    }

    /// Points the context's hooks and user data at this client (unretained: the loop retains the client while
    /// its socket is registered, and every path that frees the context runs the cleanup hook first).
    func attachHooks(_ context: UnsafeMutablePointer<redisAsyncContext>) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        context.pointee.data = me
        context.pointee.ev.data = me
        context.pointee.ev.addRead = { data in RedisClient.from(data)?.addInterest(IOInterest.read) }
        context.pointee.ev.delRead = { data in RedisClient.from(data)?.removeInterest(IOInterest.read) }
        context.pointee.ev.addWrite = { data in RedisClient.from(data)?.writeWanted() }
        context.pointee.ev.delWrite = { data in RedisClient.from(data)?.removeInterest(IOInterest.writable) }
        context.pointee.ev.cleanup = { data in RedisClient.from(data)?.contextGone() }
    }

    static func from(_ data: UnsafeMutableRawPointer?) -> RedisClient? {
        guard let data else { return nil }
        return Unmanaged<RedisClient>.fromOpaque(data).takeUnretainedValue()
    }

    // MARK: hooks

    /// `addWrite`: a command was appended. Once connected, write at the end of this iteration, so that every
    /// command of the iteration shares the write; while connecting, or when a write left data behind, wait for
    /// `EPOLLOUT`.
    private func writeWanted() {
        guard let context, interest & IOInterest.writable == 0 else { return }
        if context.pointee.c.flags & REDIS_CONNECTED != 0, !flushing {
            guard !flushScheduled else { return }
            flushScheduled = true
            loop.afterCurrentIteration(flushAction)
        } else {
            addInterest(IOInterest.writable)
        }
    }

    /// Writes what hiredis has buffered (one `write(2)`); scheduled by ``writeWanted()``.
    func flush() {
        flushScheduled = false
        guard let context, context.pointee.c.flags & REDIS_CONNECTED != 0, interest & IOInterest.writable == 0 else { return }
        statistics.flushes += 1
        flushing = true
        redisAsyncHandleWrite(context)
        flushing = false
    }

    private func addInterest(_ bits: UInt32) { setInterest(interest | bits) }

    private func removeInterest(_ bits: UInt32) { setInterest(interest & ~bits) }

    /// Registers the socket with the loop on first use, afterwards changes its interest set when it changed.
    private func setInterest(_ wanted: UInt32) {
        guard let context, registered ? wanted != interest : wanted != IOInterest.none else { return }
        let fd = context.pointee.c.fd
        guard fd >= 0 else { return }
        do {
            if registered {
                try loop.modify(fd, interest: wanted)
            } else {
                try loop.register(fd, interest: wanted, handler: self)
                registered = true
                socket = fd
            }
            interest = wanted
        } catch {
            // Not from inside hiredis: drop the connection once the current call has returned.
            let reason = RedisError.connectionLost(error.description)
            loop.afterCurrentIteration { [weak self] in
                guard let self, self.context == context else { return }
                self.teardown(reason)
            }
        }
    }

    /// `cleanup`: hiredis is freeing the context (an error, or our redisAsyncFree) and closes the fd next.
    private func contextGone() {
        if registered { loop.unregister(socket) }
        registered = false
        socket = -1
        interest = IOInterest.none
        flushing = false
        let reason = teardownReason ?? context.map { .connectionLost(Self.errorText($0)) } ?? .connectionLost("connection closed")
        teardownReason = nil
        context = nil
        connectionEnded(reason)
    }

    /// hiredis' description of the context's error (`Connection refused`, `Server closed the connection`, …).
    static func errorText(_ context: UnsafeMutablePointer<redisAsyncContext>) -> String {
        guard context.pointee.c.err != 0 else { return "connection closed" }
        let text = withUnsafeBytes(of: context.pointee.c.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return text.isEmpty ? "error \(context.pointee.c.err)" : text
    }

    // MARK: replies

    /// One reply, which belongs to the oldest waiting command.
    private func received(_ reply: RedisReply) {
        statistics.repliesReceived += 1
        if subscribed {
            pushed(reply)
            return
        }
        if case .error = reply { statistics.errorReplies += 1 }
        if let onRoundTrip, let issued = pending.firstIssuedAt { onRoundTrip(MonotonicClock.now() &- issued) }
        guard let completion = pending.popFirst() else {
            // Cannot happen while every command has a callback; never guess a pairing.
            teardown(.connectionLost("a reply arrived for no command"))
            return
        }
        completion(.success(reply))
    }

    // MARK: building and issuing commands

    /// Starts a new command in the reusable argument buffers.
    func beginCommand() {
        argumentBytes.removeAll(keepingCapacity: true)
        argumentLengths.removeAll(keepingCapacity: true)
    }

    /// Appends one word to the command being built.
    func appendArgument(_ argument: any RedisArgument) {
        let start = argumentBytes.count
        argument.appendRedisBytes(to: &argumentBytes)
        argumentLengths.append(argumentBytes.count - start)
    }

    /// Hands the built command to hiredis with `completion` and a reply deadline; false when hiredis refuses it
    /// (the context is being freed).
    func issueBuiltCommand(deadline: UInt64, _ completion: @escaping Completion) -> Bool {
        guard issueBuiltWords() else { return false }
        pending.append(deadline: deadline, issuedAt: MonotonicClock.now(), completion)
        statistics.commandsSent += 1
        armTimeoutTimer()
        return true
    }

    /// Hands the built command to hiredis without waiting for a reply of its own (`SUBSCRIBE`: its confirmations
    /// and messages arrive as pushes); false when hiredis refuses it.
    func issueBuiltWords() -> Bool {
        guard context != nil else { return false }
        // Formatted here (one pass, no allocation once the buffer has grown) rather than by hiredis' argv
        // formatter, which builds the command with a formatted append and a reallocation per word.
        let length = RESP.writeCommand(words: argumentBytes, lengths: argumentLengths, into: &formatted)
        return handOver(length: length)
    }

    /// Hands the first `length` bytes of ``formatted`` (one RESP command) to hiredis with a reply deadline.
    func issueFormatted(length: Int, deadline: UInt64, _ completion: @escaping Completion) -> Bool {
        guard handOver(length: length) else { return false }
        pending.append(deadline: deadline, issuedAt: MonotonicClock.now(), completion)
        statistics.commandsSent += 1
        armTimeoutTimer()
        return true
    }

    /// Gives hiredis the RESP command in the first `length` bytes of ``formatted``.
    private func handOver(length: Int) -> Bool {
        guard let context else { return false }
        let status = formatted.withUnsafeBufferPointer { bytes -> Int32 in
            UnsafeRawPointer(bytes.baseAddress!).withMemoryRebound(to: CChar.self, capacity: length) { command in
                redisAsyncFormattedCommand(context, { context, reply, _ in
                    // NULL replies only come while hiredis frees the context; connectionEnded() fails those
                    // commands itself.
                    guard let reply, let client = RedisClient.from(context?.pointee.data) else { return }
                    client.received(RedisReply(UnsafePointer(reply.assumingMemoryBound(to: redisReply.self))))
                }, nil, command, length)
            }
        }
        return status == REDIS_OK
    }
}
