import MembershipCore
import QoSModel

/// Identifies a service across the coalition: the requester's member id and a number it chose.
public struct ServiceID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Capacity a member has promised to a requester's service, for a limited time.
public struct Reservation: Hashable, Sendable {
    public var service: ServiceID
    public var requester: MemberID
    public var level: QoSLevel
    /// Streams of `level` promised (1.0 = one whole stream).
    public var share: Double
    /// What the share holds on this member (measured cost plus the evaluation's headroom).
    public var demand: Demand
    /// The lease ends here unless the requester renews it.
    public var expiresAt: MembershipInstant

    public init(service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, demand: Demand, expiresAt: MembershipInstant) {
        self.service = service
        self.requester = requester
        self.level = level
        self.share = share
        self.demand = demand
        self.expiresAt = expiresAt
    }
}

/// A member's answer to a reservation request.
public enum ReservationDecision: Hashable, Sendable {
    case accepted(Reservation)
    /// Not accommodated beside the existing reservations; `available` is the share it could
    /// still carry.
    case rejected(reason: String, available: Double)
}

/// Tunables of reservations.
public struct ReservationConfiguration: Sendable, Equatable {
    /// How long a reservation lives without renewal. Default 3 s: the requester renews every
    /// `leaseDuration / 3`, so two lost renewals are survived and a dead requester's capacity
    /// comes back within 3 s.
    public var leaseDuration: Duration
    /// Most reservations one member holds at once. Default 64.
    public var maximumReservations: Int

    public init(leaseDuration: Duration = .seconds(3), maximumReservations: Int = 64) {
        precondition(leaseDuration > .zero && maximumReservations > 0)
        self.leaseDuration = leaseDuration
        self.maximumReservations = maximumReservations
    }
}

/// The reservations a member holds: the paper's Algorithm 2, "if it can accommodate such
/// service along existing ones", made atomic and leased.
///
/// Pure value: the caller passes `now` and an evaluation function; the daemon calls it from one
/// place, so a check and the insertion it allows can never interleave with another request.
public struct ReservationLedger: Sendable {
    public let configuration: ReservationConfiguration
    public private(set) var reservations: [ServiceID: Reservation] = [:]

    public init(configuration: ReservationConfiguration = .init()) {
        self.configuration = configuration
    }

    /// The demands of everything held, optionally leaving one service out.
    public func heldDemands(excluding service: ServiceID? = nil) -> [Demand] {
        reservations.values.filter { $0.service != service }.map(\.demand)
    }

    /// Reserves `share` streams of `level` for `service` if the member can accommodate it beside
    /// what it already holds. `evaluate` is the local QoS evaluation given the demands already
    /// held. A request for a service already held replaces it (a resize), checked without it.
    public mutating func reserve(
        service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, now: MembershipInstant,
        evaluate: (_ held: [Demand]) -> Evaluation
    ) -> ReservationDecision {
        guard share > 0, share.isFinite else {
            return .rejected(reason: "a share must be above 0, got \(share)", available: 0)
        }
        if reservations[service] == nil && reservations.count >= configuration.maximumReservations {
            return .rejected(
                reason: "already holding \(reservations.count) reservations, the most allowed", available: 0)
        }
        let evaluation = evaluate(heldDemands(excluding: service))
        guard evaluation.share + 1e-9 >= share else {
            return .rejected(
                reason: "can carry \(evaluation.share.formatted(places: 2)) of \(level), asked \(share.formatted(places: 2)): \(evaluation.reason)",
                available: evaluation.share)
        }
        let reservation = Reservation(
            service: service, requester: requester, level: level, share: share,
            demand: evaluation.reservationPerStream.scaled(toShare: share),
            expiresAt: now + configuration.leaseDuration)
        reservations[service] = reservation
        return .accepted(reservation)
    }

    /// Extends the leases of `services` held for `requester`. Returns the services it does not
    /// hold (expired, released, or never reserved here), so the requester rebuilds them.
    public mutating func renew(_ services: [ServiceID], for requester: MemberID, now: MembershipInstant) -> [ServiceID] {
        var unknown: [ServiceID] = []
        for service in services {
            guard var reservation = reservations[service], reservation.requester == requester else {
                unknown.append(service)
                continue
            }
            reservation.expiresAt = now + configuration.leaseDuration
            reservations[service] = reservation
        }
        return unknown
    }

    /// Releases one reservation; returns it if it was held by `requester`.
    @discardableResult
    public mutating func release(_ service: ServiceID, for requester: MemberID) -> Reservation? {
        guard reservations[service]?.requester == requester else { return nil }
        return reservations.removeValue(forKey: service)
    }

    /// Drops every reservation whose lease ended at or before `now`; returns them.
    public mutating func expire(now: MembershipInstant) -> [Reservation] {
        let ended = reservations.values.filter { $0.expiresAt <= now }
        for reservation in ended { reservations.removeValue(forKey: reservation.service) }
        return ended.sorted { $0.service < $1.service }
    }

    /// Drops every reservation of a requester declared dead; returns them.
    public mutating func releaseAll(of requester: MemberID) -> [Reservation] {
        let held = reservations.values.filter { $0.requester == requester }
        for reservation in held { reservations.removeValue(forKey: reservation.service) }
        return held.sorted { $0.service < $1.service }
    }
}
