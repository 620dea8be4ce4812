import MembershipCore
import NIOCore

/// Who is served on the query port. A request is served only when its sender id is a current
/// member (alive or suspect in our membership table) and its connection comes from the address
/// that member is known by (its DNS-SD address, or the one a member vouched for). Our own id is
/// served only from one of our own addresses: the daemon's coordinator queries its own port
/// over loopback (or over the bind address, with `--bind`). Pure: the shell looks the sender up
/// and hands the answer in.
///
/// Anything else is dropped (``WireDropReason/unknownSender``, ``WireDropReason/unexpectedAddress``),
/// counted with the query port's drops, and the connection is closed without an answer: a
/// stranger learns nothing (not whether an id is a member, not which services exist), gets no
/// work done in anyone's name, and costs no more than a membership datagram does.
public struct RequesterAdmission: Sendable, Equatable {
    /// What membership knows of a sender.
    public struct KnownMember: Sendable, Equatable {
        public var state: MemberState
        public var address: PeerAddress

        public init(state: MemberState, address: PeerAddress) {
            self.state = state
            self.address = address
        }
    }

    /// This node's id.
    public var me: MemberID
    /// Our own addresses besides loopback (the `--bind` address); our own id is served from
    /// these and from loopback only.
    public var ownHosts: Set<String>

    public init(me: MemberID, ownHosts: Set<String> = []) {
        self.me = me
        self.ownHosts = Set(ownHosts.map(Self.normalized))
    }

    /// nil when `sender` may be served over a connection from `source` (an IP literal; nil when
    /// the socket could not say), else why not.
    /// - Parameter known: the sender as our membership table has it; nil when not there.
    public func refusal(of sender: MemberID, from source: String?, known: KnownMember?) -> WireDropReason? {
        guard let source else { return .unexpectedAddress }
        let host = Self.normalized(source)
        if sender == me {
            return Self.isLoopback(host) || ownHosts.contains(host) ? nil : .unexpectedAddress
        }
        guard let known, known.state == .alive || known.state == .suspect else { return .unknownSender }
        return Self.normalized(known.address.host) == host ? nil : .unexpectedAddress
    }

    /// `host` in one canonical text form (`::ffff:10.0.0.1` and `10.0.0.1` alike; IPv6 in
    /// NIO's form), so that the same address written twice compares equal.
    static func normalized(_ host: String) -> String {
        var host = host
        if host.lowercased().hasPrefix("::ffff:"), host.contains(".") { host = String(host.dropFirst(7)) }
        guard let address = try? SocketAddress(ipAddress: host, port: 0), let text = address.ipAddress else { return host }
        return text
    }

    /// 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host.hasPrefix("127.")
    }
}
