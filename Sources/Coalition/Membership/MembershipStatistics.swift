/// Traffic and drops of the membership socket since it was bound.
public struct MembershipStatistics: Hashable, Sendable {
    public var datagramsSent = 0
    /// UDP payload bytes sent (add 28 per datagram for IPv4 and UDP headers).
    public var bytesSent = 0
    public var datagramsReceived = 0
    public var bytesReceived = 0
    /// Frames dropped, by reason (malformed, oversized, unknown version, bad tag, ...).
    public var drops = WireDropCounts()
    /// Datagrams that could not be sent (unresolvable address, socket error).
    public var sendFailures = 0
    /// Datagrams dropped unsent because the send buffer stayed full while more than
    /// `MembershipSocket.maximumDeferred` waited for it.
    public var sendBacklogDrops = 0

    public init() {}
}
