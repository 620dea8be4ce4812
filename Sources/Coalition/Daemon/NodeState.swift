import Discovery
import Foundation

/// The daemon's shared view of itself and its peers: fed by Discovery (and later by the
/// membership), read by the control socket's ops.
public actor NodeState {
    public let announcement: Announcement
    private var directory = PeerDirectory()
    private let started: ContinuousClock.Instant
    private let clock = ContinuousClock()

    public init(announcement: Announcement) {
        self.announcement = announcement
        self.started = clock.now
    }

    private var now: Double {
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Applies a Discovery event.
    public func apply(_ event: DiscoveryEvent) { directory.apply(event, now: now) }

    /// Notes that a peer was heard from (heartbeat, query).
    public func heard(from id: NodeID) { directory.heard(from: id, now: now) }

    /// The peers currently known.
    public var peers: [Peer] { directory.entries.values.map(\.peer) }

    /// What op `status` answers.
    public func statusReport() -> StatusReport {
        let a = announcement
        let node = NodeSummary(
            name: directory.publishedName ?? a.name, id: a.nodeID.description, incarnation: a.incarnation,
            cores: a.cores, memoryMiB: a.memoryMiB, profile: a.profileID, heartbeatPort: a.heartbeatPort,
            queryPort: a.queryPort, published: directory.published, uptimeSeconds: now)
        let avahi = switch directory.avahiRunning {
        case true?: "running"
        case false?: "unavailable"
        case nil: "starting"
        }
        return StatusReport(
            node: node, avahi: avahi, peers: directory.summaries(now: now),
            refusedRecords: directory.refusedRecords.isEmpty ? nil : directory.refusedRecords)
    }
}
