import Glibc
import SwitchyardIO
import Testing

@Suite("Accept failure classification")
struct AcceptFailureTests {
    @Test("running out of descriptors, buffers or memory pauses accepting", arguments: [EMFILE, ENFILE, ENOBUFS, ENOMEM])
    func exhaustionPauses(code: Int32) {
        #expect(AcceptFailure.classify(code) == .pause)
    }

    @Test("a failure of one connection is skipped and accepting goes on",
          arguments: [ECONNABORTED, EPERM, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH, EINTR, EAGAIN])
    func connectionErrorsRetry(code: Int32) {
        #expect(AcceptFailure.classify(code) == .retry)
    }

    @Test("a broken listener pauses rather than spinning", arguments: [EBADF, EINVAL, ENOTSOCK, EFAULT])
    func brokenListenerPauses(code: Int32) {
        #expect(AcceptFailure.classify(code) == .pause)
    }
}
