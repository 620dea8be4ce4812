/// The work this node does for others (`services` result, key `work`): whether it is enforced,
/// and per service held here its workers, units and what its cgroup used.
///
///     {"enforcement":{"enabled":true,"cgroupVersion":1,"unitsRun":true,"detail":"..."},
///      "services":[{"service":"9f3a.../1","workers":1,"unitsDecoded":12,...}]}
public struct MemberWorkReport: Codable, Sendable, Equatable {
    public var enforcement: WorkEnforcement
    /// Services with workers here, sorted by id.
    public var services: [HeldServiceWorkRecord]
    /// What the unit cancels this member received found, over every service and requester
    /// (a requester cancels a unit it re-dispatched elsewhere or gave up with its stream);
    /// nil from a daemon without cancels.
    public var cancels: UnitCancelCounts?

    public init(enforcement: WorkEnforcement, services: [HeldServiceWorkRecord], cancels: UnitCancelCounts? = nil) {
        self.enforcement = enforcement
        self.services = services
        self.cancels = cancels
    }
}

/// Whether lent work runs in cgroups limited to what was lent (decided once, at start).
public struct WorkEnforcement: Codable, Sendable, Equatable {
    /// True when every worker runs in its service's cgroup.
    public var enabled: Bool
    /// 1 or 2 when enabled.
    public var cgroupVersion: Int?
    /// False when units are refused (`workerUnavailable`) because nothing could enforce them.
    public var unitsRun: Bool
    /// Why enforcement is off, and what follows; or where service cgroups go.
    public var detail: String

    public init(enabled: Bool, cgroupVersion: Int?, unitsRun: Bool, detail: String) {
        self.enabled = enabled
        self.cgroupVersion = cgroupVersion
        self.unitsRun = unitsRun
        self.detail = detail
    }

    /// `on (cgroup v1)`, `OFF: units refused: ...`, `OFF: units run unlimited: ...`.
    public var summary: String {
        if enabled { return "on (cgroup v\(cgroupVersion ?? 0))" }
        return "OFF, units \(unitsRun ? "run WITHOUT limits" : "refused"): \(detail)"
    }
}

/// One service's work on this member.
public struct HeldServiceWorkRecord: Codable, Sendable, Equatable {
    public var service: String
    /// Decode worker processes alive, and how many are decoding a unit now.
    public var workers: Int
    public var busy: Int
    /// The workers' pids, ascending.
    public var workerPids: [Int32]
    public var unitsDecoded: Int
    public var unitsFailed: Int
    /// Units answered `.cancelled` (their requester cancelled them while they waited or
    /// decoded), and of those the decodes stopped (a worker killed and replaced); nil from a
    /// daemon without cancels.
    public var unitsCancelled: Int?
    public var decodesStopped: Int?
    public var workersStarted: Int
    /// Workers that crashed, hung (``workersTimedOut`` of them) or broke the pipe protocol.
    public var workersDied: Int
    public var workersTimedOut: Int
    /// The service cgroup's directories (cpu first); empty when unenforced.
    public var cgroup: [String]
    /// The CPU limit, in cores (the lent share with headroom); nil when unenforced.
    public var cpuLimitCores: Double?
    /// CPU time the service's workers used since its cgroup was made, in seconds.
    public var cpuSeconds: Double?
    /// CFS periods with runnable work, those in which the quota ran out, and the time the
    /// workers' threads spent throttled (seconds, summed over threads).
    public var periods: UInt64?
    public var throttledPeriods: UInt64?
    public var throttledSeconds: Double?
    /// Memory charged to the cgroup now and at most, and its limit, in bytes.
    public var memoryBytes: UInt64?
    public var memoryPeakBytes: UInt64?
    public var memoryLimitBytes: UInt64?
    /// Workers the kernel killed at the memory limit; nil when it does not count them.
    public var oomKills: UInt64?

    public init(service: String, workers: Int, busy: Int, workerPids: [Int32], unitsDecoded: Int, unitsFailed: Int, workersStarted: Int, workersDied: Int, workersTimedOut: Int) {
        self.service = service
        self.workers = workers
        self.busy = busy
        self.workerPids = workerPids
        self.unitsDecoded = unitsDecoded
        self.unitsFailed = unitsFailed
        self.workersStarted = workersStarted
        self.workersDied = workersDied
        self.workersTimedOut = workersTimedOut
        self.cgroup = []
    }
}
