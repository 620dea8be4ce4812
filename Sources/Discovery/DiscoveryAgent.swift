import Logging
import Synchronization

/// Announces this node as a `_coalition._udp` DNS-SD service through the local Avahi daemon and
/// reports the other nodes it finds.
///
/// ```swift
/// let agent = DiscoveryAgent(announcement: me, logger: logger)
/// async let running: Void = agent.run()        // until cancelled, then withdraws
/// for await event in agent.events { ... }      // .appeared / .changed / .vanished / ...
/// ```
///
/// A missing or stopped avahi-daemon is not an error: `run()` logs "avahi-daemon is not
/// running: ...", reports `.daemonUnavailable`, keeps retrying with a capped backoff and
/// re-publishes and re-browses once the daemon is back.
///
/// Each peer is resolved once, when the browser lists it; its TXT record is watched, so a record
/// announced anew (a restarted node) is reported `.changed`. Its address is not watched: call
/// `resolveAgain` when there is reason to believe it changed.
public final class DiscoveryAgent: Sendable {
    /// Everything Discovery observes, in order. Finishes when `run()` returns.
    public let events: AsyncStream<DiscoveryEvent>
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let announcement: Announcement
    private let configuration: Configuration
    private let logger: Logger
    /// The running session, while `run()` runs.
    private let session = Mutex<AvahiSession?>(nil)

    /// - Parameters:
    ///   - announcement: what to publish; its `name` is the initial service name.
    ///   - configuration: service type, domain, interface, retry backoff.
    ///   - logger: receives every publish, rename, peer and rejection line.
    public init(announcement: Announcement, configuration: Configuration = Configuration(), logger: Logger) {
        (events, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self, bufferingPolicy: .unbounded)
        self.announcement = announcement
        self.configuration = configuration
        self.logger = logger
    }

    /// Publishes and browses until the calling task is cancelled; then withdraws the record
    /// (peers get a goodbye at once) and finishes `events`.
    ///
    /// Throws only when our own announcement is invalid or the poll thread cannot start.
    public func run() async throws {
        defer { continuation.finish() }
        try TXTRecord.validate(announcement)
        let continuation = self.continuation
        let session = try AvahiSession(
            announcement: announcement, configuration: configuration, logger: logger,
            emit: { continuation.yield($0) })
        try session.start()
        self.session.withLock { $0 = session }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        self.session.withLock { $0 = nil }
        session.shutdown()
    }

    /// A listed peer to resolve again: by the node id its TXT record carries, or by its DNS-SD
    /// service instance name.
    public enum ResolveTarget: Hashable, Sendable {
        case nodeID(NodeID)
        case serviceName(String)
    }

    /// Resolves a listed peer's service again (SRV, TXT and address, from the network if Avahi's
    /// cache no longer holds them), for when there is reason to believe its address changed, or
    /// membership declared it dead while Discovery still lists it. A new address or record is
    /// reported as `.changed`; a failure is retried with the usual backoff (5 s doubling to
    /// 80 s) until it resolves or the browser removes the peer.
    ///
    /// Rate-limited: at most one resolution per service per
    /// `Configuration.resolveTiming.resolveAgainInterval` (default 10 s); a service already being
    /// resolved is left alone. Cheap and safe to call from any task, but not from an Avahi
    /// callback.
    ///
    /// - Returns: what was done (`.started`, `.alreadyResolving`, `.deferred(until:)`, or
    ///   `.notListed`, also when `run()` is not running or the Avahi daemon is away).
    @discardableResult
    public func resolveAgain(_ target: ResolveTarget) -> PeerTable.ResolveAgainOutcome {
        guard let session = session.withLock({ $0 }) else { return .notListed }
        return session.resolveAgain(target)
    }
}
