import Logging
import NIOCore
import NIOPosix
import QoSModel
import ServiceLifecycle
import Synchronization

/// The membership shell: one UDP socket bound to the given address, the instance driven with
/// real time on one event loop (its ticks are scheduled there, so a busy decode elsewhere
/// cannot starve them), changes handed out as `AsyncStream`s, a snapshot for `node status`.
///
/// Feed it Discovery's peers with ``peerDiscovered(_:address:incarnation:)`` and
/// ``peerVanished(_:)``, and the Profiler's samples with ``updateCapacity(_:)``. Run it in the
/// daemon's `ServiceGroup`; on graceful shutdown it says goodbye (`leave`) and closes.
public final class MembershipService: Service, Sendable {
    public struct Configuration: Sendable {
        /// The protocol's knobs. Default ``MembershipConfiguration/lan``.
        public var membership: MembershipConfiguration
        /// The address to bind: the host's own address in the lab. Default 0.0.0.0.
        public var host: String
        /// The UDP port (the SRV port Discovery announces); 0 picks a free one. Default 7946.
        public var port: Int
        /// The coalition key (`--key-file`); nil sends and accepts untagged frames only.
        public var authenticator: WireAuthenticator?

        public init(
            membership: MembershipConfiguration = .lan, host: String = "0.0.0.0", port: Int = 7946,
            authenticator: WireAuthenticator? = nil
        ) {
            self.membership = membership
            self.host = host
            self.port = port
            self.authenticator = authenticator
        }
    }

    public let configuration: Configuration
    public let member: MemberID
    private let eventLoop: EventLoop
    private let driver: NIOLoopBoundBox<MembershipDriver>
    private let broadcaster = MembershipEventBroadcaster()
    private let logger: Logger
    private let bound = Mutex<SocketAddress?>(nil)
    private let stopping = Mutex(false)

    /// - Parameters:
    ///   - member: our id (Discovery's node id).
    ///   - incarnation: larger than any earlier incarnation of this member; nil (the default)
    ///     takes the wall-clock time in milliseconds, so every restart is newer.
    ///   - spareCapacity: read about once a second for the heartbeats (e.g. `CapacityMonitor.spare`);
    ///     nil leaves it to ``updateCapacity(_:)``.
    public init(
        member: MemberID, incarnation: UInt64? = nil,
        configuration: Configuration, eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        spareCapacity: (@Sendable () -> SpareCapacity)? = nil, logger: Logger
    ) {
        self.member = member
        self.configuration = configuration
        self.logger = logger
        self.eventLoop = eventLoopGroup.next()
        let driver = MembershipDriver(
            instance: MembershipInstance(
                member: member, incarnation: incarnation ?? WireFormat.nowMilliseconds(),
                configuration: configuration.membership),
            authenticator: configuration.authenticator, broadcaster: broadcaster, logger: logger)
        driver.capacitySource = spareCapacity
        self.driver = NIOLoopBoundBox.makeBoxSendingValue(driver, eventLoop: eventLoop)
    }

    /// Binds, ticks every heartbeat interval, and runs until graceful shutdown or cancellation;
    /// then sends `leave` to every live peer and closes. Throws if the address cannot be bound.
    ///
    /// A socket that NIO closes on a send error it deems fatal (a firewall's DROP on OUTPUT
    /// makes `sendmsg` fail with EPERM) is rebound at once: the membership state lives in the
    /// driver, not the socket, so only the datagrams of that instant are lost.
    public func run() async throws {
        var channel = try await bind()
        var rebinds = 0
        var lastRebindLog: ContinuousClock.Instant?
        bound.withLock { $0 = channel.localAddress }
        logger.info(
            "membership up",
            metadata: [
                "member": "\(member)", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                "heartbeat_ms": "\(configuration.membership.heartbeatInterval.milliseconds)",
                "authenticated": "\(configuration.authenticator != nil)",
            ])
        while true {
            try await attach(channel)
            let current = channel
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    try? await current.closeFuture.get()
                } onCancel: {
                    self.stop()
                }
            } onGracefulShutdown: {
                self.stop()
            }
            if stopping.withLock({ $0 }) || Task.isCancelled || Task.isShuttingDownGracefully { break }
            rebinds += 1
            // A firewall dropping our datagrams makes this happen every few seconds: say it once a minute.
            if lastRebindLog.map({ ContinuousClock.now - $0 > .seconds(60) }) ?? true {
                lastRebindLog = ContinuousClock.now
                logger.warning(
                    "the membership socket was closed by a send or receive error (EPERM from a firewall DROP, ...); binding it again",
                    metadata: ["rebinds": "\(rebinds)"])
            }
            do {
                channel = try await bind()
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
                channel = try await bind()
            }
        }
        broadcaster.finish()
    }

    private func bind() async throws -> Channel {
        let driver = self.driver
        let logger = self.logger
        do {
            return try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // Heartbeats arrive together (ticks are aligned): read them with one recvmmsg.
                .channelOption(.datagramVectorReadMessageCount, value: 4)
                // One recvmmsg per wake: the socket is level-triggered, so a fuller queue wakes
                // us again, and the default (4 reads) ended nearly every wake in an EAGAIN call.
                .channelOption(.maxMessagesPerRead, value: 1)
                // The largest membership frame is about 300 bytes; a longer datagram is cut
                // short and dropped as truncated.
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 512))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MembershipChannelHandler(driver: driver, logger: logger))
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw MembershipServiceError(
                reason: "cannot bind the membership socket to \(configuration.host):\(configuration.port): \(error)")
        }
    }

    /// Makes `channel` the driver's socket and (re)starts the ticks on it.
    private func attach(_ channel: Channel) async throws {
        let driver = self.driver
        try await eventLoop.submit {
            driver.value.stopTicking()
            driver.value.channel = channel
            driver.value.startTicking()
        }.get()
    }

    private func stop() {
        stopping.withLock { $0 = true }
        let driver = self.driver
        eventLoop.execute {
            driver.value.stopTicking()
            driver.value.leave()
            let channel = driver.value.channel
            driver.value.channel = nil
            channel?.close(promise: nil)
        }
    }

    /// The bound address once ``run()`` is listening (useful with port 0), else nil.
    public var localAddress: SocketAddress? { bound.withLock { $0 } }

    /// A stream of every membership change from now on (one stream per caller).
    public func changes() -> AsyncStream<MembershipChange> { broadcaster.subscribe() }

    /// MUST be called when Discovery resolves a peer (appeared or changed).
    public func peerDiscovered(_ id: MemberID, address: PeerAddress, incarnation: UInt64) {
        let driver = self.driver
        eventLoop.execute { driver.value.discovered(id, address: address, incarnation: incarnation) }
    }

    /// MUST be called when Discovery reports a peer gone.
    public func peerVanished(_ id: MemberID) {
        let driver = self.driver
        eventLoop.execute { driver.value.vanished(id) }
    }

    /// Sets the spare capacity carried by our next heartbeats (from the Profiler's sampler).
    public func updateCapacity(_ capacity: SpareCapacity) {
        let driver = self.driver
        eventLoop.execute { driver.value.updateCapacity(capacity) }
    }

    /// Our current view of the coalition, for `node status`.
    public func snapshot() async throws -> MembershipSnapshot {
        let driver = self.driver
        return try await eventLoop.submit { driver.value.snapshot() }.get()
    }

    /// Traffic and per-reason drops since the socket was bound.
    public func statistics() async throws -> MembershipStatistics {
        let driver = self.driver
        return try await eventLoop.submit { driver.value.statistics }.get()
    }
}

/// Why the membership service could not run, naming the address.
public struct MembershipServiceError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}
