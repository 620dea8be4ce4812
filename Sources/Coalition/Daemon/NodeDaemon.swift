import Discovery
import Logging
import MembershipCore
import QoSModel
import ServiceCore
import ServiceLifecycle
import UnixSignals

/// What `node join` runs: a `ServiceGroup` of the daemon's long-running parts.
///
/// The assembly is a plain list (see `services()`): to plug in another part (heartbeat
/// membership, query listener, ...), make it a `Service`, give it what it needs from `state`
/// (or from `discoveryEvents`), add its op handlers to `controlHandlers`, and append it to
/// the list. Graceful shutdown (SIGTERM, SIGINT) runs in reverse order, so Discovery, listed
/// last, withdraws our record first and peers see the goodbye before anything else stops.
public struct NodeDaemon: Sendable {
    public struct Configuration: Sendable {
        /// What to publish about this node.
        public var announcement: Announcement
        /// Service type, domain, interface and retry backoff of Discovery.
        public var discovery: DiscoveryAgent.Configuration = .init()
        /// The control socket.
        public var control: ControlServer.Configuration = .init()
        /// The address the network parts bind to; nil means all. Default nil.
        public var bindAddress: String? = nil
        /// This device's capability table; nil answers every QoS query with share 0. Default nil.
        public var profile: CapabilityProfile? = nil
        /// What this node lends and how often it samples it.
        public var capacity: CapacityMonitor.Configuration = .init()
        /// Evaluation headroom and reservation leases of the member side.
        public var host: ServiceHost.Configuration = .init()
        /// Query deadlines, lease renewal and formation of the requester side.
        public var coordinator: ServiceCoordinator.Configuration = .init()
        /// The coalition keys (`--key-file`, re-read on SIGHUP); nil (`--insecure`) sends and
        /// accepts only untagged frames. Default nil.
        public var keyring: WireKeyring? = nil
        /// Heartbeats and failure detection. Default `.lan` (100 ms heartbeats).
        public var membership: MembershipConfiguration = .lan
        /// When a member's record is resolved again after membership saw it die or restart.
        public var recordRefresh: RecordRefreshPolicy.Configuration = .init()
        /// The decode workers of services held here and their cgroups.
        public var work: MemberWork.Configuration = .init()
        /// Where `/metrics` and the live page are served (`--metrics-address`); nil serves
        /// nothing. Default nil. The server itself is the caller's (see ``run(adding:)``), so the
        /// daemon never links an HTTP stack it does not use.
        public var metricsAddress: ListenAddress? = nil

        public init(announcement: Announcement) { self.announcement = announcement }
    }

