import Foundation
import MembershipCore

/// The `result` of op `membership`: our view of every peer's liveness and spare capacity, and
/// the membership socket's traffic and drops.
public struct MembershipReport: Codable, Sendable, Equatable {
    public struct Peer: Codable, Sendable, Equatable {
        public var id: String
        public var address: String
        /// alive, suspect, dead or left.
        public var state: String
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
    /// 0 = healthy; above 0 our own ticks ran late and we accuse nobody.
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

    public init(snapshot: MembershipSnapshot, statistics: MembershipStatistics) {
        id = snapshot.member.rawValue
        incarnation = snapshot.incarnation
        healthScore = snapshot.healthScore
        monitors = snapshot.monitors.map(\.rawValue)
        subjects = snapshot.subjects.map(\.rawValue)
        peers = snapshot.peers.map { peer in
            Peer(
                id: peer.member.rawValue, address: peer.address.description, state: peer.state.rawValue,
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
    }

    /// A table for `node status`: one line per peer.
    public func render() -> String {
        var lines = [
            "membership: incarnation \(incarnation), health \(healthScore == 0 ? "ok" : "late ticks (score \(healthScore)), accusing nobody"), "
                + "sent \(datagramsSent) datagrams / \(bytesSent) B, received \(datagramsReceived) / \(bytesReceived) B"
                + (drops.isEmpty ? "" : ", dropped " + drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        ]
        guard !peers.isEmpty else { return lines[0] }
        let header = ["PEER", "ADDRESS", "STATE", "LAST HEARD", "SPARE CPU", "MEM AVAILABLE", "WATCHED"]
        let rows = peers.map { p in
            [
                p.id, p.address, p.state, p.lastHeardMs.map { "\($0) ms" } ?? "never",
                p.spareCores.map { String(format: "%.2f cores", $0) } ?? "-",
                p.memoryAvailableMiB.map { "\($0) MiB" } ?? "-", p.watched ? "yes" : "",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        lines.append(line(header))
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

/// One line of op `watch-membership`: a change as it happens.
public struct MembershipChangeReport: Codable, Sendable, Equatable {
    public var id: String
    /// alive, suspect, dead, rejoined or left.
    public var kind: String
    public var incarnation: UInt64
    public var reason: String
    /// Wall-clock time, milliseconds since the Unix epoch.
    public var timeMs: Int64

    public init(_ change: MembershipChange) {
        id = change.event.member.rawValue
        kind = change.event.kind.rawValue
        incarnation = change.event.incarnation
        reason = change.event.reason
        timeMs = Int64((change.date.timeIntervalSince1970 * 1000).rounded())
    }

    /// One human line: `12:03:04.512 dead 1f2e... (no answer to direct or indirect probes for 300 ms)`.
    public func render() -> String {
        let date = Date(timeIntervalSince1970: Double(timeMs) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.hour, .minute, .second, .nanosecond], from: date)
        let time = String(format: "%02d:%02d:%02d.%03d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0, (c.nanosecond ?? 0) / 1_000_000)
        return "\(time) \(kind) \(id) incarnation \(incarnation) (\(reason))"
    }
}

/// Op `membership`: `{"v":1,"op":"membership"}` -> ``MembershipReport``.
public struct MembershipStatusHandler: ControlHandler {
    public let op = "membership"
    private let service: MembershipService

    public init(service: MembershipService) { self.service = service }

    public func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        let report = MembershipReport(snapshot: try await service.snapshot(), statistics: try await service.statistics())
        try await reply.send(report)
    }
}

/// Op `watch-membership`: one ``MembershipChangeReport`` line per change until the client leaves.
public struct WatchMembershipHandler: ControlHandler {
    public let op = "watch-membership"
    private let service: MembershipService

    public init(service: MembershipService) { self.service = service }

    public func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        for await change in service.changes() {
            try await reply.send(MembershipChangeReport(change))
        }
    }
}
