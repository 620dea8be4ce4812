import Foundation
import Logging
import Profiler
import QoSModel
import ServiceLifecycle
import Synchronization

/// Samples what this device can lend, once per `interval`, through libproc2: idle CPU (capped by
/// this process's cgroup CPU quota, so a board emulated with `lab cpu` or limited by systemd
/// lends no more than its quota) and MemAvailable, each capped by what the user agreed to lend.
public final class CapacityMonitor: Service, Sendable {
    public struct Configuration: Sendable {
        /// How often to sample. Default 1 s.
        public var interval: Duration = .seconds(1)
        /// The most cores this node lends, whatever is idle; nil lends all idle CPU. Default nil.
        public var lendCores: Double?
        /// The most memory this node lends, in bytes; nil lends all of MemAvailable. Default nil.
        public var lendMemoryBytes: UInt64?
        /// Cores to treat as idle instead of measuring the machine's idle CPU; nil measures.
        /// For labs and tests where several emulated boards share one machine and its idle CPU
        /// says nothing about any one of them. Default nil.
        public var emulatedIdleCores: Double?
        /// Weight of the newest sample in the moving average (0...1). Default 0.5: one busy
        /// second halves what is offered, it does not zero it.
        public var smoothing: Double = 0.5

        public init(lendCores: Double? = nil, lendMemoryBytes: UInt64? = nil) {
            self.lendCores = lendCores
            self.lendMemoryBytes = lendMemoryBytes
        }
    }

    public let configuration: Configuration
    private let sampler: SystemSampler?
    private let quota: CgroupCPUQuota?
    private let latest: Mutex<QoSModel.SpareCapacity>
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var sampler: SystemSampler?
        var first = QoSModel.SpareCapacity(cores: 0, memoryAvailableBytes: 0)
        let quota = CgroupCPUQuota.locate()
        self.quota = quota
        do {
            let made = try SystemSampler()
            sampler = made
            let sample = try made.sample()
            first = Self.spare(from: sample, configuration: configuration, quota: quota?.cores())
        } catch {
            logger.error("cannot sample spare capacity through libproc2: \(error); lending nothing")
        }
        self.sampler = sampler
        self.latest = Mutex(first)
    }

    /// The capacity to lend now.
    public var spare: QoSModel.SpareCapacity { latest.withLock { $0 } }

    public func run() async throws {
        guard let sampler else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: configuration.interval)
            do {
                let fresh = Self.spare(from: try sampler.sample(), configuration: configuration, quota: quota?.cores())
                let weight = configuration.smoothing
                latest.withLock { current in
                    current = QoSModel.SpareCapacity(
                        cores: weight * fresh.cores + (1 - weight) * current.cores,
                        memoryAvailableBytes: fresh.memoryAvailableBytes)
                }
            } catch {
                logger.warning("spare capacity sample failed: \(error)")
            }
        }
    }

    static func spare(from sample: SystemSample, configuration: Configuration, quota: Double?) -> QoSModel.SpareCapacity {
        var cores = configuration.emulatedIdleCores ?? sample.spareCores
        if let quota { cores = min(cores, quota) }
        if let lend = configuration.lendCores { cores = min(cores, lend) }
        var memory = sample.memAvailableBytes
        if let lend = configuration.lendMemoryBytes { memory = min(memory, lend) }
        return QoSModel.SpareCapacity(cores: max(0, cores), memoryAvailableBytes: memory)
    }
}

/// This process's CPU quota in cores from its cgroup: v2 `cpu.max`, or v1 `cpu.cfs_quota_us` /
/// `cpu.cfs_period_us`, the smallest along the path from its cgroup up to the root (a limit set
/// on a parent slice holds for its children). The files are found once; their values are read at
/// each sample, so a quota changed while the daemon runs is seen.
struct CgroupCPUQuota: Sendable, Equatable {
    /// One cgroup's quota files.
    enum Limit: Sendable, Equatable {
        case v2(cpuMax: String)
        case v1(quota: String, period: String)
    }

    /// From this process's cgroup up to the root.
    let limits: [Limit]

    /// Finds the quota files of the cgroups this process is in; nil when there are none (no
    /// cgroup CPU controller, or not Linux).
    static func locate(procSelfCgroup: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> CgroupCPUQuota? {
        guard let text = try? String(contentsOfFile: procSelfCgroup, encoding: .utf8) else { return nil }
        let manager = FileManager.default
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0", controllers.isEmpty {
                let limits = ancestors(of: path).map { "\(root)\($0)/cpu.max" }
                    .filter { manager.fileExists(atPath: $0) }.map { Limit.v2(cpuMax: $0) }
                if !limits.isEmpty { return CgroupCPUQuota(limits: limits) }
            }
            if controllers.contains("cpu") {
                let limits = ancestors(of: path).map { "\(root)/cpu\($0)" }
                    .filter { manager.fileExists(atPath: "\($0)/cpu.cfs_quota_us") }
                    .map { Limit.v1(quota: "\($0)/cpu.cfs_quota_us", period: "\($0)/cpu.cfs_period_us") }
                if !limits.isEmpty { return CgroupCPUQuota(limits: limits) }
            }
        }
        return nil
    }

    /// `/a/b` -> `/a/b`, `/a`, `` (the root).
    static func ancestors(of path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var paths: [String] = []
        while true {
            paths.append(parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
            if parts.isEmpty { return paths }
            parts.removeLast()
        }
    }

    /// The quota now, in cores; nil when unlimited at every level.
    func cores() -> Double? {
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
