import Foundation

/// This process's CPU quota in cores from its cgroup: v2 `cpu.max`, or v1 `cpu.cfs_quota_us` /
/// `cpu.cfs_period_us`, the smallest along the path from its cgroup up to the root (a limit set
/// on a parent slice holds for its children). The files are found once; their values are read at
/// each sample, so a quota changed while the daemon runs is seen.
public struct CgroupCPUQuota: Sendable, Equatable {
    /// One cgroup's quota files.
    enum Limit: Sendable, Equatable {
        case v2(cpuMax: String)
        case v1(quota: String, period: String)
    }

    /// From this process's cgroup up to the root.
    let limits: [Limit]

    /// Finds the quota files of the cgroups this process is in; nil when there are none (no
    /// cgroup CPU controller, or not Linux).
    public static func locate(procSelfCgroup: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> CgroupCPUQuota? {
        guard let text = try? String(contentsOfFile: procSelfCgroup, encoding: .utf8) else { return nil }
        let manager = FileManager.default
        for membership in CgroupMembership.parse(text) {
            let ancestors = CgroupMembership.ancestors(of: membership.path)
            if membership.isUnified {
                let limits = ancestors.map { "\(root)\($0)/cpu.max" }
                    .filter { manager.fileExists(atPath: $0) }.map { Limit.v2(cpuMax: $0) }
                if !limits.isEmpty { return CgroupCPUQuota(limits: limits) }
            }
            if membership.controllers.contains("cpu") {
                let limits = ancestors.map { "\(root)/cpu\($0)" }
                    .filter { manager.fileExists(atPath: "\($0)/cpu.cfs_quota_us") }
                    .map { Limit.v1(quota: "\($0)/cpu.cfs_quota_us", period: "\($0)/cpu.cfs_period_us") }
                if !limits.isEmpty { return CgroupCPUQuota(limits: limits) }
            }
        }
        return nil
    }

    /// The quota now, in cores; nil when unlimited at every level.
    public func cores() -> Double? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let quotas = limits.compactMap { limit -> Double? in
            switch limit {
            case .v2(let cpuMax): read(cpuMax).flatMap(Self.parseCPUMax)
            case .v1(let quota, let period): Self.parseCFS(quota: read(quota), period: read(period))
            }
        }
        return quotas.min()
    }

    /// v2 `cpu.max`: `"50000 100000"` is 0.5 cores; `"max 100000"` is unlimited (nil).
    static func parseCPUMax(_ text: String) -> Double? {
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), quota > 0, period > 0
        else { return nil }
        return quota / period
    }

    /// v1: a quota of `-1` is unlimited (nil).
    static func parseCFS(quota: String?, period: String?) -> Double? {
        guard let quota = quota.flatMap(Double.init), let period = period.flatMap(Double.init), quota > 0, period > 0
        else { return nil }
        return quota / period
    }
}
