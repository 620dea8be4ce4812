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
