import MembershipCore

/// One peer as `node status` shows it: what DNS-SD says of it (its name, profile, ports) and what
/// membership says of it (its state, when it was last heard, its spare capacity), merged on the
/// peer's id. Pure: built from the daemon's `status` and `membership` results, nothing else.
///
/// Merge rules (``rows(status:membership:)``):
/// - a peer both views know is one row: the name and profile from DNS-SD, the state, last heard,
///   spare CPU and memory and the heartbeat address from membership;
/// - a peer only DNS-SD knows is ``State/discovered`` (announced, not yet a member here): its last
///   heard is DNS-SD's last sighting, its address its announced address and heartbeat port, and
///   its spare capacity unknown (DNS-SD carries the board's size, not what it has spare);
/// - a peer only membership knows (its record withdrawn, or not yet resolved) has no name and no
///   profile, and keeps its membership state.
///
/// Rows are ordered by name, peers without a name after the named ones, ties by id, so a table
/// watched over time keeps its rows in place whatever their states.
public struct PeerRow: Sendable, Equatable {
    /// Where a peer stands in our view.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        /// Announced through DNS-SD, not (yet) in our membership view.
        case discovered
        /// Its membership state (alive, suspect, dead, left).
        case member(MemberState)

        /// `discovered`, or the membership state's wire name (`alive`, `suspect`, `dead`, `left`).
        public var description: String {
            switch self {
            case .discovered: "discovered"
            case .member(let state): state.rawValue
            }
        }
    }

    /// Its DNS-SD service name; nil when DNS-SD does not list it.
    public var name: String?
    /// Its id (16 lowercase hex digits).
    public var id: String
    /// Its heartbeat address, `host:port` (`[host]:port` for IPv6).
    public var address: String
    public var state: State
    /// Seconds since we last heard from it: its last membership message, or for a peer only
    /// DNS-SD lists its last DNS-SD sighting; nil if never heard.
    public var lastHeardSeconds: Double?
    /// Spare cores from its last heartbeat or ack; nil if none reached us.
    public var spareCores: Double?
    /// Its MemAvailable from its last heartbeat or ack, in MiB; nil if none reached us.
    public var spareMemoryMiB: Int?
    /// Its capability profile's name from its TXT record; nil when DNS-SD does not list it.
    public var profile: String?

    public init(
        name: String?, id: String, address: String, state: State, lastHeardSeconds: Double?,
        spareCores: Double?, spareMemoryMiB: Int?, profile: String?
    ) {
        self.name = name
        self.id = id
        self.address = address
        self.state = state
        self.lastHeardSeconds = lastHeardSeconds
        self.spareCores = spareCores
        self.spareMemoryMiB = spareMemoryMiB
        self.profile = profile
    }

    /// One row per peer either view knows, merged on the id, in the order the type's doc states.
    /// - Parameter membership: nil when the daemon did not answer `membership` (every peer is then
    ///   ``State/discovered``).
    public static func rows(status: StatusReport, membership: MembershipReport?) -> [PeerRow] {
        let members = Dictionary((membership?.peers ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [PeerRow] = []
        var seen: Set<String> = []
        for peer in status.peers where seen.insert(peer.id).inserted {
            if let member = members[peer.id] {
                rows.append(PeerRow(member: member, discovered: peer))
            } else {
                rows.append(
                    PeerRow(
                        name: peer.name, id: peer.id, address: "\(peer.address):\(peer.heartbeatPort)", state: .discovered,
                        lastHeardSeconds: peer.lastSeenSecondsAgo, spareCores: nil, spareMemoryMiB: nil, profile: peer.profile))
            }
        }
        for member in membership?.peers ?? [] where seen.insert(member.id).inserted {
            rows.append(PeerRow(member: member, discovered: nil))
        }
        return rows.sorted(by: Self.displayOrder)
    }

    private init(member: MembershipReport.Peer, discovered: PeerSummary?) {
        self.init(
            name: discovered?.name, id: member.id, address: member.address, state: .member(member.state),
            lastHeardSeconds: member.lastHeardMs.map { Double($0) / 1000 }, spareCores: member.spareCores,
            spareMemoryMiB: member.memoryAvailableMiB, profile: discovered?.profile)
    }

    /// Named rows by name, then unnamed ones; ties by id.
    static func displayOrder(_ a: PeerRow, _ b: PeerRow) -> Bool {
        switch (a.name, b.name) {
        case let (x?, y?) where x != y: x < y
        case (.some, nil): true
        case (nil, .some): false
        default: a.id < b.id
        }
    }
}

extension StatusDocument {
    /// One row per peer, the DNS-SD and membership views merged (see ``PeerRow``).
    public var peerRows: [PeerRow] { PeerRow.rows(status: status, membership: membership) }
}
