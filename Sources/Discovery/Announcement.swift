/// What a node tells the network about itself through its DNS-SD TXT record.
///
/// Discovery only *finds* peers: liveness and live load come from the heartbeat membership,
/// never from mDNS (whose records live 120 s to 75 min). So this carries only what is stable
/// for the lifetime of one `node join`: identity, incarnation, the device's size and the ports
/// to reach it on.
public struct Announcement: Hashable, Sendable {
    /// The wire protocol version the node speaks (`pv`), 1...255.
    public var protocolVersion: Int
    /// The node's identity (`id`, 16 hex digits).
    public var nodeID: NodeID
    /// Grows each time the node starts (`inc`); milliseconds since the Unix epoch by default.
    public var incarnation: UInt64
    /// A human name (`n`), 1...63 bytes of UTF-8 without control characters.
    public var name: String
    /// CPU cores (`c`), 1...1024.
    public var cores: Int
    /// Memory in MiB (`m`), 1...16 TiB expressed in MiB.
    public var memoryMiB: Int
    /// The capability profile the node loaded (`p`), 1...64 of `[A-Za-z0-9._-]`.
    public var profileID: String
    /// The UDP port of the heartbeat socket (`hb`), 1...65535.
    public var heartbeatPort: Int
    /// The TCP port of the query listener (`q`), 1...65535.
    public var queryPort: Int

    public init(
        protocolVersion: Int = Announcement.currentProtocolVersion, nodeID: NodeID, incarnation: UInt64,
        name: String, cores: Int, memoryMiB: Int, profileID: String, heartbeatPort: Int, queryPort: Int
    ) {
        self.protocolVersion = protocolVersion
        self.nodeID = nodeID
        self.incarnation = incarnation
        self.name = name
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.profileID = profileID
        self.heartbeatPort = heartbeatPort
        self.queryPort = queryPort
    }

    /// The protocol version this build speaks.
    public static let currentProtocolVersion = 1
    /// The protocol versions this build accepts from others (`pv`); a node announcing another
    /// is refused by Discovery. The daemon sets ``DiscoveryAgent/Configuration/acceptedProtocolVersions``
    /// from the wire codec's accepted versions, so the two never disagree.
    public static let acceptedProtocolVersions: ClosedRange<Int> = currentProtocolVersion...currentProtocolVersion
    /// The profile id announced by a node that loaded no capability profile.
    public static let noProfile = "none"
}
