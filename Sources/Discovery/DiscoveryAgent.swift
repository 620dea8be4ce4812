import Logging

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
public final class DiscoveryAgent: Sendable {
    /// Everything Discovery observes, in order. Finishes when `run()` returns.
    public let events: AsyncStream<DiscoveryEvent>
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let announcement: Announcement
    private let configuration: Configuration
    private let logger: Logger

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
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        session.shutdown()
    }
}
