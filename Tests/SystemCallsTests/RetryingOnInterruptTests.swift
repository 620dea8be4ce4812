import Glibc
import Testing

import SystemCalls

/// The one helper every raw call goes through: EINTR retried, any other errno thrown once.
@Suite struct RetryingOnInterruptTests {
    /// A fake call that fails with `code` on its first `failures` calls, then returns `value`.
    private final class FakeCall {
        let failures: Int
        let code: Int32
        let value: Int32
        private(set) var calls = 0

        init(failures: Int, code: Int32, value: Int32 = 7) {
            self.failures = failures
            self.code = code
            self.value = value
        }

        func callAsFunction() -> Int32 {
            calls += 1
            guard calls > failures else {
                errno = code
                return -1
            }
            return value
        }
    }

    @Test func aCallInterruptedThreeTimesIsRetriedUntilItSucceeds() throws {
        let call = FakeCall(failures: 3, code: EINTR)
        #expect(try retryingOnInterrupt("fake") { call() } == 7)
        #expect(call.calls == 4)
    }

    @Test func aCallThatSucceedsAtOnceIsMadeOnce() throws {
        let call = FakeCall(failures: 0, code: EINTR, value: 0)
        #expect(try retryingOnInterrupt("fake") { call() } == 0)
        #expect(call.calls == 1)
    }

    @Test func anInterruptIsNotRetriedWhenTheCallerSaysSoAsCloseDoes() {
        let call = FakeCall(failures: 1, code: EINTR)
        #expect(throws: SystemCallError(operation: "close", code: .interrupted)) {
            try retryingOnInterrupt("close", retryOnInterrupt: false) { call() }
        }
        #expect(call.calls == 1)
    }

    @Test func anyOtherErrnoIsThrownAtOnceNamingTheOperation() {
        let call = FakeCall(failures: 5, code: EBADF)
        #expect(throws: SystemCallError(operation: "read fd 99", code: .badDescriptor)) {
            try retryingOnInterrupt("read fd 99") { call() }
        }
        #expect(call.calls == 1)
    }

    @Test func theOperationTextIsMadeOnlyOnFailure() throws {
        var described = 0
        func operation() -> String {
            described += 1
            return "fake"
        }
        let call = FakeCall(failures: 2, code: EINTR)
        _ = try retryingOnInterrupt(operation()) { call() }
        #expect(described == 0)
    }

    @Test func theDescriptionIsTheOperationAndTheCLibrarysText() {
        let error = SystemCallError(operation: "open /nowhere", code: .noSuchFile)
        #expect(error.reason == "No such file or directory")
        #expect("\(error)" == "open /nowhere: No such file or directory")
    }
}
