import Glibc

/// Makes one raw system call the way every call in the project is made: a result of -1 means
/// failure with the reason in `errno`; `EINTR` (a signal arrived first) is retried, since it
/// says nothing about the call; any other `errno` becomes a ``SystemCallError`` naming
/// `operation`.
///
/// - Parameters:
///   - operation: What is being done, for the error (evaluated only on failure).
///   - retryOnInterrupt: False for `close`, which on Linux releases the descriptor even when it
///     reports `EINTR`: retrying could close a descriptor another thread has just been given.
///   - call: The raw call; it must return -1 and set `errno` on failure, as POSIX calls do.
/// - Returns: The call's result (never -1).
public func retryingOnInterrupt<Result: SignedInteger>(
    _ operation: @autoclosure () -> String, retryOnInterrupt: Bool = true, _ call: () -> Result
) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        guard result == -1 else { return result }
        let code = SystemCallError.Code(rawValue: errno)
        if code == .interrupted, retryOnInterrupt { continue }
        throw SystemCallError(operation: operation(), code: code)
    }
}
