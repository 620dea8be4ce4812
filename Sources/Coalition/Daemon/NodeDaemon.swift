import Discovery
import Logging
import ServiceLifecycle

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

        public init(announcement: Announcement) { self.announcement = announcement }
    }

    public let configuration: Configuration
    public let state: NodeState
    private let logger: Logger
    private let agent: DiscoveryAgent

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.state = NodeState(announcement: configuration.announcement)
        self.agent = DiscoveryAgent(
            announcement: configuration.announcement, configuration: configuration.discovery, logger: logger)
    }

    /// The control ops this daemon answers. Append new handlers here.
    public func controlHandlers() -> [any ControlHandler] {
        let state = self.state
        return [StatusHandler(report: { await state.statusReport() })]
    }

    /// The daemon's services in start order; shutdown runs in reverse.
    public func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        [
            .init(
                service: ControlServer(
                    configuration: configuration.control, router: ControlRouter(controlHandlers()), logger: logger),
                serviceName: "control"),
            // Membership (heartbeats) goes here, before Discovery.
            .init(service: DiscoveryService(agent: agent, state: state), serviceName: "discovery"),
        ]
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (withdrawing our record) and
    /// returns; throws if a part fails.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
