import Foundation
import MembershipCore

/// The `result` of op `membership`: our view of every peer's liveness and spare capacity, and
/// the membership socket's traffic and drops.
public struct MembershipReport: Codable, Sendable, Equatable {
    public struct Peer: Codable, Sendable, Equatable {
        public var id: String
        public var address: String
        /// Its state in our view (`alive`, `suspect`, `dead` or `left` on the wire).
        public var state: MemberState
        public var incarnation: UInt64
        /// Milliseconds since any message from it; nil if never.
        public var lastHeardMs: Int?
        /// Milliseconds in its current state.
        public var inStateMs: Int
        /// Spare cores and MemAvailable (MiB) from its last heartbeat or ack; nil if none reached us.
        public var spareCores: Double?
        public var memoryAvailableMiB: Int?
        /// Whether we watch it (it is one of our subjects).
        public var watched: Bool
    }

    public var id: String
    public var incarnation: UInt64
    /// 0 = our ticks ran on time lately; above 0 some ran late (their lateness was credited to
    /// every deadline, so nobody was suspected for it).
    public var healthScore: Int
    /// Who receives our heartbeats, and whom we watch.
    public var monitors: [String]
    public var subjects: [String]
    public var peers: [Peer]
    public var datagramsSent: Int
    public var bytesSent: Int
    public var datagramsReceived: Int
    public var bytesReceived: Int
    /// Dropped frames by reason (badMagic, oversized, badTag, ...).
    public var drops: [String: Int]
    /// Datagrams the kernel refused to send (a firewall DROP, no route). Absent from daemons
    /// older than the field.
    public var sendFailures: Int?
    /// Datagrams dropped unsent after waiting for a full send buffer (`MembershipSocket.maximumDeferred`).
    public var sendBacklogDrops: Int?

    public init(snapshot: MembershipSnapshot, statistics: MembershipStatistics) {
        id = snapshot.member.rawValue
        incarnation = snapshot.incarnation
        healthScore = snapshot.healthScore
        monitors = snapshot.monitors.map(\.rawValue)
        subjects = snapshot.subjects.map(\.rawValue)
        peers = snapshot.peers.map { peer in
            Peer(
                id: peer.member.rawValue, address: peer.address.description, state: peer.state,
                incarnation: peer.incarnation, lastHeardMs: peer.lastHeard.map { Int($0.milliseconds) },
                inStateMs: Int(peer.inStateFor.milliseconds), spareCores: peer.capacity?.cores,
                memoryAvailableMiB: peer.capacity.map { Int($0.memoryAvailableBytes / (1024 * 1024)) },
                watched: peer.watched)
        }
        datagramsSent = statistics.datagramsSent
        bytesSent = statistics.bytesSent
        datagramsReceived = statistics.datagramsReceived
        bytesReceived = statistics.bytesReceived
        drops = Dictionary(uniqueKeysWithValues: statistics.drops.counts.map { ($0.key.rawValue, $0.value) })
        sendFailures = statistics.sendFailures
        sendBacklogDrops = statistics.sendBacklogDrops
    }
}

/// One line of op `watch-membership`: a change as it happens.
public struct MembershipChangeReport: Codable, Sendable, Equatable {
    public var id: String
    /// What changed (`alive`, `suspect`, `dead`, `rejoined` or `left` on the wire).
    public var kind: MembershipEvent.Kind
    public var incarnation: UInt64
    public var reason: String
    /// Wall-clock time, milliseconds since the Unix epoch.
    public var timeMs: Int64

    public init(_ change: MembershipChange) {
        id = change.event.member.rawValue
        kind = change.event.kind
        incarnation = change.event.incarnation
        reason = change.event.reason
        timeMs = Int64((change.date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// Op `membership` (``MembershipCall``): `{"v":2,"op":"membership"}` -> ``MembershipReport``.
public struct MembershipStatusHandler: ControlHandler {
    public typealias Call = MembershipCall
    private let service: MembershipService

    public init(service: MembershipService) { self.service = service }

    public func handle(_ parameters: Empty, reply: ControlReply<MembershipReport>) async throws {
        let report = MembershipReport(snapshot: try await service.snapshot(), statistics: try await service.statistics())
        try await reply.send(report)
    }
}

/// Op `watch-membership` (``WatchMembershipCall``): one ``MembershipChangeReport`` line per
/// change until the client leaves.
public struct WatchMembershipHandler: ControlHandler {
    public typealias Call = WatchMembershipCall
    private let service: MembershipService

    public init(service: MembershipService) { self.service = service }

    public func handle(_ parameters: Empty, reply: ControlReply<MembershipChangeReport>) async throws {
        for await change in service.changes() {
            try await reply.send(MembershipChangeReport(change))
        }
    }
}
