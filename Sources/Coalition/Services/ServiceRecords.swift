import Foundation
import QoSModel
import ServiceCore

/// A member and its share, as shown to people and programs.
public struct MemberShareRecord: Codable, Hashable, Sendable {
    public var peer: String
    /// Streams carried (1.0 = one whole stream).
    public var share: Double

    init(_ member: SubClusterMember) {
        peer = member.peer.rawValue
        share = member.share
    }
}

/// One service event, as `node request --watch` and `node status` show it.
public struct ServiceEventRecord: Codable, Hashable, Sendable {
    public var service: String
    /// What happened (`formed`, `member-lost`, ... on the wire).
    public var kind: ServiceEvent.Kind
    public var level: String?
    /// The level before a degradation or an upgrade.
    public var from: String?
    public var members: [MemberShareRecord]
    public var reason: String?
    /// Milliseconds since 1970.
    public var atMillis: Int64
    /// Milliseconds since the loss that started this rebuild, for `rebuilt`/`degraded`/`restored` after a loss.
    public var recoveryMillis: Double?
    /// Milliseconds from the request to the first formation's outcome, on that first event.
    public var formationMillis: Double?
    /// A sentence for the daemon's log (the client renders events from the fields above).
    public var message: String

    init(service: ServiceID, event: ServiceEvent, at date: Date, recoveryMillis: Double?) {
        self.service = service.rawValue
        self.atMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        self.recoveryMillis = recoveryMillis
        func list(_ members: [SubClusterMember]) -> String { members.map(\.description).joined(separator: ", ") }
        let after = recoveryMillis.map { String(format: ", %.0f ms after the loss was known", $0) } ?? ""
        switch event {
        case .formed(let level, let members, let capable):
            (kind, self.level, from, self.members, reason) = (.formed, level.description, nil, members.map(MemberShareRecord.init), nil)
            message = "formed at \(level) with \(list(members)) (\(capable) capable peer(s))"
        case .memberLost(let peer, let why):
            (kind, level, from, members, reason) = (.memberLost, nil, nil, [], why)
            message = "lost member \(peer): \(why)"
        case .rebuilt(let level, let members):
            (kind, self.level, from, self.members, reason) = (.rebuilt, level.description, nil, members.map(MemberShareRecord.init), nil)
            message = "rebuilt at \(level) with \(list(members))\(after)"
        case .degraded(let old, let level, let members):
            (kind, self.level, from, self.members, reason) = (.degraded, level.description, old.description, members.map(MemberShareRecord.init), nil)
            message = "degraded from \(old) to \(level) with \(list(members))\(after)"
        case .upgraded(let old, let level, let members):
            (kind, self.level, from, self.members, reason) = (.upgraded, level.description, old.description, members.map(MemberShareRecord.init), nil)
            message = "upgraded from \(old) to \(level) with \(list(members))"
        case .unserved(let why):
            (kind, level, from, members, reason) = (.unserved, nil, nil, [], why)
            message = why
        case .restored(let level, let members):
            (kind, self.level, from, self.members, reason) = (.restored, level.description, nil, members.map(MemberShareRecord.init), nil)
            message = "restored at \(level) with \(list(members))\(after)"
        case .released:
            (kind, level, from, members, reason) = (.released, nil, nil, [], nil)
            message = "released"
        case .steppedDown(let old, let level, let why):
            (kind, self.level, from, members, reason) = (.steppedDown, level?.description, old.description, [], why)
            message = level.map { "stepped down from \(old) to \($0): \(why)" } ?? "taken back at \(old), re-forming: \(why)"
        case .trimmed(let level, let members):
            (kind, self.level, from, self.members, reason) = (.trimmed, level.description, nil, members.map(MemberShareRecord.init), nil)
            message = "recovery margin given back: \(list(members))"
        case .recalibrated(let level, let members):
            (kind, self.level, from, self.members, reason) = (.recalibrated, level.description, nil, members.map(MemberShareRecord.init), nil)
            message = "reserved again at the stream's measured cost: \(list(members))"
        }
    }

    /// True for the events that end a formation attempt (the service is served, or cannot be).
    public var settles: Bool { kind.settles }
}

/// A service as `node status` and `node request` show it.
public struct ServiceSummary: Codable, Hashable, Sendable {
    public var id: String
    /// The accepted levels, best first.
    public var ladder: [String]
    public var streams: Int
    /// Where the service stands (`forming`, `serving`, ... on the wire).
    public var phase: ServicePhase.Name
    public var level: String
    public var members: [MemberShareRecord]
    public var reason: String?
    public var lastEvent: ServiceEventRecord?

    init(_ supervisor: ServiceSupervisor, lastEvent: ServiceEventRecord?) {
        id = supervisor.id.rawValue
        ladder = supervisor.request.ladder.map(\.description)
        streams = supervisor.request.streams
        level = supervisor.level.description
        members = supervisor.members.map(MemberShareRecord.init)
        self.lastEvent = lastEvent
        phase = supervisor.phase.name
        reason = supervisor.phase.reason
    }
}

/// A reservation this node holds for someone, as `node status` shows it.
public struct HeldReservationRecord: Codable, Hashable, Sendable {
    public var service: String
    public var requester: String
    public var level: String
    public var share: Double
    /// CPU held, in cores (with headroom).
    public var cpuCores: Double
    public var memoryMiB: UInt64

    public init(_ reservation: Reservation) {
        service = reservation.service.rawValue
        requester = reservation.requester.rawValue
        level = reservation.level.description
        share = reservation.share
        cpuCores = reservation.demand.cpuCores
        memoryMiB = reservation.demand.memoryBytes >> 20
    }
}

/// The answer of control op `request`.
public struct ServiceRequestAnswer: Codable, Sendable, Equatable {
    public var service: ServiceSummary
    /// The event that settled the first formation; nil when it is still forming.
    public var event: ServiceEventRecord?
}

/// The fields of control op `release`.
public struct ServiceReleaseParameters: Codable, Sendable, Equatable {
    public var service: String
    public init(service: String) { self.service = service }
}

/// The answer of control op `services`.
public struct ServicesReport: Codable, Sendable, Equatable {
    public var services: [ServiceSummary]
    /// Reservations this node holds for requesters.
    public var reservations: [HeldReservationRecord]
    /// What this node can lend now, in cores.
    public var spareCores: Double
    public var spareMemoryMiB: UInt64
    /// Frames dropped on the query port, per reason (`badTag`, `malformedBody`, ...).
    public var queryDrops: [String: Int]
    /// The work done here for services held here, and whether it is enforced; nil from a
    /// daemon that does not say.
    public var work: MemberWorkReport? = nil
    /// The streams running from here (`node request --input`), with their counters; absent
    /// from daemons that predate streams.
    public var streams: [StreamStatus]? = nil
}
