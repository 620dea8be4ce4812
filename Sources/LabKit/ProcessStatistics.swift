import Foundation

/// What `/proc` says of one process by pid: its CPU time and private memory. For measuring
/// daemons a lab started (`Lab.spawn` returns their pids).
public struct ProcessStatistics: Sendable {
    /// The process.
    public let pid: pid_t

    public init(pid: pid_t) { self.pid = pid }

    /// CPU time of every thread so far, seconds (the first field of each task's `schedstat`,
    /// nanoseconds on the CPU); 0 for a process that is gone.
    public func cpuSeconds() -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let nanoseconds = tasks.reduce(0.0) { sum, task in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
            return sum + (Double(text.split(separator: " ").first ?? "") ?? 0)
        }
        return nanoseconds / 1e9
    }

    /// `RssAnon` of `/proc/PID/status`, KiB: the private memory in use; 0 for a process that is gone.
    public func rssAnonKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
        return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
    }
}

/// A process's CPU time as `/proc/PID/stat` counts it, seconds at clock-tick resolution
/// (1/100 s on Linux). Unlike ``ProcessStatistics/cpuSeconds()`` (live threads only, to the
/// nanosecond) it keeps the time of threads that have exited, and it has the children's.
public struct ProcessTimes: Sendable, Equatable {
    /// The process's own CPU (user + system of every thread, exited ones too).
    public var ownSeconds: Double
    /// Its reaped children's CPU (user + system of each child the process waited for, with
    /// those children's own reaped children): a child's time is added when its parent reaps it.
    public var reapedChildrenSeconds: Double
    /// True for a zombie (state `Z`): it has exited and its parent has not reaped it yet, so its
    /// time is in neither the live processes' nor yet in its parent's reaped children's.
    public var isZombie: Bool

    public init(ownSeconds: Double, reapedChildrenSeconds: Double, isZombie: Bool = false) {
        self.ownSeconds = ownSeconds
        self.reapedChildrenSeconds = reapedChildrenSeconds
        self.isZombie = isZombie
    }

    /// Reads a `/proc/PID/stat` line: `utime stime cutime cstime` are its fields 14-17, in
    /// `ticksPerSecond`. Nil for a line that is not one.
    public init?(statLine: String, ticksPerSecond: Double) {
        // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
        guard ticksPerSecond > 0, let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (the state); field N is fields[N - 3].
        guard fields.count >= 15 else { return nil }
        let ticks = fields[11...14].compactMap { Double($0) }
        guard ticks.count == 4 else { return nil }
        ownSeconds = (ticks[0] + ticks[1]) / ticksPerSecond
        reapedChildrenSeconds = (ticks[2] + ticks[3]) / ticksPerSecond
        isZombie = fields[0] == "Z"
    }
}

extension ProcessStatistics {
    /// Its CPU time from `/proc/PID/stat`; nil for a process that is gone (a zombie is not gone
    /// until reaped: see ``ProcessTimes/isZombie``).
    public func times() -> ProcessTimes? {
        guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return ProcessTimes(statLine: line, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// The pids of its live children (`/proc/PID/task/*/children`); empty for a process that is gone.
    public func children() -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Its command line (`/proc/PID/cmdline`, split at the NULs); empty for a process that is gone.
    public func commandLine() -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
