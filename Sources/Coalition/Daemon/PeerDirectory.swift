import Discovery

/// The peers this node knows, keyed by node id, with when it first and last heard of each.
/// Pure: every change takes `now` (seconds on any monotonic scale) from the caller.
public struct PeerDirectory: Sendable {
    public struct Entry: Sendable, Equatable {
        public var peer: Peer
        public var firstSeen: Double
        public var lastSeen: Double
    }

    public private(set) var entries: [NodeID: Entry] = [:]
    /// Our service name as last established (kept while the daemon is away).
    public private(set) var publishedName: String?
    /// Whether our record is established right now.
    public private(set) var published = false
    /// Whether avahi-daemon answered; nil before the first answer.
    public private(set) var avahiRunning: Bool?
    /// Records Discovery refused, per reason (`TXTRecordError.Code`'s name, e.g. `unsupported-pv`):
    /// each refused record is counted once per distinct reason (Discovery reports a repeat once).
    public private(set) var refusedRecords: [String: Int] = [:]

    public init() {}

    /// Applies one Discovery event at time `now`.
    public mutating func apply(_ event: DiscoveryEvent, now: Double) {
        switch event {
        case .appeared(let peer), .changed(let peer):
            let first = entries[peer.nodeID]?.firstSeen ?? now
            entries[peer.nodeID] = Entry(peer: peer, firstSeen: first, lastSeen: now)
            avahiRunning = true
        case .vanished(let peer):
            entries[peer.nodeID] = nil
        case .rejected(_, let reason):
            refusedRecords[reason.code.description, default: 0] += 1
        case .published(let name):
            publishedName = name
            published = true
            avahiRunning = true
        case .daemonUnavailable:
            published = false
            avahiRunning = false
        }
    }

    /// Records that `id` was heard from at `now` (for the heartbeat membership to call).
    public mutating func heard(from id: NodeID, now: Double) {
        entries[id]?.lastSeen = now
    }

    /// The peers as `status` reports them, sorted by name then id.
    public func summaries(now: Double) -> [PeerSummary] {
        entries.values.sorted { ($0.peer.serviceName, $0.peer.nodeID) < ($1.peer.serviceName, $1.peer.nodeID) }.map { entry in
            let a = entry.peer.announcement
            return PeerSummary(
                name: entry.peer.serviceName, id: a.nodeID.description, incarnation: a.incarnation,
                address: entry.peer.address, host: entry.peer.hostName, cores: a.cores, memoryMiB: a.memoryMiB,
                profile: a.profileID, protocolVersion: a.protocolVersion, heartbeatPort: a.heartbeatPort,
                queryPort: a.queryPort, firstSeenSecondsAgo: max(0, now - entry.firstSeen),
                lastSeenSecondsAgo: max(0, now - entry.lastSeen))
        }
    }
}
