/// A peer found by browsing: its announcement and where its service resolved to.
public struct Peer: Hashable, Sendable {
    /// The DNS-SD service instance name (after any collision rename), e.g. `board-3 #2`.
    public var serviceName: String
    /// The mDNS host name the service points at, e.g. `lab3.local`.
    public var hostName: String
    /// The IPv4 address the host name resolved to, dotted quad.
    public var address: String
    /// The SRV port (the heartbeat port).
    public var port: Int
    /// The kernel index of the interface it was seen on.
    public var interfaceIndex: Int32
    /// What the peer announced in its TXT record.
    public var announcement: Announcement

    public init(serviceName: String, hostName: String, address: String, port: Int, interfaceIndex: Int32, announcement: Announcement) {
        self.serviceName = serviceName
        self.hostName = hostName
        self.address = address
        self.port = port
        self.interfaceIndex = interfaceIndex
        self.announcement = announcement
    }

    public var nodeID: NodeID { announcement.nodeID }
}

/// What Discovery reports, in order, through `DiscoveryAgent.events`.
public enum DiscoveryEvent: Hashable, Sendable {
    /// A node we had not seen is on the network.
    case appeared(Peer)
    /// A known node's record changed (new address, incarnation, name, ...).
    case changed(Peer)
    /// A node's last record was withdrawn (goodbye) or expired; carries its last known state.
    case vanished(Peer)
    /// A `_coalition._udp` record was refused: the service name and why.
    case rejected(serviceName: String, reason: TXTRecordError)
    /// Our own record is established on the network under this service name.
    case published(serviceName: String)
    /// The Avahi daemon cannot be reached; Discovery keeps retrying.
    case daemonUnavailable(reason: String)
}
