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
    /// The service's weight and accepted ladder. Default: weight 1, only `level` (a requester
    /// that sent no claim).
    public var claim: ReservationClaim

    public init(
        service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, demand: Demand, expiresAt: MembershipInstant,
        claim: ReservationClaim? = nil
    ) {
        self.service = service
        self.requester = requester
        self.level = level
        self.share = share
        self.demand = demand
        self.expiresAt = expiresAt
        self.claim = claim ?? ReservationClaim(ladder: [level])
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
    /// Taking capacity back from lower-weight services. Default `.init()` (60 s protection).
    public var reclaim: WeightedReclaim.Configuration

    public init(
        leaseDuration: Duration = .seconds(3), maximumReservations: Int = 64, reclaim: WeightedReclaim.Configuration = .init()
    ) {
        precondition(leaseDuration > .zero && maximumReservations > 0)
        self.leaseDuration = leaseDuration
        self.maximumReservations = maximumReservations
        self.reclaim = reclaim
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
    /// Who steps down for whom, and the protection of those stepped down.
    public private(set) var reclaim: WeightedReclaim
    /// Step-downs not yet told to their requesters (at their next renewal).
    private var notices: [ServiceID: (requester: MemberID, stepDown: StepDown)] = [:]
    /// Reservations a reclaim took back entirely, not yet reported (``takeReclaimed()``).
    private var reclaimed: [Reservation] = []

    public init(configuration: ReservationConfiguration = .init()) {
        self.configuration = configuration
        self.reclaim = WeightedReclaim(configuration: configuration.reclaim)
    }

    /// What the member can lend and what levels cost on it, for weighted reclaim: `capacity`
    /// is `[cores, MiB]` as the local evaluation counts them (spare cores; available memory
    /// less the reserve), `price(level, share)` what `share` streams of `level` hold.
    public struct Pricing {
        public var capacity: [Double]
        public var price: (QoSLevel, Double) -> Demand?

        public init(capacity: [Double], price: @escaping (QoSLevel, Double) -> Demand?) {
            self.capacity = capacity
            self.price = price
        }

        func vector(_ level: QoSLevel, _ share: Double) -> [Double]? {
            price(level, share).map { [$0.cpuCores, Double($0.memoryBytes) / 1_048_576] }
        }
    }

    /// The services held beside `service`, as the reclaim sees them.
    func holdings(excluding service: ServiceID) -> [WeightedReclaim.Holding] {
        reservations.values.filter { $0.service != service }.sorted { $0.service < $1.service }.map {
            WeightedReclaim.Holding(service: $0.service, claim: $0.claim, level: $0.level, share: $0.share)
        }
    }

    /// The share of `level` a query for `service` with `claim` is offered: `plain` (what fits
    /// beside everything held), or more when services of lower weight would step down for it.
    public func offeredShare(
        for service: ServiceID, claim: ReservationClaim, level: QoSLevel, plain: Double, ceiling: Double, pricing: Pricing,
        now: MembershipInstant
    ) -> Double {
        reclaim.offeredShare(
            service: service, claim: claim, level: level, plain: plain, ceiling: ceiling, holdings: holdings(excluding: service),
            capacity: pricing.capacity, now: now, price: pricing.vector, current: reservations[service].map { ($0.level, $0.share) })
    }

    /// Reservations a reclaim took back entirely since the last call (they left the ledger).
    public mutating func takeReclaimed() -> [Reservation] {
        defer { reclaimed = [] }
        return reclaimed
    }

    /// The step-downs of `services` not yet told to `requester`; told now (each once).
    public mutating func takeStepDowns(_ services: [ServiceID], for requester: MemberID) -> [StepDown] {
        var told: [StepDown] = []
        for service in services {
            guard let notice = notices[service], notice.requester == requester else { continue }
            notices.removeValue(forKey: service)
            told.append(notice.stepDown)
        }
        return told
    }

    /// A failure happened in the coalition: services stepped down are no longer protected.
    public mutating func failureHappened() { reclaim.failureHappened() }

    /// The demands of everything held, optionally leaving one service out.
    public func heldDemands(excluding service: ServiceID? = nil) -> [Demand] {
        reservations.values.filter { $0.service != service }.map(\.demand)
    }

    /// Reserves `share` streams of `level` for `service` if the member can accommodate it beside
    /// what it already holds. `evaluate` is the local QoS evaluation given the demands already
    /// held. A request for a service already held replaces it (a resize), checked without it.
    ///
    /// With `pricing`, a request that does not fit may make services of strictly lower weight
    /// step down (``WeightedReclaim``): they are changed in the ledger at once, their requesters
    /// learn it at their next renewal (``takeStepDowns(_:for:)``), and those taken back entirely
    /// are reported by ``takeReclaimed()``.
    public mutating func reserve(
        service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, claim: ReservationClaim? = nil,
        pricing: Pricing? = nil, now: MembershipInstant, evaluate: (_ held: [Demand]) -> Evaluation
    ) -> ReservationDecision {
        guard share > 0, share.isFinite else {
            return .rejected(reason: "a share must be above 0, got \(share)", available: 0)
        }
        if reservations[service] == nil && reservations.count >= configuration.maximumReservations {
            return .rejected(
                reason: "already holding \(reservations.count) reservations, the most allowed", available: 0)
        }
        var evaluation = evaluate(heldDemands(excluding: service))
        if evaluation.share + 1e-9 < share, let pricing {
            evaluation = reclaimFor(
                service: service, requester: requester, level: level, share: share, claim: claim ?? ReservationClaim(ladder: [level]),
                pricing: pricing, now: now, evaluate: evaluate) ?? evaluation
        }
        guard evaluation.share + 1e-9 >= share else {
            return .rejected(
                reason: "can carry \(evaluation.share.formatted(places: 2)) of \(level), asked \(share.formatted(places: 2)): \(evaluation.reason)",
                available: evaluation.share)
        }
        let reservation = Reservation(
            service: service, requester: requester, level: level, share: share,
            demand: evaluation.reservationPerStream.scaled(toShare: share),
            expiresAt: now + configuration.leaseDuration, claim: claim)
        reservations[service] = reservation
        if notices[service]?.requester == requester { notices.removeValue(forKey: service) }
        return .accepted(reservation)
    }

    /// Steps lower-weight services down for a request that does not fit, if the reclaim says
    /// so and the evaluation then agrees; returns the evaluation after the step-downs, or nil
    /// (nothing changed).
    private mutating func reclaimFor(
        service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, claim: ReservationClaim, pricing: Pricing,
        now: MembershipInstant, evaluate: (_ held: [Demand]) -> Evaluation
    ) -> Evaluation? {
        let own = reservations[service].flatMap { $0.requester == requester ? ($0.level, $0.share) : nil }
        let request = WeightedReclaim.Request(service: service, claim: claim, level: level, share: share, current: own)
        guard
            case .reclaim(let stepDowns) = reclaim.decide(
                request, holdings: holdings(excluding: service), capacity: pricing.capacity, now: now, price: pricing.vector)
        else { return nil }
        let before = reservations
        var taken: [Reservation] = []
        for stepDown in stepDowns {
            guard var held = reservations[stepDown.service] else { continue }
            if let lower = stepDown.level, let demand = pricing.price(lower, held.share) {
                held.level = lower
                held.demand = demand
                reservations[stepDown.service] = held
            } else {
                reservations.removeValue(forKey: stepDown.service)
                taken.append(held)
            }
        }
        let evaluation = evaluate(heldDemands(excluding: service))
        // The evaluation has the last word (it counts memory in whole decoders): if it still
        // refuses, nothing is changed.
        guard evaluation.share + 1e-9 >= share else {
            reservations = before
            return nil
        }
        reclaim.record(stepDowns, now: now)
        for stepDown in stepDowns {
            let owner = before[stepDown.service]!.requester
            notices[stepDown.service] = (owner, stepDown)
        }
        reclaimed += taken
        return evaluation
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
        if notices[service]?.requester == requester { notices.removeValue(forKey: service) }
        guard reservations[service]?.requester == requester else { return nil }
        reclaim.forget(service)
        return reservations.removeValue(forKey: service)
    }

    /// Drops every reservation whose lease ended at or before `now`; returns them.
    public mutating func expire(now: MembershipInstant) -> [Reservation] {
        let ended = reservations.values.filter { $0.expiresAt <= now }
        for reservation in ended {
            reservations.removeValue(forKey: reservation.service)
            notices.removeValue(forKey: reservation.service)
            reclaim.forget(reservation.service)
        }
        return ended.sorted { $0.service < $1.service }
    }

    /// Drops every reservation of a requester declared dead; returns them.
    public mutating func releaseAll(of requester: MemberID) -> [Reservation] {
        let held = reservations.values.filter { $0.requester == requester }
        for reservation in held {
            reservations.removeValue(forKey: reservation.service)
            reclaim.forget(reservation.service)
        }
        notices = notices.filter { $0.value.requester != requester }
        return held.sorted { $0.service < $1.service }
    }
}

/// A member's answer to a lease renewal.
public struct RenewAnswer: Hashable, Sendable {
    /// The services it does not hold for the requester (expired, released, never reserved here):
    /// the requester rebuilds them.
    public var unknown: [ServiceID]
    /// Services it stepped down (or took back entirely) for services of higher weight since the
    /// last renewal, each told once.
    public var stepDowns: [StepDown]

    public init(unknown: [ServiceID] = [], stepDowns: [StepDown] = []) {
        self.unknown = unknown
        self.stepDowns = stepDowns
    }
}
