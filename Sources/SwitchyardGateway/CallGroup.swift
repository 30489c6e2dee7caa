/// The upstream calls started for one client request (one for a proxied request, many for a builtin endpoint
/// that fans out): cancelling the group — the client went away — cancels every call still running.
final class CallGroup {
    private var calls: [UpstreamCall] = []

    /// Starts tracking `call`.
    func add(_ call: UpstreamCall) {
        calls.removeAll { $0.isDone }
        calls.append(call)
    }

    /// Calls that have not ended.
    var running: Int { calls.reduce(0) { $0 + ($1.isDone ? 0 : 1) } }

    /// Cancels every call that has not ended.
    func cancelAll() {
        let current = calls
        calls = []
        for call in current where !call.isDone { call.cancel() }
    }
}
