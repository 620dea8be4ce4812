import SystemCalls

/// A reading of the process's CPU time and the monotonic wall clock.
///
/// CPU time is `getrusage(RUSAGE_SELF)`: user and system time of every thread of the process,
/// so a multi-threaded decoder's worker threads are counted; the benchmark runs nothing else
/// meanwhile. This is what `ffmpeg -benchmark` reads too.
struct ResourceReading: Sendable, Equatable {
    /// User CPU seconds.
    var user: Double
    /// System CPU seconds.
    var system: Double
    /// Monotonic wall-clock seconds (arbitrary origin).
    var wall: Double

    static func now() -> ResourceReading {
        let time = CurrentProcess.cpuTime(of: .process)
        return ResourceReading(user: time.user, system: time.system, wall: MonotonicClock.seconds())
    }

    /// CPU seconds (user + system) of this process's terminated and waited-for children, such as
    /// the `ffmpeg` runs of `coalition-bench profile`.
    static func childrenCPU() -> Double {
        let time = CurrentProcess.cpuTime(of: .children)
        return time.user + time.system
    }

    static func - (lhs: Self, rhs: Self) -> Self {
        ResourceReading(user: lhs.user - rhs.user, system: lhs.system - rhs.system, wall: lhs.wall - rhs.wall)
    }

    var cpu: Double { user + system }
}

/// `CLOCK_MONOTONIC` readings.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 { CurrentProcess.monotonicNanoseconds() }

    static func seconds() -> Double { Double(nanoseconds()) / 1_000_000_000 }
}
