import SwitchyardCore

/// Who may call `/admin/*`: holders of `LLM_ROUTER_ADMIN_TOKEN`, sent as `Authorization: Bearer <token>`
/// (RFC 6750 §2.1). Without a configured token the admin endpoints are off.
struct AdminAccess {
    private let token: [UInt8]?

    /// Access guarded by `token`; nil or empty turns the admin endpoints off.
    init(token: String?) {
        self.token = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    /// The error to answer a request carrying `authorization` with, or nil when it may pass: 403 while no token is
    /// configured, 401 for a missing, malformed or wrong one.
    func check(authorization: String?) -> RouterError? {
        guard let token else { return .adminDisabled() }
        guard let authorization, let given = Self.bearerCredentials(authorization) else { return .adminUnauthorized() }
        return Self.constantTimeEquals(given, token) ? nil : .adminUnauthorized()
    }

    /// The credentials of a `Bearer` authorization (scheme case-insensitive, RFC 9110 §11.1), nil for another scheme.
    static func bearerCredentials(_ authorization: String) -> [UInt8]? {
        let bytes = Array(authorization.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count else { return nil }
        for index in scheme.indices where bytes[index] | (scheme[index] == 0x20 ? 0 : 0x20) != scheme[index] { return nil }
        var start = scheme.count
        while start < bytes.count, bytes[start] == 0x20 { start += 1 }
        var end = bytes.count
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        return Array(bytes[start..<end])
    }

    /// Whether `given` equals `expected`, in time that depends only on `expected`'s length: every byte of
    /// `expected` is compared (a shorter `given` reads as zeros) and the difference is folded in without an early
    /// exit, so the answer time tells nothing about how many leading bytes matched or how long the token is.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in expected.indices {
            let byte = index < given.count ? given[index] : 0
            difference |= UInt(byte ^ expected[index])
        }
        return difference == 0
    }
}
