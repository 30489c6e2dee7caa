import SwitchyardCore
import Testing
@testable import SwitchyardGateway

@Suite("Admin access")
struct AdminAccessTests {
    let access = AdminAccess(token: "admin-secret")

    @Test("without a configured token every request gets 403 saying how to turn the admin endpoints on")
    func offWithoutToken() {
        for token in [nil, ""] as [String?] {
            let error = AdminAccess(token: token).check(authorization: "Bearer admin-secret")
            #expect(error?.status == 403)
            #expect(error?.message.contains("LLM_ROUTER_ADMIN_TOKEN") == true)
        }
    }

    @Test("a missing, malformed or wrong token gets 401", arguments: [
        nil, "", "Bearer", "Bearer ", "Basic admin-secret", "Bearer admin-secre", "Bearer admin-secret2", "Bearer ADMIN-SECRET", "admin-secret",
    ] as [String?])
    func wrongTokens(authorization: String?) {
        #expect(access.check(authorization: authorization)?.status == 401)
    }

    @Test("the right bearer token passes, whatever the scheme's case")
    func rightToken() {
        #expect(access.check(authorization: "Bearer admin-secret") == nil)
        #expect(access.check(authorization: "bearer admin-secret") == nil)
        #expect(access.check(authorization: "BEARER  admin-secret ") == nil)
    }

    @Test("the constant-time comparison tells equal byte strings from prefixes, extensions and changed bytes")
    func constantTimeEquals() {
        let expected = Array("abcdef".utf8)
        #expect(AdminAccess.constantTimeEquals(expected, expected))
        #expect(!AdminAccess.constantTimeEquals(Array("abcde".utf8), expected))
        #expect(!AdminAccess.constantTimeEquals(Array("abcdefg".utf8), expected))
        #expect(!AdminAccess.constantTimeEquals(Array("abcdeF".utf8), expected))
        #expect(!AdminAccess.constantTimeEquals([], expected))
        #expect(!AdminAccess.constantTimeEquals(Array("abcdef\0".utf8), expected))
    }
}