    public let configuration: Configuration
    public let state: NodeState
    private let logger: Logger
    private let agent: DiscoveryAgent
    /// This node as a member of services.
    public let me: MemberID
    public let capacity: CapacityMonitor
    public let host: ServiceHost
    public let coordinator: ServiceCoordinator
    /// Carries the units of the streams requested here, on connections of their own so that a
    /// megabyte of unit never delays a lease renewal.
    private let unitClient: ServiceClient
    /// The streams running from here, for `node status`.
    public let streams = StreamRegistry()
    /// Frames dropped on the query port, per reason.
    public let queryDrops = ServiceDropCounter()
    /// Heartbeats and failure detection on the heartbeat port.
    public let membership: MembershipService
    /// The units this node decodes for others, in their services' cgroups.
    public let work: MemberWork
    /// Recent membership and service events, for the live page.
    public let journal = EventJournal()
    /// Resolves a member's record again when membership saw it stay dead or restart.
    private let recordRefresher: RecordRefresher

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.state = NodeState(announcement: configuration.announcement)
        // A peer is admitted only if it speaks a version the wire codec accepts.
        var discovery = configuration.discovery
        discovery.acceptedProtocolVersions = Int(WireFormat.acceptedVersions.lowerBound)...Int(WireFormat.acceptedVersions.upperBound)
        self.agent = DiscoveryAgent(
            announcement: configuration.announcement, configuration: discovery, logger: logger)
        let me = MemberID(configuration.announcement.nodeID.description)!
        self.me = me
        let capacity = CapacityMonitor(configuration: configuration.capacity, logger: logger)
        self.capacity = capacity
        let clock = ContinuousClock()
        let origin = clock.now
        self.host = ServiceHost(
            profile: configuration.profile, configuration: configuration.host, spare: { capacity.spare },
            now: { MembershipInstant(nanoseconds: Int64((clock.now - origin) / .nanoseconds(1))) })
        self.coordinator = ServiceCoordinator(
            me: me,
            transport: ServiceClient(
                me: me,
                configuration: .init(
                    requestTimeout: max(configuration.coordinator.queryDeadline, configuration.coordinator.reserveDeadline),
                    keyring: configuration.keyring)),
            configuration: configuration.coordinator, logger: logger)
        self.unitClient = ServiceClient(me: me, configuration: .init(keyring: configuration.keyring))
        self.membership = MembershipService(
            member: me, incarnation: configuration.announcement.incarnation,
            configuration: .init(
                membership: configuration.membership, host: configuration.bindAddress ?? "0.0.0.0",
                port: configuration.announcement.heartbeatPort, keyring: configuration.keyring),
            spareCapacity: { capacity.spare }, logger: logger)
        self.work = MemberWork(configuration: configuration.work, host: host, me: me, logger: logger)
        let agent = self.agent
        self.recordRefresher = RecordRefresher(configuration: configuration.recordRefresh) { member in
            if let node = NodeID(hex: member.description) { agent.resolveAgain(.nodeID(node)) }
        }
    }

    /// What `node status --json` would print now (the `status`, `services` and `membership`
    /// results together).
    public func statusDocument() async throws -> StatusDocument {
        var report = await state.statusReport()
        report.authentication = configuration.keyring.map { AuthenticationStatus(keyring: $0) } ?? .insecure
        let spare = capacity.spare
        let services = ServicesReport(
            services: await coordinator.summaries(), reservations: await host.reservations.map(HeldReservationRecord.init),
            spareCores: spare.cores, spareMemoryMiB: spare.memoryAvailableBytes >> 20,
            queryDrops: Dictionary(uniqueKeysWithValues: queryDrops.snapshot.counts.map { ($0.key.rawValue, $0.value) }),
            work: await work.report(),
            streams: await streams.statuses())
        let membershipReport = MembershipReport(
            snapshot: try await membership.snapshot(), statistics: try await membership.statistics())
        return StatusDocument(status: report, services: services, membership: membershipReport)
    }

    /// The status document with the counters and timings it does not carry, and the recent
    /// events: what the metrics endpoint and the live page read.
    public func observation() async throws -> DaemonObservation {
        DaemonObservation(
            status: try await statusDocument(), membershipCounters: await membership.counters(),
            serviceTimings: await coordinator.serviceTimings(), events: journal.recent)
    }

    /// Service events into the journal, until shutdown.
    private func followServices() async {
        for await record in await coordinator.watch() { journal.append(record) }
    }

    /// The control ops this daemon answers. Append new handlers here.
    public func controlHandlers() -> [any ControlHandler] {
        let state = self.state
        let capacity = self.capacity
        let keyring = configuration.keyring
        return [
            StatusHandler(report: {
                var report = await state.statusReport()
                report.authentication = keyring.map { AuthenticationStatus(keyring: $0) } ?? .insecure
                return report
            }),
            RequestHandler(coordinator: coordinator),
            ReleaseHandler(coordinator: coordinator),
            ServicesHandler(coordinator: coordinator, host: host, work: work, drops: queryDrops, spare: { capacity.spare }, streams: streams),
            WatchServicesHandler(coordinator: coordinator),
            StreamHandler(coordinator: coordinator, transport: unitClient, demux: .init(), registry: streams, logger: logger),
            MembershipStatusHandler(service: membership),
            WatchMembershipHandler(service: membership),
        ]
    }

    /// Where this node answers queries.
    private var ownEndpoint: ServiceEndpoint {
        ServiceEndpoint(
            id: me, host: configuration.bindAddress ?? "127.0.0.1", port: UInt16(configuration.announcement.queryPort))
    }

    /// Discovery's view of peers, until membership confirms liveness: a peer that appears can be
    /// queried, one that vanishes (goodbye) is lost.
    private func discoveryChanged(_ event: DiscoveryEvent) async {
        switch event {
        case .appeared(let peer), .changed(let peer):
            guard let id = MemberID(peer.nodeID.description) else { return }
            membership.peerDiscovered(
                id, address: PeerAddress(host: peer.address, port: UInt16(clamping: peer.port)),
                incarnation: peer.announcement.incarnation)
            await coordinator.peerUp(
                ServiceEndpoint(id: id, host: peer.address, port: UInt16(peer.announcement.queryPort)))
        case .vanished(let peer):
            guard let id = MemberID(peer.nodeID.description) else { return }
            membership.peerVanished(id)
            await coordinator.peerGone(id, reason: "withdrew its mDNS record")
            _ = await host.requesterDied(id)
        case .rejected, .published, .daemonUnavailable:
            break
        }
    }

    /// Membership's verdicts drive the services: a member declared dead (or gone) is lost to
    /// every sub-cluster at once, and what it had reserved here as a requester is released; one
    /// back with a new incarnation is queried again.
    private func followMembership() async {
        for await change in membership.changes() {
            journal.append(change)
            let event = change.event
            // Discovery resolves each peer once: a member that stays dead may have moved, and
            // one that restarted may announce other ports; the policy says when to look again.
            await recordRefresher.observe(event)
            switch event.kind {
            case .dead, .left:
                await coordinator.peerDown(event.member, reason: "\(event.kind == .dead ? "declared dead" : "left"): \(event.reason)")
                for reservation in await host.requesterDied(event.member) {
                    logger.info("released a dead requester's reservation", metadata: ["service": "\(reservation.service)"])
                }
            case .alive, .rejoined:
                await coordinator.peerAlive(event.member)
            case .suspect:
                break
            }
        }
    }

    /// The daemon's services in start order; shutdown runs in reverse.
    public func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        // The query port serves members only, each from its own address; our own coordinator
        // reaches it over loopback or the bind address.
        let admission = RequesterAdmission(me: me, ownHosts: Set([configuration.bindAddress].compactMap { $0 }))
        let me = self.me
        let membership = self.membership
        return [
            .init(
                service: ControlServer(
                    configuration: configuration.control, router: ControlRouter(controlHandlers()), logger: logger),
                serviceName: "control"),
            .init(service: capacity, serviceName: "capacity"),
            // Before the query listener, so it stops after it: no unit starts a worker once the
            // workers were stopped.
            .init(service: work, serviceName: "work"),
            .init(
                service: ServiceServer(
                    configuration: .init(
                        host: configuration.bindAddress ?? "0.0.0.0", port: configuration.announcement.queryPort,
                        keyring: configuration.keyring),
                    host: host, units: work.pool, me: me, drops: queryDrops, cancels: work.cancels, logger: logger,
                    admit: { sender, source in
                        let known = sender == me ? nil : await membership.known(sender)
                        return admission.refusal(of: sender, from: source, known: known)
                    }),
                serviceName: "queries"),
            .init(service: coordinator, serviceName: "services"),
            .init(service: membership, serviceName: "membership"),
            .init(service: recordRefresher, serviceName: "record-refresher"),
            .init(service: MembershipFollower(follow: { await self.followMembership() }), serviceName: "membership-to-services"),
            .init(service: MembershipFollower(follow: { await self.followServices() }), serviceName: "service-events-to-journal"),
            .init(
                service: DiscoveryService(agent: agent, state: state, onEvent: { event in await self.discoveryChanged(event) }),
                serviceName: "discovery"),
        ]
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (withdrawing our record) and
    /// returns; throws if a part fails.
    /// - Parameter additional: more parts to run beside the daemon's own (the metrics server,
    ///   made by the caller from ``configuration``'s `metricsAddress` and ``observation()``);
    ///   they start just before Discovery and stop just after it, while every part they read
    ///   still runs.
    public func run(adding additional: [ServiceGroupConfiguration.ServiceConfiguration] = []) async throws {
        await coordinator.peerUp(ownEndpoint)
        // SIGHUP is trapped before anything runs: from now on it re-reads the key file, never
        // ends the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        var services = services()
        services.insert(
            .init(service: KeyReloader(keyring: configuration.keyring, hangups: hangups, logger: logger), serviceName: "key-reloader"),
            at: 1)
        services.insert(contentsOf: additional, at: services.count - 1)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs `follow` (a loop over a stream that ends at shutdown) as a service of the group.
struct MembershipFollower: Service {
    let follow: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown { await follow() }
    }
}
