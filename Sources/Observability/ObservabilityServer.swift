import Coalition
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `/metrics` (Prometheus) and the live page (`/`, with its event stream `/events`) on
/// the address given by `node join --metrics-address`. A `Service` of the daemon's group: it
/// stops on graceful shutdown, ending the pages' streams.
///
/// Nothing a client sends can hurt the daemon: connections and streams are bounded
/// (``ConnectionGuard``), the request line, head and body are bounded, a request must arrive
/// within ``Configuration/requestTimeout``, and the daemon's state is read once per push for
/// every open page together, never per page.
public final class ObservabilityServer: Service, Sendable {
    public struct Configuration: Sendable {
        /// Where to listen.
        public var address: ListenAddress
        /// Connections open at once. Default 32.
        public var maximumConnections = 32
        /// Live pages open at once. Default 8.
        public var maximumEventStreams = 8
        /// The request line's bound, in bytes (414 beyond). Default 2048.
        public var maximumRequestLineBytes = 2048
        /// The request head's bound, in bytes (431 beyond). Default 8192.
        public var maximumHeadBytes = 8192
        /// The request body's bound, in bytes (413 beyond); these routes take none. Default 1024.
        public var maximumBodyBytes = 1024
        /// How long a client may take to send its request (408 after). Default 5 s.
        public var requestTimeout: TimeAmount = .seconds(5)
        /// How often open pages get a new snapshot. Default 250 ms.
        public var pushInterval: Duration = .milliseconds(250)

        public init(address: ListenAddress) { self.address = address }
    }

    public let configuration: Configuration
    /// The bounds, and the responses counted by status code.
    public let guardian: ConnectionGuard
    private let hub = EventStreamHub()
    private let observe: @Sendable () async throws -> DaemonObservation
    private let logger: Logger
    private let onListening: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - observe: reads the daemon's state (``NodeDaemon/observation()``).
    ///   - onListening: called with the bound port once listening (tests bind port 0).
    public init(
        configuration: Configuration, observe: @escaping @Sendable () async throws -> DaemonObservation, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.guardian = ConnectionGuard(
            maximumConnections: configuration.maximumConnections, maximumEventStreams: configuration.maximumEventStreams)
        self.observe = observe
        self.logger = logger
        self.onListening = onListening
    }

    /// The text `/metrics` serves: the daemon's families, then the server's own.
    public func metricsText() async throws -> String {
        PrometheusExposition.render(CoalitionMetrics.families(try await observe()) + guardian.families())
    }

    public func run() async throws {
        let configuration = self.configuration
        let guardian = self.guardian
        let hub = self.hub
        let render: @Sendable () async throws -> String = { [self] in try await self.metricsText() }
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 64)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard guardian.admitConnection() else {
                            guardian.record(status: 503)
                            try channel.pipeline.syncOperations.addHandler(RefusingHandler())
                            return
                        }
                        channel.closeFuture.whenComplete { _ in guardian.releaseConnection() }
                        try channel.pipeline.syncOperations.addHandlers([
                            RequestHeadGuard(
                                maximumRequestLineBytes: configuration.maximumRequestLineBytes,
                                maximumHeadBytes: configuration.maximumHeadBytes, guardian: guardian),
                            HTTPResponseEncoder(),
                            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
                            IdleStateHandler(readTimeout: configuration.requestTimeout),
                            ObservabilityHTTPHandler(
                                maximumBodyBytes: configuration.maximumBodyBytes, guardian: guardian, hub: hub, metrics: render),
                        ])
                    }
                }
                .bind(host: configuration.address.host, port: configuration.address.port).get()
        } catch {
            throw ObservabilityServerError(reason: "cannot listen on \(configuration.address) for metrics: \(error)")
        }
        let port = server.localAddress?.port ?? configuration.address.port
        logger.info("metrics and live page up", metadata: ["address": "\(configuration.address)", "port": "\(port)"])
        onListening(port)
        await cancelWhenGracefulShutdown {
            await self.pushSnapshots()
        }
        hub.closeAll()
        try? await server.close()
    }

    /// Every push interval, while a page is open: one snapshot of the daemon for all pages.
    private func pushSnapshots() async {
        while !Task.isCancelled {
            if !hub.isEmpty, let observation = try? await observe() {
                hub.push(LiveSnapshot(observation).json())
            }
            try? await Task.sleep(for: configuration.pushInterval)
        }
    }
}

/// Why the metrics server could not start, naming the address.
public struct ObservabilityServerError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}
