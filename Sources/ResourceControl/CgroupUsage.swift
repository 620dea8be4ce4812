/// What a service cgroup's processes have used, read from its control files. Counters run from
/// the cgroup's creation; compare two readings for a rate.
///
/// | field | v2 | v1 |
/// |---|---|---|
/// | ``cpuTime`` | `cpu.stat` `usage_usec` | `cpuacct.usage` (ns) |
/// | ``periods``, ``throttledPeriods`` | `cpu.stat` `nr_periods`, `nr_throttled` | the cpu controller's `cpu.stat`, same names |
/// | ``throttledTime`` | `cpu.stat` `throttled_usec` | `cpu.stat` `throttled_time` (ns) |
/// | ``memoryBytes`` | `memory.current` | `memory.usage_in_bytes` |
/// | ``memoryPeakBytes`` | `memory.peak` (kernel 5.19+) | `memory.max_usage_in_bytes` |
/// | ``memoryLimitHits`` | `memory.events` `max` | `memory.failcnt` + `memory.memsw.failcnt` (the swap-inclusive limit, equal to the memory limit, is usually the one hit) |
/// | ``oomKills`` | `memory.events` `oom_kill` | `memory.oom_control` `oom_kill` (kernel 4.13+) |
public struct CgroupUsage: Sendable, Equatable {
    /// CPU time used by the cgroup's processes, user and system together. Nil on v1 when no
    /// hierarchy mounts cpuacct.
    public var cpuTime: Duration?
    /// CFS enforcement periods (of ``ReservationCgroup/Configuration/period``) in which the
    /// cgroup had runnable work.
    public var periods: UInt64
    /// Periods in which it used up its quota and was made to wait.
    public var throttledPeriods: UInt64
    /// Time its threads spent throttled, summed over them.
    public var throttledTime: Duration
    /// Memory charged to the cgroup now, in bytes (page cache included).
    public var memoryBytes: UInt64
    /// The highest ``memoryBytes`` seen; nil when the kernel does not keep it.
    public var memoryPeakBytes: UInt64?
    /// Times a charge failed at the memory limit (reclaim was forced). Not every v1 kernel
    /// counts it: 6.18 on the build machine left both failcnt files at 0 through an OOM kill.
    public var memoryLimitHits: UInt64
    /// Processes the kernel killed for exceeding the memory limit; nil when it does not count them.
    public var oomKills: UInt64?

    public init(
        cpuTime: Duration?, periods: UInt64, throttledPeriods: UInt64, throttledTime: Duration, memoryBytes: UInt64,
        memoryPeakBytes: UInt64?, memoryLimitHits: UInt64, oomKills: UInt64?
    ) {
        self.cpuTime = cpuTime
        self.periods = periods
        self.throttledPeriods = throttledPeriods
        self.throttledTime = throttledTime
        self.memoryBytes = memoryBytes
        self.memoryPeakBytes = memoryPeakBytes
        self.memoryLimitHits = memoryLimitHits
        self.oomKills = oomKills
    }

    /// The CPUs used on average between `earlier` and this reading, `elapsed` apart (1.0 = one
    /// core busy all the time); nil without ``cpuTime`` or with no time elapsed.
    public func cores(since earlier: CgroupUsage, elapsed: Duration) -> Double? {
        guard let now = cpuTime, let then = earlier.cpuTime, elapsed > .zero else { return nil }
        return (now - then) / elapsed
    }
}

/// The limits in force on a service cgroup, read back from the kernel.
public struct CgroupLimits: Sendable, Equatable {
    /// The CPU limit in thousandths of one CPU (rounded), nil when unlimited.
    public var cpuMillicores: Int?
    /// The CFS quota in microseconds per ``periodMicroseconds``; nil when unlimited.
    public var quotaMicroseconds: Int?
    /// The CFS period, in microseconds.
    public var periodMicroseconds: Int
    /// The memory limit in bytes (the kernel rounds v1 limits down to whole pages); nil when unlimited.
    public var memoryBytes: UInt64?

    public init(cpuMillicores: Int?, quotaMicroseconds: Int?, periodMicroseconds: Int, memoryBytes: UInt64?) {
        self.cpuMillicores = cpuMillicores
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
        self.memoryBytes = memoryBytes
    }
}

extension CgroupUsage {
    /// The CPU time the processes of any cgroup used, from one of its directories, as
    /// ``cpuTime`` reads it: v1 cpuacct's `cpuacct.usage` when the directory has it, else v2's
    /// `cpu.stat` `usage_usec`. Nil when neither is there or readable (for cgroups this package
    /// did not make, such as the lab's per-host ones).
    public static func cpuTime(inDirectory directory: String) -> Duration? {
        if let text = try? CgroupFiles.readIfPresent(directory + "/cpuacct.usage"), let nanoseconds = CgroupFormats.number(text) {
            return .nanoseconds(nanoseconds)
        }
        guard let text = try? CgroupFiles.readIfPresent(directory + "/cpu.stat") else { return nil }
        return CgroupFormats.cpuStatV2(text)?.usage
    }
}
