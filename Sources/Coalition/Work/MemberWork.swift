import Logging
import MembershipCore
import ServiceCore
import ServiceLifecycle

/// The member side of service work in the daemon: the decode worker pool behind the query
/// port, the cgroups that enforce what was lent, and the retirement of a service's workers
/// when its lease ends. A `Service` of the daemon's group: it watches the host's ended leases
/// (and expires leases every ``Configuration/expiryCheck``, so that a dead requester's workers
/// go even when nothing else asks the host), and at shutdown ends every worker and removes
/// every service cgroup.
///
/// **When cgroups cannot be made** (not root, no `Delegate=yes`, a controller missing), the
/// daemon logs it once, at start, with the reason. It then refuses units
/// (`workerUnavailable`: the requester sends them to other members), because lent work must
/// never take more than was lent; with ``Configuration/allowUnenforced`` (`node join
/// --unenforced-work`) it runs them without limits instead. `node status` says which.
public struct MemberWork: Service {
    public struct Configuration: Sendable {
        /// The worker processes. Default: `/proc/self/exe worker decode`.
        public var pool: DecodeWorkerPool.Configuration = .init()
        /// The service cgroups.
        public var placement: CgroupWorkerPlacement.Configuration = .init()
        /// Run units without limits when cgroups cannot be made, instead of refusing them.
        /// Default false.
        public var allowUnenforced = false
        /// How often leases are checked for expiry, so that workers of a lease nobody renewed
        /// are ended. Default 500 ms (a lease lives 3 s).
        public var expiryCheck: Duration = .milliseconds(500)
        /// Whether to try cgroups at all; false is for tests without root. Default true.
        public var useCgroups = true

        public init() {}
    }

    public let configuration: Configuration
    /// What runs units; nil when they are refused.
    public let pool: DecodeWorkerPool?
    /// What the unit cancels received on the query port found (the daemon's `ServiceServer`
    /// counts into it).
    public let cancels = UnitCancelCounter()
    /// The cgroups; nil when unenforced.
    public let placement: CgroupWorkerPlacement?
    public let enforcement: WorkEnforcement
    private let host: ServiceHost
    private let logger: Logger

    /// Decides enforcement (trying a cgroup once) and makes the pool.
    public init(configuration: Configuration, host: ServiceHost, me: MemberID, logger: Logger) {
        self.configuration = configuration
        self.host = host
        self.logger = logger
        var placement: CgroupWorkerPlacement? = nil
        var enforcement: WorkEnforcement? = nil
        var reason = "cgroups not tried (configuration)"
        if configuration.useCgroups {
            let candidate = CgroupWorkerPlacement(member: me, configuration: configuration.placement, logger: logger)
            do {
                let version = try candidate.probe()
                placement = candidate
                enforcement = WorkEnforcement(
                    enabled: true, cgroupVersion: version, unitsRun: true,
                    detail: "each service's workers run in a cgroup limited to the CPU and memory lent")
                logger.info("lent work is enforced", metadata: ["cgroup_version": "\(version)"])
            } catch {
                reason = "cannot create service cgroups: \(error)"
            }
        }
        if enforcement == nil {
            enforcement = WorkEnforcement(enabled: false, cgroupVersion: nil, unitsRun: configuration.allowUnenforced, detail: reason)
            if configuration.allowUnenforced {
                logger.error("lent work is NOT enforced: units run without CPU or memory limits (--unenforced-work)", metadata: ["reason": "\(reason)"])
            } else {
                logger.error(
                    "lent work cannot be enforced: units sent here are refused (workerUnavailable); run as root or with Delegate=yes, or pass --unenforced-work to run them without limits",
                    metadata: ["reason": "\(reason)"])
            }
        }
        self.placement = placement
        self.enforcement = enforcement!
        self.pool = placement != nil || configuration.allowUnenforced
            ? DecodeWorkerPool(configuration: configuration.pool, placement: placement, logger: logger) : nil
    }

    public func run() async throws {
        let host = self.host, pool = self.pool, check = configuration.expiryCheck
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await ending in host.endedLeases {
                        await pool?.retire(ending.reservation.service)
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: check)) != nil { _ = await host.expireLeases() }
                }
                await group.next()
                group.cancelAll()
            }
        }
        await pool?.stopAll()
        placement?.removeAll()
        logger.info("stopped every decode worker")
    }

    /// What `node status` shows of the work done here.
    public func report() async -> MemberWorkReport {
        let work = await pool?.work() ?? [:]
        let services = work.keys.sorted().map { service in
            let done = work[service]!
            var record = HeldServiceWorkRecord(
                service: service.rawValue, workers: done.workers, busy: done.busy, workerPids: done.pids,
                unitsDecoded: done.statistics.unitsDecoded, unitsFailed: done.statistics.unitsFailed,
                workersStarted: done.statistics.workersStarted, workersDied: done.statistics.workersDied,
                workersTimedOut: done.statistics.workersTimedOut)
            record.unitsCancelled = done.statistics.unitsCancelled
            record.decodesStopped = done.statistics.decodesStopped
            if let (usage, limits, directories) = placement?.usage(of: service) {
                record.cgroup = directories
                record.cpuLimitCores = Double(limits.cpuMillicores) / 1000
                record.memoryLimitBytes = limits.memoryBytes
                if let usage {
                    record.cpuSeconds = usage.cpuTime.map { $0 / .seconds(1) }
                    record.periods = usage.periods
                    record.throttledPeriods = usage.throttledPeriods
                    record.throttledSeconds = usage.throttledTime / .seconds(1)
                    record.memoryBytes = usage.memoryBytes
                    record.memoryPeakBytes = usage.memoryPeakBytes
                    record.oomKills = usage.oomKills
                }
            }
            return record
        }
        return MemberWorkReport(enforcement: enforcement, services: services, cancels: cancels.snapshot)
    }
}
