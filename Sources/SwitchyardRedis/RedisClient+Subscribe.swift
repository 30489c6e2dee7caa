import CHiredis

// Pub/sub on a connection of its own (RESP2: a subscribed connection carries nothing else). hiredis 0.14 keeps a
// SUBSCRIBE's callback in its channel table and calls it for the confirmation and for every message on the
// channel (`["message", channel, payload]`), outside the in-order reply queue, so these replies never meet the
// pending-command ring.

extension RedisClient {
    /// Makes this client a subscriber of `channel`: on every ready connection (the first and each reconnection) it
    /// sends `SUBSCRIBE channel`, and `onMessage` receives each message's payload. Call before ``start()``. A
    /// subscriber sends no commands (``send(_:completion:)`` fails with ``RedisError/forbiddenCommand(_:)``).
    /// Pub/sub delivers at most once: messages published while the connection is down are lost, so a user
    /// catches up by other means after ``onConnected``.
    package func subscribe(to channel: String, onMessage: @escaping ([UInt8]) -> Void) {
        subscription = (channel, onMessage)
    }

    /// Sends `SUBSCRIBE` for the configured channel on the ready connection.
    func issueSubscribe() {
        guard let context, let channel = subscription?.channel else { return }
        beginCommand()
        appendArgument("SUBSCRIBE")
        appendArgument(channel)
        argumentPointers.removeAll(keepingCapacity: true)
        let status = argumentBytes.withUnsafeBufferPointer { bytes -> Int32 in
            let base = UnsafeRawPointer(bytes.baseAddress!)
            var offset = 0
            for length in argumentLengths {
                argumentPointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return argumentPointers.withUnsafeMutableBufferPointer { pointers in
                argumentLengths.withUnsafeBufferPointer { lengths in
                    redisAsyncCommandArgv(context, { context, reply, _ in
                        // NULL while hiredis frees the context: the connection is gone, connectionEnded() reports it.
                        guard let reply, let client = RedisClient.from(context?.pointee.data) else { return }
                        client.pushed(RedisReply(UnsafePointer(reply.assumingMemoryBound(to: redisReply.self))))
                    }, nil, Int32(lengths.count), pointers.baseAddress, lengths.baseAddress)
                }
            }
        }
        if status != REDIS_OK { teardown(.connectionLost("hiredis refused the SUBSCRIBE command")) }
    }

    /// A pub/sub reply: hands a message's payload to the subscriber.
    private func pushed(_ reply: RedisReply) {
        statistics.repliesReceived += 1
        guard case .array(let parts) = reply, parts.count == 3, parts[0].text == "message", case .string(let payload) = parts[2] else { return }
        subscription?.onMessage(payload)
    }
}
