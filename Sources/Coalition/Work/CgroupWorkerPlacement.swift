import Logging
import MembershipCore
import ResourceControl
import ServiceCore
import Synchronization

/// The daemon's `WorkerPlacement`: one ``ReservationCgroup`` per service held here, limited to
/// the lease's ``WorkerLimits`` (the CPU lent, headroom included, and the memory lent plus a
/// per-worker allowance), created with the service's first worker, updated when a unit comes
/// under a resized lease (a degraded or upgraded service re-reserved), and removed once the
/// pool has ended the service's workers (its lease was released, expired, or its requester
/// died).
///
/// Cgroups are named `coalition-<this member>-<service>` (a service id's `/` written `_`), so
/// members sharing a machine (the lab) never take over each other's; they sit under the
/// daemon's own cgroup (see ``ReservationCgroup`` for v1, v2 and systemd's `Delegate=yes`).
public final class CgroupWorkerPlacement: WorkerPlacement {
    public struct Configuration: Sendable {
        /// How service cgroups are found and named; its `namePrefix` is replaced by
        /// `coalition-<member>-`. Default: ``ReservationCgroup/Configuration``'s defaults.
        public var cgroup: ReservationCgroup.Configuration
        /// Workers and memory allowance per service. Default ``WorkerLimits/Policy``'s defaults.
        public var limits: WorkerLimits.Policy

        public init(cgroup: ReservationCgroup.Configuration = .init(), limits: WorkerLimits.Policy = .init()) {
            self.cgroup = cgroup
            self.limits = limits
        }
    }

    private struct Held {
        var cgroup: ReservationCgroup
        var limits: WorkerLimits
    }

    public let configuration: Configuration
    private let cgroupConfiguration: ReservationCgroup.Configuration
    private let logger: Logger
    private let held = Mutex<[ServiceID: Held]>([:])

    /// - Parameter member: this node, named in every service cgroup.
    public init(member: MemberID, configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        var cgroup = configuration.cgroup
        cgroup.namePrefix = "coalition-\(member.rawValue)-"
        self.cgroupConfiguration = cgroup
        self.logger = logger
    }

    /// Checks that service cgroups can be made here: creates a cgroup with small limits and
    /// removes it. Returns the cgroup version (1 or 2); throws why not (not root, not delegated,
    /// a controller missing).
    public func probe() throws(CgroupError) -> Int {
        let cgroup = try ReservationCgroup.create(service: "probe", cpuMillicores: 100, memoryBytes: 16 << 20, configuration: cgroupConfiguration)
        try cgroup.remove()
        if case .v1 = cgroup.location { return 1 }
        return 2
    }

    public func apply(_ reservation: Reservation) throws {
        let limits = WorkerLimits(reservation, policy: configuration.limits)
        try held.withLock { held throws(CgroupError) in
            guard var entry = held[reservation.service], entry.limits != limits else { return }
            try entry.cgroup.update(cpuMillicores: limits.cpuMillicores, memoryBytes: limits.memoryBytes)
            logger.info(
                "service cgroup resized with its lease",
                metadata: ["service": "\(reservation.service)", "cpu_millicores": "\(limits.cpuMillicores)", "memory_bytes": "\(limits.memoryBytes)"])
            entry.limits = limits
            held[reservation.service] = entry
        }
    }

    public func place(worker process: Int32, for reservation: Reservation) throws {
        let limits = WorkerLimits(reservation, policy: configuration.limits)
        try held.withLock { held throws(CgroupError) in
            if held[reservation.service] == nil {
                let cgroup = try ReservationCgroup.create(
                    service: reservation.service.rawValue, cpuMillicores: limits.cpuMillicores, memoryBytes: limits.memoryBytes,
                    configuration: cgroupConfiguration)
                held[reservation.service] = Held(cgroup: cgroup, limits: limits)
                logger.info(
                    "service cgroup created",
                    metadata: [
                        "service": "\(reservation.service)", "cgroup": "\(cgroup.location.directories.first ?? "?")",
                        "cpu_millicores": "\(limits.cpuMillicores)", "memory_bytes": "\(limits.memoryBytes)",
                    ])
            }
            try held[reservation.service]!.cgroup.add(pid: process)
        }
        try apply(reservation)
    }

    /// Removes the service's cgroup (its workers are gone). A cgroup that still holds processes
    /// is kept and tried again by ``removeAll()``.
    public func retire(_ service: ServiceID) {
        held.withLock { held in
            guard let entry = held[service] else { return }
            do {
                try entry.cgroup.remove()
                held.removeValue(forKey: service)
            } catch {
                logger.error("could not remove a service cgroup", metadata: ["service": "\(service)", "error": "\(error)"])
            }
        }
    }

    /// Removes every cgroup still held (at shutdown, after the pool stopped every worker).
    public func removeAll() {
        for service in held.withLock({ Array($0.keys) }) { retire(service) }
    }

    /// What the service's cgroup has used, and its limits; nil when it holds none.
    public func usage(of service: ServiceID) -> (usage: CgroupUsage?, limits: WorkerLimits, directories: [String])? {
        guard let entry = held.withLock({ $0[service] }) else { return nil }
        return (try? entry.cgroup.usage(), entry.limits, entry.cgroup.location.directories)
    }

    /// The processes in the service's cgroup now; empty when it holds none.
    public func processes(of service: ServiceID) -> [Int32] {
        guard let entry = held.withLock({ $0[service] }) else { return [] }
        return (try? entry.cgroup.processes()) ?? []
    }
}
