/// The `result` of op `status`: this node and the peers it knows.
///
///     {"self":{...NodeSummary...},"avahi":"running","peers":[{...PeerSummary...}]}
public struct StatusReport: Codable, Sendable, Equatable {
    /// This node.
    public var node: NodeSummary
    /// `"running"` when Discovery is connected to avahi-daemon, `"unavailable"` while it waits
    /// for it, `"starting"` before the first answer.
    public var avahi: String
    /// Known peers, sorted by name.
    public var peers: [PeerSummary]
    /// Whether the coalition's frames are authenticated here, and under which keys; nil from a
    /// daemon that does not say.
    public var authentication: AuthenticationStatus?
    /// DNS-SD records refused, per reason (e.g. `"unsupported-pv": 1` for a board announcing a
    /// protocol version this build does not speak, which is not admitted); nil when none was.
    public var refusedRecords: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case node = "self"
        case avahi, peers, authentication, refusedRecords
    }

    public init(
        node: NodeSummary, avahi: String, peers: [PeerSummary], authentication: AuthenticationStatus? = nil,
        refusedRecords: [String: Int]? = nil
    ) {
        self.node = node
        self.avahi = avahi
        self.peers = peers
        self.authentication = authentication
        self.refusedRecords = refusedRecords
    }
}

/// This node as `status` shows it.
public struct NodeSummary: Codable, Sendable, Equatable {
    /// The service name currently published (after any collision rename).
    public var name: String
    public var id: String
    public var incarnation: UInt64
    public var cores: Int
    public var memoryMiB: Int
    public var profile: String
    public var heartbeatPort: Int
    public var queryPort: Int
    /// Whether our mDNS record is established.
    public var published: Bool
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double

    public init(
        name: String, id: String, incarnation: UInt64, cores: Int, memoryMiB: Int, profile: String,
        heartbeatPort: Int, queryPort: Int, published: Bool, uptimeSeconds: Double
    ) {
        self.name = name
        self.id = id
        self.incarnation = incarnation
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.profile = profile
        self.heartbeatPort = heartbeatPort
        self.queryPort = queryPort
        self.published = published
        self.uptimeSeconds = uptimeSeconds
    }
}

/// One known peer as `status` shows it.
public struct PeerSummary: Codable, Sendable, Equatable {
    /// Its DNS-SD service name (unique on the network).
    public var name: String
    public var id: String
    public var incarnation: UInt64
    /// IPv4 address, dotted quad.
    public var address: String
    public var host: String
    public var cores: Int
    public var memoryMiB: Int
    public var profile: String
    public var protocolVersion: Int
    public var heartbeatPort: Int
    public var queryPort: Int
    /// Seconds since we first saw it.
    public var firstSeenSecondsAgo: Double
    /// Seconds since we last heard of it (Discovery now; heartbeats once membership runs).
    public var lastSeenSecondsAgo: Double

    public init(
        name: String, id: String, incarnation: UInt64, address: String, host: String, cores: Int,
        memoryMiB: Int, profile: String, protocolVersion: Int, heartbeatPort: Int, queryPort: Int,
        firstSeenSecondsAgo: Double, lastSeenSecondsAgo: Double
    ) {
        self.name = name
        self.id = id
        self.incarnation = incarnation
        self.address = address
        self.host = host
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.profile = profile
        self.protocolVersion = protocolVersion
        self.heartbeatPort = heartbeatPort
        self.queryPort = queryPort
        self.firstSeenSecondsAgo = firstSeenSecondsAgo
        self.lastSeenSecondsAgo = lastSeenSecondsAgo
    }
}
