import ServiceCore

/// What a service's decode workers may use on this member, from the lease they run under: the
/// paper's "Linux reservation policy", lent work never takes more than was lent.
///
/// - CPU: the reservation's `demand.cpuCores`, which is what the member subtracted from its
///   spare capacity when it accepted the lease: the measured cost of the share *with* the
///   evaluation's headroom (default 25%). The headroom is part of what was lent (the owner gave
///   it up when the lease was accepted), so the work may use it; the bare measured cost would
///   make every unit of a complex scene late. Rounded down to whole millicores, at least
///   ``Policy/minimumMillicores``.
/// - Memory: the reservation's `demand.memoryBytes` (the decoder's measured high-water mark per
///   stream) plus ``Policy/memoryPerWorkerBytes`` for each worker the service may run. The
///   measured figure counts the decoder alone, not the worker program and the FFmpeg libraries
///   it maps (about 25 MB resident on the build machine, 3 MB of it private), whose file pages
///   a cgroup is charged for when its process touches them first.
/// - Workers: one per reserved core, rounded up, at most ``Policy/maximumWorkersPerService``;
///   they all share the one quota.
public struct WorkerLimits: Hashable, Sendable {
    /// The knobs; the defaults are what the daemon uses.
    public struct Policy: Hashable, Sendable {
        /// Most workers per service, whatever its share. Default 4 (the cores of a Pi).
        public var maximumWorkersPerService: Int
        /// Memory allowed per worker above the reservation's measured demand, in bytes.
        /// Default 48 MiB.
        public var memoryPerWorkerBytes: UInt64
        /// The smallest CPU limit, in millicores (the kernel's floor at a 100 ms period is 1 ms
        /// of quota, i.e. 10 millicores). Default 10.
        public var minimumMillicores: Int

        public init(maximumWorkersPerService: Int = 4, memoryPerWorkerBytes: UInt64 = 48 << 20, minimumMillicores: Int = 10) {
            precondition(maximumWorkersPerService > 0 && minimumMillicores > 0)
            self.maximumWorkersPerService = maximumWorkersPerService
            self.memoryPerWorkerBytes = memoryPerWorkerBytes
            self.minimumMillicores = minimumMillicores
        }
    }

    /// Worker processes the service may run at once.
    public var workers: Int
    /// The CPU limit of the service's cgroup, in thousandths of one CPU.
    public var cpuMillicores: Int
    /// The memory limit of the service's cgroup, in bytes.
    public var memoryBytes: UInt64

    public init(workers: Int, cpuMillicores: Int, memoryBytes: UInt64) {
        self.workers = workers
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
    }

    /// The limits of the workers of `reservation` (see the type's notes).
    public init(_ reservation: Reservation, policy: Policy = .init()) {
        let workers = Self.workers(cores: reservation.demand.cpuCores, maximum: policy.maximumWorkersPerService)
        let cores = reservation.demand.cpuCores.isFinite ? max(0, reservation.demand.cpuCores) : 0
        self.init(
            workers: workers,
            cpuMillicores: max(policy.minimumMillicores, Int((cores * 1000).rounded(.down))),
            memoryBytes: reservation.demand.memoryBytes + UInt64(workers) * policy.memoryPerWorkerBytes)
    }

    /// One worker per core of `cores`, rounded up, between 1 and `maximum`.
    public static func workers(cores: Double, maximum: Int) -> Int {
        guard cores.isFinite, cores > 1 else { return 1 }
        return min(maximum, Int(cores.rounded(.up)))
    }
}
