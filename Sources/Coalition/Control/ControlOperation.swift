/// Every operation of the control protocol, by the name clients put in `"op"`.
///
/// The raw values are part of the protocol (see PROTOCOL.md beside this file): never rename
/// one; add new operations at the end. What each operation takes and answers is declared by
/// its ``ControlCall`` in `ControlCalls.swift`.
public enum ControlOperation: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    /// Is a daemon alive behind this socket? Every router answers it.
    case ping
    /// This node, its Discovery state and the peers it knows.
    case status
    /// Membership: every peer's liveness and spare capacity, and the socket's traffic.
    case membership
    /// Streams membership changes until the client leaves.
    case watchMembership = "watch-membership"
    /// Forms a sub-cluster for a service; with `watch`, then streams its events.
    case request
    /// Releases a service this node requested.
    case release
    /// The services requested here and the reservations held here.
    case services
    /// Streams service events (of one service or all) until the client leaves.
    case watchServices = "watch-services"
    /// Runs a stream on a sub-cluster: the input demuxed here, its units decoded by the members,
    /// every unit's output streamed back in order, then the report.
    case stream

    public var description: String { rawValue }

    /// True when the operation answers with more than one line.
    public var streams: Bool {
        switch self {
        case .watchMembership, .watchServices: true
        case .request: true  // only when asked to `watch`
        case .stream: true
        case .ping, .status, .membership, .release, .services: false
        }
    }
}
