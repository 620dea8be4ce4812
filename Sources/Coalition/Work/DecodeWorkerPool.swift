import Logging
import MediaCore
import MembershipCore
import ServiceCore
import SystemCalls

/// Puts a service's workers where its reservation is enforced: the daemon's implementation
/// moves each worker into the service's cgroup, whose CPU and memory limits are the reserved
/// share (the paper's "Linux reservation policy").
public protocol WorkerPlacement: Sendable {
    /// Called once per worker, after it started and before it is given any unit. A throw stops
    /// the worker: lent work never runs outside its limits.
    func place(worker process: Int32, for reservation: Reservation) throws
    /// The service's workers are all gone (its lease ended): release what holds them.
    func retire(_ service: ServiceID)
}

/// The member's `UnitExecutor`: decode worker processes (`node worker decode`) per service,
/// started on demand, each decoding one unit at a time, as many per service as its reservation
/// has cores (rounded up). A worker that crashes, hangs or breaks the pipe protocol is killed and
/// replaced; its unit is answered as `UnitFailure.workerDied` (the requester sends it elsewhere,
/// once). Nothing a worker does stops the daemon.
public actor DecodeWorkerPool: UnitExecutor {
    public struct Configuration: Sendable {
        /// The worker program. Default: this very executable (`/proc/self/exe`), so the worker is
        /// always the daemon's own version.
        public var executable: String
        /// Its arguments. Default `["worker", "decode"]`.
        public var arguments: [String]
        /// Most workers per service, whatever its share. Default 4 (the cores of a Pi).
        public var maximumWorkersPerService: Int
        /// How long a worker may take for one unit before it is taken for hung and killed.
        /// Default 30 s (a 1 s unit takes about 1 s at its reserved share).
        public var unitTimeout: Duration

        public init(
            executable: String = "/proc/self/exe", arguments: [String] = ["worker", "decode"], maximumWorkersPerService: Int = 4,
            unitTimeout: Duration = .seconds(30)
        ) {
            self.executable = executable
            self.arguments = arguments
            self.maximumWorkersPerService = maximumWorkersPerService
            self.unitTimeout = unitTimeout
        }
    }

    /// What the pool has done, for `node status`.
    public struct Statistics: Sendable, Hashable, Codable {
        public var workersStarted = 0
        public var workersDied = 0
        public var workersTimedOut = 0
        public var unitsDecoded = 0
        public var unitsFailed = 0
    }

    private struct Workers {
        var idle: [WorkerLink] = []
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    public let configuration: Configuration
    private let placement: (any WorkerPlacement)?
    private let logger: Logger
    private var services: [ServiceID: Workers] = [:]
    public private(set) var statistics = Statistics()

    public init(configuration: Configuration = .init(), placement: (any WorkerPlacement)? = nil, logger: Logger) {
        self.configuration = configuration
        self.placement = placement
        self.logger = logger
    }

    public func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation) async -> UnitOutcome {
        let service = reservation.service
        let limit = min(configuration.maximumWorkersPerService, max(1, Int(reservation.demand.cpuCores.rounded(.up))))
        while services[service, default: Workers()].running >= limit {
            await withCheckedContinuation { services[service, default: Workers()].waiting.append($0) }
        }
        services[service, default: Workers()].running += 1
        defer {
            services[service]?.running -= 1
            if let next = services[service]?.waiting.first {
                services[service]?.waiting.removeFirst()
                next.resume()
            }
        }
        let worker: WorkerLink
        if let idle = services[service]?.idle.popLast(), idle.isOpen {
            worker = idle
        } else {
            do {
                worker = try await start(for: reservation)
            } catch {
                logger.error("cannot start a decode worker", metadata: ["service": "\(service)", "error": "\(error)"])
                return .refused(.workerUnavailable)
            }
        }
        do {
            let answer = try await worker.exchange(WorkerPipe.decodeRequest(unit: unit, plan: plan), timeout: configuration.unitTimeout)
            statistics.unitsDecoded += 1
            services[service, default: Workers()].idle.append(worker)
            return .result(answer)
        } catch {
            if case .timedOut = error { statistics.workersTimedOut += 1 }
            statistics.workersDied += 1
            statistics.unitsFailed += 1
            let status = await worker.stop()
            logger.warning(
                "a decode worker failed; its unit is reported",
                metadata: ["service": "\(service)", "error": "\(error)", "worker": "\(worker.process.id)", "status": "\(status.map { "\($0)" } ?? "?")"])
            let header = MediaUnitEncoding.header(ofUnit: unit)
            return .result(MediaUnitEncoding.encode(UnitResult(
                sequence: header?.sequence ?? 0, stream: header?.stream ?? 0, frames: [], failure: .workerDied, cpuNanoseconds: 0)))
        }
    }

    /// Stops the idle workers of a service whose lease ended (busy ones finish their unit first
    /// and are stopped when retired again or when the pool stops).
    public func retire(_ service: ServiceID) async {
        guard let workers = services.removeValue(forKey: service) else { return }
        for worker in workers.idle { await worker.stop() }
        for waiter in workers.waiting { waiter.resume() }
        placement?.retire(service)
    }

    /// Stops every idle worker.
    public func stopAll() async {
        for service in Array(services.keys) { await retire(service) }
    }

    private func start(for reservation: Reservation) async throws -> WorkerLink {
        let worker = try await WorkerLink.start(
            executable: configuration.executable, arguments: configuration.arguments,
            answerLimit: ServiceMessage.maximumUnitResultBytes)
        statistics.workersStarted += 1
        do {
            try placement?.place(worker: worker.process.id, for: reservation)
        } catch {
            await worker.stop()
            throw error
        }
        return worker
    }
}
