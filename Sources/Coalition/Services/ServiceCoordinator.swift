import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore
import ServiceLifecycle

/// The requester's side of services in the daemon: owns the supervisors of the services this
/// node asked for and carries out their directives against the live peers, in parallel.
///
/// The CLI only asks (through the control socket); the daemon keeps the service, renews its
/// leases, and rebuilds it when membership reports a member dead.
public actor ServiceCoordinator: Service {
    public struct Configuration: Sendable {
        public var supervisor: ServiceSupervisor.Configuration
        /// How long a query waits for answers; peers slower than this are left out. Default 300 ms.
        public var queryDeadline: Duration
        /// How long a reservation waits for its answer before counting as refused. Default 500 ms.
        public var reserveDeadline: Duration
        /// How often leases are renewed. Default 1 s (a third of the default 3 s lease).
        public var renewInterval: Duration
        /// Events kept per service for `node status`. Default 32.
        public var historyLength: Int

        public init(
            supervisor: ServiceSupervisor.Configuration = .init(), queryDeadline: Duration = .milliseconds(300),
            reserveDeadline: Duration = .milliseconds(500), renewInterval: Duration = .seconds(1), historyLength: Int = 32
        ) {
            self.supervisor = supervisor
            self.queryDeadline = queryDeadline
            self.reserveDeadline = reserveDeadline
            self.renewInterval = renewInterval
            self.historyLength = historyLength
        }
    }

    public let me: MemberID
    public let configuration: Configuration
    private let transport: any ServiceTransport
    private let logger: Logger
    private var supervisors: [ServiceID: ServiceSupervisor] = [:]
    /// Each service's weight (1 when the user gave none).
    private var weights: [ServiceID: Double] = [:]
    /// The input each stream service decodes, when it has one: members price it themselves.
    private var inputs: [ServiceID: InputDescription] = [:]
    /// What each member estimated one whole stream of the input costs it, from its reservation
    /// answer.
    private var estimates: [ServiceID: [MemberID: Demand]] = [:]
    /// What each member said its CPU estimate is made of, from its reservation answer (with
    /// the calibration the reservation asked for).
    private var cpuEstimates: [ServiceID: [MemberID: CPUEstimate]] = [:]
    /// What each stream service's units were measured to cost, as calibrations of its input per
    /// member (``recalibrate(_:_:)``): every query and reservation sent from then on carries them.
    private var calibrations: [ServiceID: DemandCalibration.Decision] = [:]
    private var live: [MemberID: ServiceEndpoint] = [:]
    /// Peers declared dead, kept so a rejoin (a new incarnation) makes them queryable again.
    private var dormant: [MemberID: ServiceEndpoint] = [:]
    private var history: [ServiceID: [ServiceEventRecord]] = [:]
    private var lostAt: [ServiceID: ContinuousClock.Instant] = [:]
    /// When each service still forming for the first time was requested.
    private var requestedAt: [ServiceID: ContinuousClock.Instant] = [:]
    /// Formation and rebuild times of the services requested here, for the metrics.
    private var timings = ServiceTimings()
    private var watchers: [UUID: AsyncStream<ServiceEventRecord>.Continuation] = [:]
    private var nextNumber = 1
    private let work: AsyncStream<@Sendable () async -> Void>
    private let workContinuation: AsyncStream<@Sendable () async -> Void>.Continuation
    private let clock = ContinuousClock()

    public init(me: MemberID, transport: any ServiceTransport, configuration: Configuration = .init(), logger: Logger) {
        self.me = me
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        (work, workContinuation) = AsyncStream.makeStream()
    }

    // MARK: - Service

    /// Runs the directives' I/O and the lease renewals until graceful shutdown, then releases
    /// every service so nothing stays reserved for us.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { [work] in
                await withDiscardingTaskGroup { jobs in
                    for await job in work { jobs.addTask { await job() } }
                }
            }
            group.addTask { [configuration] in
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    try? await Task.sleep(for: configuration.renewInterval)
                    await self.renewLeases()
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                await self.shutDown()
            }
        }
    }

    private func shutDown() async {
        for id in supervisors.keys.sorted() where supervisors[id]?.phase != .released {
            await releaseDirectly(id)
        }
        workContinuation.finish()
        for watcher in watchers.values { watcher.finish() }
        watchers = [:]
    }

    /// Releases synchronously (used at shutdown, when the job queue is closing).
    private func releaseDirectly(_ id: ServiceID) async {
        guard var supervisor = supervisors[id] else { return }
        let directives = supervisor.release()
        supervisors[id] = supervisor
        for case .release(let peer) in directives {
            guard let endpoint = live[peer] else { continue }
            try? await withDeadline(configuration.reserveDeadline, operation: "release") { [transport] in
                try await transport.release(endpoint, service: id)
            }
        }
        record(id, .released)
    }

    // MARK: - Requests from the control socket

    /// Starts forming a service; returns its id at once (watch its events for the outcome).
    ///
    /// - Parameters:
    ///   - reserveMargin: streams reserved above the demand, as a fraction of it (a live
    ///     stream's members need slack to stay on time); nil takes the configured formation's.
    ///   - recoveryMargin: streams a rebuild after a loss reserves above the demand for a while
    ///     (``ServiceSupervisor/Configuration/recoveryMargin``); nil takes the configured one.
    ///   - weight: how much the service matters against others (> 0; default 1): members may
    ///     step services of lower weight down for it (``WeightedReclaim``).
    ///   - input: the stream's own video, sent with every query and reservation so members
    ///     price it rather than the level's preset; nil: the presets.
    public func request(
        _ request: ServiceRequest, reserveMargin: Double? = nil, recoveryMargin: Double? = nil, weight: Double = 1,
        input: InputDescription? = nil
    ) -> ServiceID {
        precondition(weight.isFinite && weight > 0, "a weight is > 0")
        let id = ServiceID("\(me.rawValue)/\(nextNumber)")
        nextNumber += 1
        weights[id] = weight
        inputs[id] = input
        requestedAt[id] = clock.now
        var supervisorConfiguration = configuration.supervisor
        if let reserveMargin { supervisorConfiguration.formation.coverageMargin = max(0, reserveMargin) }
        if let recoveryMargin { supervisorConfiguration.recoveryMargin = max(0, recoveryMargin) }
        var supervisor = ServiceSupervisor(id: id, request: request, configuration: supervisorConfiguration)
        let directives = supervisor.start()
        supervisors[id] = supervisor
        logger.info(
            "service requested",
            metadata: ["service": "\(id)", "ladder": "\(request.ladder)", "streams": "\(request.streams)", "weight": "\(weight)"])
        execute(id, directives)
        return id
    }

    public enum ReleaseError: Error, CustomStringConvertible {
        case unknown(String, known: [String])
        public var description: String {
            switch self {
            case .unknown(let id, let known):
                "no service \(id) on this node" + (known.isEmpty ? "" : " (services: \(known.joined(separator: ", ")))")
            }
        }
    }

    public func release(_ id: ServiceID) throws(ReleaseError) {
        guard var supervisor = supervisors[id], supervisor.phase != .released else {
            throw .unknown(id.rawValue, known: supervisors.filter { $0.value.phase != .released }.keys.map(\.rawValue).sorted())
        }
        let directives = supervisor.release()
        supervisors[id] = supervisor
        execute(id, directives)
    }

    /// Every event of every service from now on; the stream ends at shutdown.
    public func watch() -> AsyncStream<ServiceEventRecord> {
        let (stream, continuation) = AsyncStream<ServiceEventRecord>.makeStream(bufferingPolicy: .bufferingNewest(256))
        watchers[UUID()] = continuation
        return stream
    }

    /// Formation and rebuild times, and events by kind, since the start.
    public func serviceTimings() -> ServiceTimings { timings }

    public func summaries() -> [ServiceSummary] {
        supervisors.keys.sorted().map { ServiceSummary(supervisors[$0]!, lastEvent: history[$0]?.last) }
    }

    public func summary(of id: ServiceID) -> ServiceSummary? {
        supervisors[id].map { ServiceSummary($0, lastEvent: history[id]?.last) }
    }

    public func events(of id: ServiceID) -> [ServiceEventRecord] { history[id] ?? [] }

    /// The sub-cluster of `id` now, for the stream that runs on it: each member's endpoint and
    /// the share it reserved, and the level served; nil for an unknown service. Members whose
    /// endpoint is no longer known (declared dead since) are left out.
    public func subCluster(of id: ServiceID) -> (level: QoSLevel, members: [(endpoint: ServiceEndpoint, share: Double)])? {
        guard let supervisor = supervisors[id] else { return nil }
        let members = supervisor.members.compactMap { member in live[member.peer].map { (endpoint: $0, share: member.share) } }
        return (supervisor.level, members)
    }

    /// What `member` estimated one whole stream of `id`'s input costs it (CPU cores = CPU
    /// seconds per media second, memory), from its last accepted reservation; nil without an
    /// input or an answer that carried it.
    public func estimatedDemand(of id: ServiceID, at member: MemberID) -> Demand? {
        estimates[id]?[member]
    }

    /// What `member` estimated one whole stream of `id`'s input costs it in CPU, in parts when
    /// its answer carried them (else the demand's total alone); nil without an estimate.
    public func estimatedCPU(of id: ServiceID, at member: MemberID) -> CPUEstimate? {
        cpuEstimates[id]?[member] ?? estimates[id]?[member].map { CPUEstimate(cpuPerMediaSecond: $0.cpuCores) }
    }

    /// The stream of `id` measured what its units cost its members (`decision`): from now on
    /// every query and reservation prices the input at those calibrations, and every member is
    /// asked to reserve its share again at once. False when the service has no input, or is
    /// not settled in serving (the caller asks again later; a rebuild under way reserves at
    /// the new calibrations anyway).
    @discardableResult
    public func recalibrate(_ id: ServiceID, _ decision: DemandCalibration.Decision) -> Bool {
        guard inputs[id] != nil, supervisors[id] != nil else { return false }
        calibrations[id] = decision
        let directives = mutate(id) { $0.onRecalibration() }
        execute(id, directives)
        return !directives.isEmpty
    }

    /// The input of `id` as `peer` is asked to price it: with its calibration once measured.
    private func input(of id: ServiceID, for peer: MemberID) -> InputDescription? {
        guard let input = inputs[id] else { return nil }
        guard let decision = calibrations[id] else { return input }
        return input.calibrated(by: decision.calibration(for: peer))
    }

    // MARK: - Membership

    /// A peer is alive and answers at `endpoint` (MUST be called for this node itself too).
    public func peerUp(_ endpoint: ServiceEndpoint) {
        let isNew = live[endpoint.id] != endpoint
        live[endpoint.id] = endpoint
        dormant.removeValue(forKey: endpoint.id)
        if isNew { retryWaiting() }
    }

    /// Membership says a peer declared dead is alive again (a new incarnation, or a refuted
    /// suspicion): it is queried again, at the endpoint it last announced.
    public func peerAlive(_ peer: MemberID) {
        guard let endpoint = dormant[peer] else { return }
        peerUp(endpoint)
    }

    /// A peer was declared dead or left: every service it was a member of is rebuilt.
    public func peerDown(_ peer: MemberID, reason: String) {
        guard let endpoint = live.removeValue(forKey: peer) else { return }
        dormant[peer] = endpoint
        for id in supervisors.keys.sorted() { lose(peer, in: id, reason: reason) }
    }

    /// A peer withdrew its announcement: forget it entirely.
    public func peerGone(_ peer: MemberID, reason: String) {
        peerDown(peer, reason: reason)
        dormant.removeValue(forKey: peer)
    }

    public var livePeers: [ServiceEndpoint] { live.values.sorted { $0.id < $1.id } }

    /// A unit's exchange found `peer`'s service gone (its host refused or closed the
    /// connection: its daemon died, and every lease it held with it). The service `id` is
    /// rebuilt without it now, before membership declares it dead (0.7 s later, for a process
    /// killed); the peer stays live for everything else, and is queried again like any other.
    public func serviceGone(at peer: MemberID, in id: ServiceID, reason: String) {
        lose(peer, in: id, reason: "its service connection failed under a unit: \(reason)")
    }

    private func lose(_ peer: MemberID, in id: ServiceID, reason: String) {
        guard var supervisor = supervisors[id] else { return }
        let wasServing = supervisor.phase == .serving
        let directives = supervisor.onMemberLost(peer, reason: reason)
        supervisors[id] = supervisor
        if wasServing, supervisor.phase == .rebuilding { lostAt[id] = clock.now }
        execute(id, directives)
    }

    /// A peer appeared: unserved services query again, degraded ones probe for a better level.
    private func retryWaiting() {
        for id in supervisors.keys.sorted() {
            guard var supervisor = supervisors[id] else { continue }
            let directives = supervisor.onRetry()
            supervisors[id] = supervisor
            execute(id, directives)
        }
    }

    // MARK: - Directives

    private func execute(_ id: ServiceID, _ directives: [ServiceDirective]) {
        for directive in directives {
            switch directive {
            case .query(let round):
                let peers = livePeers
                let ladder = supervisors[id]!.request.ladder
                let weight = weights[id] ?? 1
                let inputs = Dictionary(uniqueKeysWithValues: peers.map { ($0.id, input(of: id, for: $0.id)) })
                submit { [transport, configuration] in
                    let offers = await withTaskGroup(of: PeerOffer?.self) { group in
                        for peer in peers {
                            let input = inputs[peer.id] ?? nil
                            group.addTask {
                                try? await withDeadline(configuration.queryDeadline, operation: "query") {
                                    try await transport.query(peer, service: id, ladder: ladder, weight: weight, input: input)
                                }
                            }
                        }
                        var offers: [PeerOffer] = []
                        for await offer in group { if let offer { offers.append(offer) } }
                        return offers
                    }
                    await self.offersArrived(id, round: round, offers)
                }
            case .reserve(let round, let peer, let level, let share):
                guard let endpoint = live[peer] else {
                    execute(id, mutate(id) { $0.onReservation(round: round, peer: peer, accepted: false, reason: "not live") })
                    continue
                }
                let claim = ReservationClaim(weight: weights[id] ?? 1, ladder: supervisors[id]!.request.ladder)
                let input = input(of: id, for: peer)
                submit { [transport, configuration] in
                    let answer: ReserveAnswer
                    do {
                        answer = try await withDeadline(configuration.reserveDeadline, operation: "reserve") {
                            try await transport.reserve(endpoint, service: id, level: level, share: share, claim: claim, input: input)
                        }
                    } catch {
                        answer = ReserveAnswer(accepted: false, reason: "\(error)")
                    }
                    await self.reservationAnswered(id, round: round, peer: peer, answer, calibration: input?.calibration)
                }
            case .release(let peer):
                guard let endpoint = live[peer] else { continue }
                submit { [transport, configuration] in
                    _ = try? await withDeadline(configuration.reserveDeadline, operation: "release") {
                        try await transport.release(endpoint, service: id)
                    }
                }
            case .emit(let event):
                record(id, event)
            case .scheduleRetry(let delay):
                submit {
                    try? await Task.sleep(for: delay)
                    await self.retry(id)
                }
            case .scheduleTrim(let delay):
                submit {
                    try? await Task.sleep(for: delay)
                    await self.trim(id)
                }
            }
        }
    }

    private func submit(_ job: @escaping @Sendable () async -> Void) {
        workContinuation.yield(job)
    }

    private func mutate(_ id: ServiceID, _ body: (inout ServiceSupervisor) -> [ServiceDirective]) -> [ServiceDirective] {
        guard var supervisor = supervisors[id] else { return [] }
        let directives = body(&supervisor)
        supervisors[id] = supervisor
        return directives
    }

    private func offersArrived(_ id: ServiceID, round: Int, _ offers: [PeerOffer]) {
        execute(id, mutate(id) { $0.onOffers(round: round, offers) })
    }

    /// `calibration`: what the reservation asked the member to price the input at.
    private func reservationAnswered(_ id: ServiceID, round: Int, peer: MemberID, _ answer: ReserveAnswer, calibration: Double?) {
        if !answer.accepted {
            logger.debug("reservation refused", metadata: ["service": "\(id)", "peer": "\(peer)", "reason": "\(answer.reason)"])
        } else if let demand = answer.demand {
            estimates[id, default: [:]][peer] = demand
            var estimate = answer.estimate
            estimate?.calibration = calibration
            cpuEstimates[id, default: [:]][peer] = estimate
        }
        execute(id, mutate(id) { $0.onReservation(round: round, peer: peer, accepted: answer.accepted, reason: answer.reason) })
    }

    private func retry(_ id: ServiceID) {
        execute(id, mutate(id) { $0.onRetryTimer() })
    }

    private func trim(_ id: ServiceID) {
        execute(id, mutate(id) { $0.onTrimTimer() })
    }

    private func record(_ id: ServiceID, _ event: ServiceEvent) {
        func millis(since start: ContinuousClock.Instant) -> Double {
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
        }
        var recovery: Double?
        switch event {
        case .rebuilt, .degraded, .restored:
            if let start = lostAt.removeValue(forKey: id) { recovery = millis(since: start) }
        default: break
        }
        if let recovery { timings.rebuild.observe(seconds: recovery / 1000) }
        timings.events[event.kind, default: 0] += 1
        var record = ServiceEventRecord(service: id, event: event, at: Date(), recoveryMillis: recovery)
        if record.settles, let start = requestedAt.removeValue(forKey: id) {
            record.formationMillis = millis(since: start)
            timings.formation.observe(seconds: record.formationMillis! / 1000)
        }
        history[id, default: []].append(record)
        if history[id]!.count > configuration.historyLength { history[id]!.removeFirst() }
        logger.notice("\(record.message)", metadata: ["service": "\(id)", "event": "\(record.kind)"])
        for (key, watcher) in watchers {
            if case .terminated = watcher.yield(record) { watchers.removeValue(forKey: key) }
        }
    }

    // MARK: - Leases

    private func renewLeases() async {
        var servicesByPeer: [MemberID: [ServiceID]] = [:]
        for (id, supervisor) in supervisors where supervisor.phase != .released {
            for peer in supervisor.reservedPeers { servicesByPeer[peer, default: []].append(id) }
        }
        for (peer, services) in servicesByPeer {
            guard let endpoint = live[peer] else { continue }
            submit { [transport, configuration] in
                guard
                    let answer = try? await withDeadline(configuration.reserveDeadline, operation: "renew", {
                        try await transport.renew(endpoint, services: services)
                    })
                else { return }
                for stepDown in answer.stepDowns { await self.steppedDown(stepDown, peer: peer) }
                for id in answer.unknown { await self.reservationGone(id, peer: peer) }
            }
        }
    }

    /// A member stepped one of our services down for a service of higher weight.
    private func steppedDown(_ stepDown: StepDown, peer: MemberID) {
        let id = stepDown.service
        guard let supervisor = supervisors[id] else { return }
        let wasServing = supervisor.phase == .serving
        execute(id, mutate(id) { $0.onSteppedDown(peer, to: stepDown.level, reason: stepDown.reason) })
        if wasServing, supervisors[id]?.phase == .rebuilding { lostAt[id] = clock.now }
    }

    private func reservationGone(_ id: ServiceID, peer: MemberID) {
        lose(peer, in: id, reason: "the reservation expired on the peer")
    }
}
