import Foundation
import ResourceControl

/// The CPU the lab's hosts used, from their cgroups.
extension Lab {
    /// CPU seconds each host's processes used since the lab came up (every process started
    /// through `run` and `spawn`, and their children, which stay in the host's cgroup or in cgroups
    /// below it), keyed by host index, read from the host's cgroup: `cpuacct.usage` on cgroup v1,
    /// `usage_usec` of `cpu.stat` on v2. A host without a cgroup is missing. The hosts'
    /// avahi-daemon and dbus-daemon are not in these cgroups.
    public func hostCPUSeconds() -> [Int: Double] {
        let lines = ((try? String(contentsOfFile: "\(directory)/cgroups", encoding: .utf8)) ?? "").split(separator: "\n")
        var seconds: [Int: Double] = [:]
        for line in lines {
            let path = String(line)
            guard let last = path.split(separator: "/").last, last.hasPrefix("h"), let host = Int(last.dropFirst()),
                seconds[host] == nil
            else { continue }
            if let used = CgroupUsage.cpuTime(inDirectory: path) { seconds[host] = used / .seconds(1) }
        }
        return seconds
    }
}
