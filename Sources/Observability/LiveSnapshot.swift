import Coalition
import Foundation

/// What the live page shows, pushed as JSON on `/events`: every member with its state, spare
/// capacity and last heard; the services with their members, shares, levels and progress; the
/// reservations held here; recent events.
public struct LiveSnapshot: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var profile: String
        public var avahi: String
        public var uptimeSeconds: Double
        public var authentication: String
    }

    public struct Member: Codable, Sendable, Equatable {
        public var id: String
        /// Its DNS-SD name; nil when Discovery does not list it (yet).
        public var name: String?
        public var address: String
        /// `self` for this node; else `alive`, `suspect`, `dead` or `left`.
        public var state: String
        public var spareCores: Double?
        public var spareMemoryMiB: Int?
        /// Milliseconds since any message from it; nil if never (and for this node).
        public var lastHeardMs: Int?
        /// Milliseconds in its current state.
        public var inStateMs: Int?
    }

    public struct ServiceRow: Codable, Sendable, Equatable {
        public var id: String
        public var phase: String
        public var level: String
        public var ladder: [String]
        public var members: [MemberShareRecord]
        public var reason: String?
        /// The stream's progress, when one runs from here.
        public var progress: Progress?
    }

    public struct Progress: Codable, Sendable, Equatable {
        public var elapsedSeconds: Double
        public var unitsCut: Int
        public var unitsDone: Int
        public var unitsInFlight: Int
        public var unitsRedispatched: Int
        public var framesExpected: Int
        public var framesOnTime: Int
        public var framesLate: Int
        public var framesLost: Int
    }

    /// Milliseconds since 1970 when it was taken.
    public var atMillis: Int64
    public var node: Node
    /// This node first, then peers by id.
    public var members: [Member]
    public var services: [ServiceRow]
    public var reservations: [HeldReservationRecord]
    /// Newest first.
    public var events: [JournalEntry]

    public init(_ observation: DaemonObservation, at date: Date = Date()) {
        let status = observation.status
        atMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        node = Node(
            id: status.status.node.id, name: status.status.node.name, profile: status.status.node.profile,
            avahi: status.status.avahi, uptimeSeconds: status.status.node.uptimeSeconds,
            authentication: status.status.authentication?.summary ?? "unknown")
        let names = Dictionary(status.status.peers.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var members = [
            Member(
                id: status.status.node.id, name: status.status.node.name, address: "", state: "self",
                spareCores: status.services?.spareCores, spareMemoryMiB: status.services.map { Int($0.spareMemoryMiB) },
                lastHeardMs: nil, inStateMs: nil)
        ]
        for peer in status.membership?.peers ?? [] {
            members.append(
                Member(
                    id: peer.id, name: names[peer.id], address: peer.address, state: peer.state.rawValue,
                    spareCores: peer.spareCores, spareMemoryMiB: peer.memoryAvailableMiB, lastHeardMs: peer.lastHeardMs,
                    inStateMs: peer.inStateMs))
        }
        self.members = members
        let streams = Dictionary((status.services?.streams ?? []).map { ($0.service, $0.report) }, uniquingKeysWith: { first, _ in first })
        services = (status.services?.services ?? []).map { summary in
            ServiceRow(
                id: summary.id, phase: summary.phase.rawValue, level: summary.level, ladder: summary.ladder,
                members: summary.members, reason: summary.reason,
                progress: streams[summary.id].map { report in
                    Progress(
                        elapsedSeconds: report.elapsedSeconds, unitsCut: report.units.cut, unitsDone: report.units.done,
                        unitsInFlight: report.units.inFlight, unitsRedispatched: report.units.redispatched,
                        framesExpected: report.frames.expected, framesOnTime: report.frames.onTime, framesLate: report.frames.late,
                        framesLost: report.frames.lost)
                })
        }
        reservations = status.services?.reservations ?? []
        events = observation.events.reversed()
    }

    /// One line of JSON (what an SSE `data:` field carries: no line breaks).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
