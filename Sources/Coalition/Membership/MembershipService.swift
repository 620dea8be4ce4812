import Logging
import MembershipCore
import NIOCore
import QoSModel
import ServiceLifecycle
import Synchronization

/// The membership shell: one UDP socket bound to the given address, the instance driven with
/// real time on a thread of its own (``MembershipLoop``: its ticks are kept there, so a busy
/// decode elsewhere cannot starve them), changes handed out as `AsyncStream`s, a snapshot for
/// `node status`.
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
        /// The coalition keys (`--key-file`), read per frame so a reload applies at once; nil
        /// sends and accepts untagged frames only. Default nil.
        public var keyring: WireKeyring?

        public init(
            membership: MembershipConfiguration = .lan, host: String = "0.0.0.0", port: Int = 7946,
            keyring: WireKeyring? = nil
        ) {
            self.membership = membership
            self.host = host
            self.port = port
            self.keyring = keyring
        }
    }

    public let configuration: Configuration
    public let member: MemberID
    private let loop: MembershipLoop
    private let broadcaster = MembershipEventBroadcaster()
    private let logger: Logger
    private let bound = Mutex<SocketAddress?>(nil)

    /// - Parameters:
    ///   - member: our id (Discovery's node id).
    ///   - incarnation: larger than any earlier incarnation of this member; nil (the default)
    ///     takes the wall-clock time in milliseconds, so every restart is newer.
    ///   - spareCapacity: read about once a second for the heartbeats (e.g. `CapacityMonitor.spare`);
    ///     nil leaves it to ``updateCapacity(_:)``.
    public init(
        member: MemberID, incarnation: UInt64? = nil, configuration: Configuration,
        spareCapacity: (@Sendable () -> SpareCapacity)? = nil, logger: Logger
    ) {
        self.member = member
        self.configuration = configuration
        self.logger = logger
        let driver = MembershipDriver(
            instance: MembershipInstance(
                member: member, incarnation: incarnation ?? WireFormat.nowMilliseconds(),
                configuration: configuration.membership),
            keyring: configuration.keyring, broadcaster: broadcaster, logger: logger)
        driver.capacitySource = spareCapacity
        self.loop = MembershipLoop(driver: driver)
    }

    /// Binds, ticks every heartbeat interval on the membership thread, and runs until graceful
    /// shutdown or cancellation; then sends `leave` to every live peer and closes. Throws if
    /// the address cannot be bound.
    ///
    /// A datagram the kernel refuses to send (a firewall's DROP on OUTPUT makes `sendmmsg` fail
    /// with EPERM) is skipped and counted as a send failure; the socket stays open.
    public func run() async throws {
        let socket = try MembershipSocket(host: configuration.host, port: configuration.port)
        bound.withLock { $0 = try? SocketAddress(ipAddress: socket.localHost, port: Int(socket.localPort)) }
        logger.info(
            "membership up",
            metadata: [
                "member": "\(member)", "address": "\(socket.localHost):\(socket.localPort)",
                "heartbeat_ms": "\(configuration.membership.heartbeatInterval.milliseconds)",
                "authenticated": "\(configuration.keyring != nil)",
            ])
        loop.start(on: socket)
        let loop = self.loop
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop.finished()
            } onCancel: {
                loop.stop()
            }
        } onGracefulShutdown: {
            loop.stop()
        }
        broadcaster.finish()
    }

    /// The bound address once ``run()`` is listening (useful with port 0), else nil.
    public var localAddress: SocketAddress? { bound.withLock { $0 } }

    /// A stream of every membership change from now on (one stream per caller).
    public func changes() -> AsyncStream<MembershipChange> { broadcaster.subscribe() }

    /// MUST be called when Discovery resolves a peer (appeared or changed).
    public func peerDiscovered(_ id: MemberID, address: PeerAddress, incarnation: UInt64) {
        loop.submit { $0.discovered(id, address: address, incarnation: incarnation) }
    }

    /// MUST be called when Discovery reports a peer gone.
    public func peerVanished(_ id: MemberID) {
        loop.submit { $0.vanished(id) }
    }

    /// Sets the spare capacity carried by our next heartbeats (from the Profiler's sampler).
    public func updateCapacity(_ capacity: SpareCapacity) {
        loop.submit { $0.updateCapacity(capacity) }
    }

    /// Our current view of the coalition, for `node status`.
    public func snapshot() async throws -> MembershipSnapshot {
        await loop.value { $0.snapshot() }
    }

    /// `id`'s state and the address it is known by, nil when it is not in our table (the query
    /// port serves only members, from their own address: ``RequesterAdmission``).
    public func known(_ id: MemberID) async -> RequesterAdmission.KnownMember? {
        await loop.value { $0.known(id) }
    }

    /// Heartbeats, suspicions, refutations, deaths and detection times since the start.
    public func counters() async -> MembershipCounters {
        await loop.value { $0.counters }
    }

    /// Traffic and per-reason drops since the socket was bound.
    public func statistics() async throws -> MembershipStatistics {
        await loop.value { $0.statistics }
    }
}

/// Why the membership service could not run, naming the address.
public struct MembershipServiceError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}
