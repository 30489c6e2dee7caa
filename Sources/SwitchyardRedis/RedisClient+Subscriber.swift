import SwitchyardCore

extension RedisClient {
    /// Subscribes this client to `channel` on every ready connection (now, when ready, and after each
    /// reconnection) and calls `onMessage` with each message's payload, on the loop thread.
    ///
    /// A client that subscribes is a *subscriber*: once `SUBSCRIBE` is sent, Redis answers nothing but pushes on
    /// that connection, so use a client of its own for subscriptions and never ``send(_:completion:)`` commands on
    /// it after this call. Messages published while the connection was down are lost (Redis pub/sub keeps nothing):
    /// ``onConnected`` tells the owner when to catch up from the keys.
    package func subscribe(_ channel: String, onMessage: @escaping ([UInt8]) -> Void) {
        subscriptions[channel] = onMessage
        if state == .ready { issueSubscribe([channel]) }
    }

    /// Sends `SUBSCRIBE` for every channel (a new connection has none yet).
    func subscribeAll() {
        guard !subscriptions.isEmpty else { return }
        issueSubscribe(subscriptions.keys.sorted())
    }

    private func issueSubscribe(_ channels: [String]) {
        beginCommand()
        appendArgument("SUBSCRIBE")
        for channel in channels { appendArgument(channel) }
        if issueBuiltWords() {
            subscribed = true
            statistics.commandsSent += 1
        } else {
            teardown(.connectionLost("hiredis refused the SUBSCRIBE command"))
        }
    }

    /// A push on a subscribed connection: `message <channel> <payload>` goes to the channel's handler;
    /// confirmations (`subscribe <channel> <count>`) need nothing.
    func pushed(_ reply: RedisReply) {
        guard case .array(let parts) = reply, parts.count == 3, case .string(let kind) = parts[0],
              kind.elementsEqual("message".utf8), case .string(let channel) = parts[1], case .string(let payload) = parts[2]
        else { return }
        subscriptions[String(decoding: channel, as: UTF8.self)]?(payload)
    }
}
