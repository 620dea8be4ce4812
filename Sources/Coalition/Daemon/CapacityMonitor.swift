import Foundation
import Logging
import SystemSampling
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
