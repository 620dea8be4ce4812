import Glibc

/// What the kernel says about this process and this machine: ids, CPU time, the monotonic
/// clock, the architecture. None of these calls can fail with valid arguments, so none throws;
/// a failure would be a bug here and stops the process with the call's error.
public enum CurrentProcess {
    /// `getpid(2)`.
    public static var id: Int32 { getpid() }

    /// `getuid(2)`: the real user id (0 for root).
    public static var userID: UInt32 { getuid() }

    /// Whose CPU time ``cpuTime(of:)`` reads.
    public enum Accounting: Sendable {
        /// Every thread of this process (`RUSAGE_SELF`).
        case process
        /// Children that have ended and been waited for (`RUSAGE_CHILDREN`).
        case children
    }

    /// User and system CPU time in seconds, from `getrusage(2)`.
    public static func cpuTime(of accounting: Accounting) -> (user: Double, system: Double) {
        let who = accounting == .process ? RUSAGE_SELF : RUSAGE_CHILDREN
        var usage = rusage()
        infallible { () throws(SystemCallError) in _ = try retryingOnInterrupt("getrusage") { getrusage(who.rawValue, &usage) } }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// Minor page faults of the whole process so far (`getrusage(2)`'s `ru_minflt`): pages the
    /// kernel mapped and zeroed on first touch, the cost of memory freed to the kernel and
    /// taken again.
    public static func minorPageFaults() -> Int {
        var usage = rusage()
        infallible { () throws(SystemCallError) in _ = try retryingOnInterrupt("getrusage") { getrusage(RUSAGE_SELF.rawValue, &usage) } }
        return usage.ru_minflt
    }

    /// `CLOCK_MONOTONIC` in nanoseconds (arbitrary origin, never goes back).
    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        infallible { () throws(SystemCallError) in _ = try retryingOnInterrupt("clock_gettime") { clock_gettime(CLOCK_MONOTONIC, &time) } }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// CPU time (user + system) the calling thread has used, in nanoseconds
    /// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`): a decode on this thread, without the other
    /// threads of the process.
    public static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        infallible { () throws(SystemCallError) in
            _ = try retryingOnInterrupt("clock_gettime") { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) }
        }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The machine's architecture as `uname -m` prints it, e.g. `aarch64`.
    public static func machine() -> String {
        var name = utsname()
        infallible { () throws(SystemCallError) in _ = try retryingOnInterrupt("uname") { uname(&name) } }
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }

    /// Runs a call that fails only on a programming error (a bad pointer or constant).
    private static func infallible(_ call: () throws(SystemCallError) -> Void) {
        do { try call() } catch { preconditionFailure("\(error)") }
    }
}
