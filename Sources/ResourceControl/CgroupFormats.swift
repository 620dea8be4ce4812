/// The texts of cgroup control files, parsed and written without touching a file: everything
/// here is a pure function, unit-tested over real files' contents.
enum CgroupFormats {
    /// The kernel's smallest CFS quota and period, and its largest period (1 ms, 1 ms, 1 s).
    static let minimumQuotaMicroseconds = 1_000
    static let periodRangeMicroseconds = 1_000...1_000_000

    /// The CFS quota in microseconds per `periodMicroseconds` for `millicores` thousandths of
    /// one CPU: 200 millicores at 100 000 µs is 20 000 µs. Throws `.invalidLimit` below the
    /// kernel's 1 ms quota (10 millicores at the default 100 ms period).
    static func quotaMicroseconds(millicores: Int, periodMicroseconds: Int, path: String) throws(CgroupError) -> Int {
        guard periodRangeMicroseconds.contains(periodMicroseconds) else {
            throw CgroupError(.invalidLimit, path: path, "a CPU period of \(periodMicroseconds) µs is outside the kernel's 1 ms to 1 s")
        }
        guard millicores > 0, millicores <= 1_000_000 else {
            throw CgroupError(.invalidLimit, path: path, "a CPU share of \(millicores) millicores is not a positive share of at most 1000 CPUs")
        }
        let quota = millicores * periodMicroseconds / 1000
        guard quota >= minimumQuotaMicroseconds else {
            throw CgroupError(
                .invalidLimit, path: path,
                "\(millicores) millicores is a quota of \(quota) µs per \(periodMicroseconds) µs, below the kernel's 1000 µs minimum")
        }
        return quota
    }

    /// Millicores from a quota and period, rounded to the nearest.
    static func millicores(quotaMicroseconds: Int, periodMicroseconds: Int) -> Int {
        (quotaMicroseconds * 1000 + periodMicroseconds / 2) / periodMicroseconds
    }

    /// v2 `cpu.max` to write: `"20000 100000"`.
    static func cpuMax(quotaMicroseconds: Int, periodMicroseconds: Int) -> String {
        "\(quotaMicroseconds) \(periodMicroseconds)"
    }

    /// v2 `cpu.max` read: `"20000 100000"` -> (20000, 100000); `"max 100000"` -> (nil, 100000).
    /// Nil for anything else.
    static func parseCPUMax(_ text: String) -> (quota: Int?, period: Int)? {
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let period = Int(parts[1]), period > 0 else { return nil }
        if parts[0] == "max" { return (nil, period) }
        guard let quota = Int(parts[0]), quota > 0 else { return nil }
        return (quota, period)
    }

    /// v1 `cpu.cfs_quota_us`: `-1` is unlimited (nil inside), a positive number a quota. Nil
    /// (outside) when it is neither.
    static func parseCFSQuota(_ text: String) -> Int?? {
        guard let value = Int(trimmed(text)) else { return nil }
        if value == -1 { return .some(nil) }
        return value > 0 ? .some(value) : nil
    }

    /// A file of `key value` lines (`cpu.stat`, `memory.events`, v1 `memory.oom_control`):
    /// the keys whose values are unsigned integers. Other lines are skipped.
    static func keyedValues(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: \.isWhitespace)
            if parts.count == 2, let value = UInt64(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    /// A file holding one unsigned number (`memory.current`, `cpuacct.usage`).
    static func number(_ text: String) -> UInt64? { UInt64(trimmed(text)) }

    /// A memory limit: v2 `memory.max` (`max` or bytes) or v1 `memory.limit_in_bytes` (bytes,
    /// where "unlimited" is the page counter's maximum, 9223372036854771712 on 4 KiB pages).
    /// Nil inside for unlimited, nil outside for nonsense.
    static func parseMemoryLimit(_ text: String) -> UInt64?? {
        let text = trimmed(text)
        if text == "max" { return .some(nil) }
        guard let bytes = UInt64(text) else { return nil }
        return bytes >= v1UnlimitedMemoryThreshold ? .some(nil) : .some(bytes)
    }

    /// v1 reports no limit as `PAGE_COUNTER_MAX * PAGE_SIZE`, just under 2^63 whatever the page
    /// size; no real limit comes near 2^62 bytes.
    static let v1UnlimitedMemoryThreshold: UInt64 = 1 << 62

    /// The pids of a `cgroup.procs` text, one a line.
    static func pids(_ text: String) -> [Int32] {
        text.split(separator: "\n").compactMap { Int32($0.stripped()) }
    }

    /// The words of `cgroup.controllers` or `cgroup.subtree_control`: `"cpu io memory"`.
    static func words(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// CPU and throttling from a v2 `cpu.stat` (all in microseconds):
    /// `usage_usec`, `nr_periods`, `nr_throttled`, `throttled_usec`.
    static func cpuStatV2(_ text: String) -> CPUStat? {
        let values = keyedValues(text)
        guard let usage = values["usage_usec"] else { return nil }
        return CPUStat(
            usage: .microseconds(usage), periods: values["nr_periods"] ?? 0,
            throttledPeriods: values["nr_throttled"] ?? 0, throttled: .microseconds(values["throttled_usec"] ?? 0))
    }

    /// Throttling from a v1 `cpu.stat` (the cpu controller's; `throttled_time` in nanoseconds):
    /// `nr_periods`, `nr_throttled`, `throttled_time`. The CPU time used is not there but in
    /// cpuacct's `cpuacct.usage`, so `usage` is nil.
    static func cpuStatV1(_ text: String) -> CPUStat? {
        let values = keyedValues(text)
        guard let periods = values["nr_periods"], let throttledPeriods = values["nr_throttled"] else { return nil }
        return CPUStat(
            usage: nil, periods: periods, throttledPeriods: throttledPeriods,
            throttled: .nanoseconds(values["throttled_time"] ?? 0))
    }

    /// What a `cpu.stat` says.
    struct CPUStat: Equatable {
        var usage: Duration?
        var periods: UInt64
        var throttledPeriods: UInt64
        var throttled: Duration
    }

    private static func trimmed(_ text: String) -> Substring { text[...].stripped() }
}

extension Substring {
    /// Without the spaces, tabs and newlines around it.
    fileprivate func stripped() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\n" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\n" { text.removeLast() }
        return text
    }
}
