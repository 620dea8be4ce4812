import Logging
import MediaCore
import MembershipCore
import ServiceCore
import NIOPosix
import SystemCalls

/// Puts a service's workers where its reservation is enforced: the daemon's implementation
/// (``CgroupWorkerPlacement``) moves each worker into the service's cgroup, whose CPU and memory
/// limits are the reserved share (the paper's "Linux reservation policy").
public protocol WorkerPlacement: Sendable {
    /// Called before each unit with the lease it runs under, so that a lease resized since (a
    /// degraded or upgraded service re-reserved) has its new limits applied. A throw refuses
    /// the unit (`workerUnavailable`). Default: nothing.
    func apply(_ reservation: Reservation) throws
    /// Called once per worker, after it started and before it is given any unit. A throw stops
    /// the worker: lent work never runs outside its limits.
    func place(worker process: Int32, for reservation: Reservation) throws
    /// The service's workers are all gone (its lease ended): release what holds them.
    func retire(_ service: ServiceID)
}

extension WorkerPlacement {
    public func apply(_ reservation: Reservation) throws {}
}

/// The member's `UnitExecutor`: decode worker processes (`node worker decode`) per service,
/// started on demand, each decoding one unit at a time, as many per service as its reservation
/// has cores (rounded up, ``WorkerLimits/workers(cores:maximum:)``). A worker that crashes, hangs
/// or breaks the pipe protocol is killed and replaced; its unit is answered as
/// `UnitFailure.workerDied` (the requester sends it elsewhere, once). Nothing a worker does stops
/// the daemon.
///
/// A unit its requester cancels (``execute(unit:plan:under:cancellation:)``) is answered
/// `.cancelled` at once if it waits for a worker place; if it is decoding, its worker is killed
/// (SIGKILL by its pid, as at retirement) and a fresh one started in its place before the
/// answer. Killing is the safe and cheap way: a worker decodes one unit synchronously and holds
/// nothing else (no state to clean, no partial answer to trust), while telling it to abandon
/// would need a second channel into a single-threaded decode; the cost is one worker start
/// (FFmpeg opened again) against up to a whole unit of lent CPU. A cancelled unit counts in
/// ``Statistics/unitsCancelled`` (and ``Statistics/decodesStopped`` when its worker was
/// killed), never as a worker death.
///
/// When a service's lease ends, ``retire(_:)`` ends all its workers, busy ones too (SIGKILL by
/// the pid each was started as; their units are answered `noLease`), waits until they are gone,
/// and only then tells the placement (which removes the service's cgroup). A unit under a new
/// lease for the same service waits for that and gets fresh workers.
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

    /// What the pool has done, for `node status`: in all (``statistics``) or for one service
    /// since its first unit (``work(of:)``).
    public struct Statistics: Sendable, Hashable, Codable {
        public var workersStarted = 0
        /// Workers that crashed, hung or broke the pipe protocol (not those retired with their lease).
        public var workersDied = 0
        public var workersTimedOut = 0
        /// Units a worker answered with frames.
        public var unitsDecoded = 0
        /// Units answered with a failure: the worker's (bad data) or `workerDied`.
        public var unitsFailed = 0
        /// Units answered `.cancelled`: their requester cancelled them while they waited for a
        /// worker or decoded.
        public var unitsCancelled = 0
        /// Of those, units whose decode was stopped (the worker killed and replaced).
        public var decodesStopped = 0

        public init() {}
    }

    /// One service's workers now, and what they did.
    public struct ServiceWork: Sendable, Hashable {
        /// Worker processes alive (idle or busy).
        public var workers: Int
        /// Units being decoded now.
        public var busy: Int
        /// Units waiting for a worker place now (the service's workers are all taken).
        public var waiting: Int
        /// Their pids, ascending.
        public var pids: [Int32]
        public var statistics: Statistics
    }

    private struct Workers {
        var idle: [WorkerLink] = []
        /// Workers decoding a unit now, by pid.
        var busy: [Int32: WorkerLink] = [:]
        /// Units holding a worker place (starting a worker or decoding).
        var running = 0
        var waiting: [Waiter] = []
        /// The lease ended: no unit starts here any more; ``retire(_:)`` waits for `running` to
        /// reach 0 (`drained`), then units under a new lease go on (`afterRetirement`).
        var retiring = false
        var drained: [CheckedContinuation<Void, Never>] = []
        var afterRetirement: [Waiter] = []
        var statistics = Statistics()
    }

    /// A unit waiting for a worker place or for a retirement; `unit` names its cancellation, so
    /// a cancel can wake it.
    private struct Waiter {
        var unit: ObjectIdentifier?
        var continuation: CheckedContinuation<Void, Never>
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
        await execute(unit: unit, plan: plan, under: reservation, cancellation: UnitCancellation())
    }

    public func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation, cancellation: UnitCancellation) async -> UnitOutcome {
        let service = reservation.service
        let limit = WorkerLimits.workers(cores: reservation.demand.cpuCores, maximum: configuration.maximumWorkersPerService)
        let name = ObjectIdentifier(cancellation)
        while true {
            let retiring = services[service]?.retiring == true
            guard retiring || services[service, default: Workers()].running >= limit else { break }
            // A cancel wakes it (from any thread: through the actor).
            guard cancellation.whileRunning(decoding: false, stop: { Task { await self.wake(name, of: service) } }) else {
                return cancelledWhileWaiting(service)
            }
            await withCheckedContinuation { continuation in
                let waiter = Waiter(unit: name, continuation: continuation)
                if retiring {
                    services[service]!.afterRetirement.append(waiter)
                } else {
                    services[service, default: Workers()].waiting.append(waiter)
                }
            }
            cancellation.stepEnded()
        }
        if cancellation.isCancelled { return cancelledWhileWaiting(service) }
        do {
            try placement?.apply(reservation)
        } catch {
            logger.error("cannot apply a resized lease's limits; unit refused", metadata: ["service": "\(service)", "error": "\(error)"])
            return .refused(.workerUnavailable)
        }
        services[service, default: Workers()].running += 1
        defer { leave(service) }

        var reused: WorkerLink? = nil
        while reused == nil, let idle = services[service]?.idle.popLast() {
            if idle.isOpen {
                reused = idle
            } else {
                // Ended while idle (killed, crashed): reaped, not reused.
                count(service) { $0.workersDied += 1 }
                await idle.stop()
            }
        }
        let worker: WorkerLink
        if let reused {
            worker = reused
        } else {
            do {
                worker = try await start(for: reservation)
            } catch {
                logger.error("cannot start a decode worker", metadata: ["service": "\(service)", "error": "\(error)"])
                return .refused(.workerUnavailable)
            }
            // The lease may have ended while the worker started.
            if services[service]?.retiring == true {
                await worker.stop()
                return .refused(.noLease)
            }
        }
        let process = worker.process
        guard cancellation.whileRunning(decoding: true, stop: { try? process.send(signal: SIGKILL) }) else {
            // Cancelled while its worker was found or started: the worker is still good.
            if services[service]?.retiring == false { services[service]?.idle.append(worker) } else { await worker.stop() }
            return cancelled(service, stopped: false)
        }
        services[service]?.busy[worker.process.id] = worker
        let outcome: Result<[UInt8], WorkerLink.Failure>
        do {
            outcome = .success(try await worker.exchange(WorkerPipe.decodeRequest(unit: unit, plan: plan), timeout: configuration.unitTimeout))
        } catch {
            outcome = .failure(error)
        }
        cancellation.stepEnded()
        services[service]?.busy.removeValue(forKey: worker.process.id)
        let retired = services[service]?.retiring ?? true

        if cancellation.isCancelled {
            // Killed, or about to be (the signal may land after its answer): never reused.
            await worker.stop()
            if !retired, let fresh = try? await start(for: reservation) {
                if services[service]?.retiring == false { services[service]!.idle.append(fresh) } else { await fresh.stop() }
            }
            return cancelled(service, stopped: true)
        }

        switch outcome {
        case .success(let answer):
            let failed = MediaUnitEncoding.failure(ofResult: answer) != nil
            count(service) { failed ? ($0.unitsFailed += 1) : ($0.unitsDecoded += 1) }
            if retired {
                await worker.stop()
            } else {
                services[service]?.idle.append(worker)
            }
            return .result(answer)
        case .failure(let error):
            let status = await worker.stop()
            if retired {
                logger.info("a decode worker was ended with its lease", metadata: ["service": "\(service)", "worker": "\(worker.process.id)"])
                return .refused(.noLease)
            }
            count(service) {
                if case .timedOut = error { $0.workersTimedOut += 1 }
                $0.workersDied += 1
                $0.unitsFailed += 1
            }
            logger.warning(
                "a decode worker failed; its unit is reported",
                metadata: ["service": "\(service)", "error": "\(error)", "worker": "\(worker.process.id)", "status": "\(status.map { "\($0)" } ?? "?")"])
            let header = MediaUnitEncoding.header(ofUnit: unit)
            return .result(MediaUnitEncoding.encode(UnitResult(
                sequence: header?.sequence ?? 0, stream: header?.stream ?? 0, frames: [], failure: .workerDied, cpuNanoseconds: 0)))
        }
    }

    /// A unit answered `.cancelled`, counted.
    private func cancelled(_ service: ServiceID, stopped: Bool) -> UnitOutcome {
        count(service) {
            $0.unitsCancelled += 1
            if stopped { $0.decodesStopped += 1 }
        }
        return .cancelled
    }

    /// A unit cancelled before it took a worker place. It may have been the one a freed place
    /// woke: the next waiting unit is woken in its stead (a spurious wake only re-checks).
    private func cancelledWhileWaiting(_ service: ServiceID) -> UnitOutcome {
        if services[service]?.retiring == false, services[service]!.waiting.isEmpty == false {
            services[service]!.waiting.removeFirst().continuation.resume()
        }
        return cancelled(service, stopped: false)
    }

    /// Wakes a waiting unit that was cancelled (it finds its cancellation set and returns).
    private func wake(_ unit: ObjectIdentifier, of service: ServiceID) {
        guard services[service] != nil else { return }
        if let index = services[service]!.waiting.firstIndex(where: { $0.unit == unit }) {
            services[service]!.waiting.remove(at: index).continuation.resume()
        } else if let index = services[service]!.afterRetirement.firstIndex(where: { $0.unit == unit }) {
            services[service]!.afterRetirement.remove(at: index).continuation.resume()
        }
    }

    /// Starts one worker for a service that has none yet, in its cgroup, and leaves it idle for
    /// the first unit (the worker opens FFmpeg as it starts: `UnitDecoder.prepareWorkerProcess`).
    /// It holds a worker place while it starts, like a unit, so the service's limit holds. A
    /// lease that ended meanwhile (`isHeld` false, or retired) gets no worker.
    public func prepare(for reservation: Reservation, isHeld: @escaping @Sendable () async -> Bool) async {
        let service = reservation.service
        let workers = services[service, default: Workers()]
        guard !workers.retiring, workers.running == 0, workers.idle.isEmpty, workers.busy.isEmpty else { return }
        do {
            try placement?.apply(reservation)
        } catch {
            logger.warning("cannot apply a lease's limits; no worker started ahead", metadata: ["service": "\(service)", "error": "\(error)"])
            return
        }
        services[service, default: Workers()].running += 1
        let worker: WorkerLink
        do {
            worker = try await start(for: reservation)
        } catch {
            leave(service)
            logger.warning("cannot start a decode worker ahead of the first unit", metadata: ["service": "\(service)", "error": "\(error)"])
            return
        }
        let held = await isHeld()
        if services[service]?.retiring == false, held {
            services[service]!.idle.append(worker)
            leave(service)
            logger.debug("started a decode worker ahead of the first unit", metadata: ["service": "\(service)", "worker": "\(worker.process.id)"])
            return
        }
        await worker.stop()
        leave(service)
        // The lease ended before anything here could be retired: nothing of it is kept.
        if let left = services[service], !left.retiring, left.running == 0, left.idle.isEmpty, left.busy.isEmpty, left.waiting.isEmpty {
            services.removeValue(forKey: service)
            placement?.retire(service)
        }
    }

    /// Ends the workers of a service whose lease ended: idle ones at once, busy ones by SIGKILL
    /// (their units are answered `noLease`); returns once every one is gone and the placement
    /// was told (its cgroup removed). Units under a new lease of the same service wait until then.
    public func retire(_ service: ServiceID) async {
        guard let workers = services[service], !workers.retiring else { return }
        services[service]?.retiring = true
        services[service]?.idle = []
        for worker in workers.idle { await worker.stop() }
        for worker in workers.busy.values { try? worker.process.send(signal: SIGKILL) }
        for waiter in workers.waiting { waiter.continuation.resume() }
        services[service]?.waiting = []
        if (services[service]?.running ?? 0) > 0 {
            await withCheckedContinuation { services[service]!.drained.append($0) }
        }
        placement?.retire(service)
        let after = services.removeValue(forKey: service)?.afterRetirement ?? []
        for waiter in after { waiter.continuation.resume() }
        logger.info("retired a service's workers", metadata: ["service": "\(service)"])
    }

    /// Ends every worker of every service (at shutdown).
    public func stopAll() async {
        for service in Array(services.keys) { await retire(service) }
    }

    /// The services that have workers here, with what they did.
    public func work() -> [ServiceID: ServiceWork] {
        services.filter { !$0.value.retiring }.mapValues { workers in
            let pids = (workers.idle.map(\.process.id) + workers.busy.keys).sorted()
            return ServiceWork(
                workers: pids.count, busy: workers.busy.count, waiting: workers.waiting.count, pids: pids, statistics: workers.statistics)
        }
    }

    /// A unit left its worker place: the next waiting unit may take it; a retirement waiting
    /// for the last one goes on.
    private func leave(_ service: ServiceID) {
        guard services[service] != nil else { return }
        services[service]!.running -= 1
        if !services[service]!.waiting.isEmpty {
            services[service]!.waiting.removeFirst().continuation.resume()
        }
        if services[service]!.retiring, services[service]!.running == 0 {
            for waiter in services[service]!.drained { waiter.resume() }
            services[service]!.drained = []
        }
    }

    /// Counts into the pool's and the service's statistics.
    private func count(_ service: ServiceID, _ change: (inout Statistics) -> Void) {
        change(&statistics)
        if services[service] != nil { change(&services[service]!.statistics) }
    }

    private func start(for reservation: Reservation) async throws -> WorkerLink {
        let worker = try await WorkerLink.start(
            executable: configuration.executable, arguments: configuration.arguments,
            answerLimit: ServiceMessage.maximumUnitResultBytes)
        count(reservation.service) { $0.workersStarted += 1 }
        do {
            try placement?.place(worker: worker.process.id, for: reservation)
        } catch {
            await worker.stop()
            throw error
        }
        return worker
    }
}
