// All libproc2 (procps-ng 4) code of the Profiler lives in this file: the owned `stat_info` and
// `meminfo_info` handles (freed in `deinit`) and the reads through them.
import CProc2

/// A libproc2 call that failed, naming the /proc file and the return code.
public struct Proc2Error: Error, Equatable, CustomStringConvertible {
    /// The /proc file libproc2 was reading.
    public var file: String
    /// The failed call's return value (a negative errno for `procps_*_new`).
    public var code: Int32

    public var description: String { "\(file): libproc2 could not read it (code \(code))" }
}

/// The cumulative CPU tick counters of `/proc/stat`'s summary line, in clock ticks (USER_HZ).
struct CPUTicks: Sendable, Equatable {
    /// Every tick counted (user, nice, system, idle, iowait, irq, softirq, steal, guest...).
    var total: UInt64
    /// Idle and iowait ticks.
    var idle: UInt64
}

/// An open `struct stat_info`; released in `deinit`.
final class StatHandle {
    private var info: OpaquePointer?

    init() throws(Proc2Error) {
        var handle: OpaquePointer?
        let status = procps_stat_new(&handle)
        guard status >= 0, handle != nil else { throw Proc2Error(file: "/proc/stat", code: status) }
        info = handle
    }

    deinit { procps_stat_unref(&info) }

    /// Reads /proc/stat afresh.
    func ticks() throws(Proc2Error) -> CPUTicks {
        var total: UInt64 = 0
        var idle: UInt64 = 0
        let status = CProc2_stat_read_ticks(info, &total, &idle)
        guard status == 0 else { throw Proc2Error(file: "/proc/stat", code: status) }
        return CPUTicks(total: total, idle: idle)
    }
}

/// An open `struct meminfo_info`; released in `deinit`.
final class MeminfoHandle {
    private var info: OpaquePointer?

    init() throws(Proc2Error) {
        var handle: OpaquePointer?
        let status = procps_meminfo_new(&handle)
        guard status >= 0, handle != nil else { throw Proc2Error(file: "/proc/meminfo", code: status) }
        info = handle
    }

    deinit { procps_meminfo_unref(&info) }

    /// Reads /proc/meminfo afresh: MemAvailable and MemTotal in bytes.
    func memory() throws(Proc2Error) -> (availableBytes: UInt64, totalBytes: UInt64) {
        var available: UInt = 0
        var total: UInt = 0
        let status = CProc2_meminfo_read(info, &available, &total)
        guard status == 0 else { throw Proc2Error(file: "/proc/meminfo", code: status) }
        return (UInt64(available) * 1024, UInt64(total) * 1024)
    }
}

enum Proc2 {
    /// Online CPUs as libproc2 counts them.
    static func cpuCount() -> Int {
        max(1, Int(procps_cpu_count()))
    }
}
