import MembershipCore
import QoSModel

/// The member's side of services: answers QoS queries from its profile, its spare capacity and
/// the reservations it holds, and keeps those reservations (Algorithm 2, leased).
///
/// An actor, so a reservation's check and its insertion never interleave with another request:
/// two requesters racing for the same board cannot oversubscribe it.
public actor ServiceHost {
    public struct Configuration: Sendable {
        public var evaluation: EvaluationConfiguration
        public var reservations: ReservationConfiguration

        public init(evaluation: EvaluationConfiguration = .default, reservations: ReservationConfiguration = .init()) {
            self.evaluation = evaluation
            self.reservations = reservations
        }
    }

    public let configuration: Configuration
    private let profile: CapabilityProfile?
    private let spare: @Sendable () -> QoSModel.SpareCapacity
    private let now: @Sendable () -> MembershipInstant
    private var ledger: ReservationLedger
    private let endings: AsyncStream<LeaseEnding>.Continuation
    /// Every lease that leaves the ledger, as it leaves (released, expired, requester dead),
    /// whichever call noticed it: the daemon retires the service's workers and cgroup from it.
    /// One consumer; it ends when the host is deinitialised.
    public nonisolated let endedLeases: AsyncStream<LeaseEnding>

    /// - Parameters:
    ///   - profile: this device's capability table; nil answers every query with share 0 and says why.
    ///   - spare: the capacity the device can lend now (sampled through libproc2 by the daemon).
    ///   - now: a monotonic clock.
    public init(
        profile: CapabilityProfile?, configuration: Configuration = .init(),
        spare: @escaping @Sendable () -> QoSModel.SpareCapacity,
        now: @escaping @Sendable () -> MembershipInstant
    ) {
        self.profile = profile
        self.configuration = configuration
        self.spare = spare
        self.now = now
        self.ledger = ReservationLedger(configuration: configuration.reservations)
        (endedLeases, endings) = AsyncStream.makeStream(of: LeaseEnding.self)
    }

    deinit { endings.finish() }

    /// Drops the leases that ended by now and reports them on ``endedLeases``.
    @discardableResult
    private func expire() -> [Reservation] {
        let ended = ledger.expire(now: now())
        for reservation in ended { endings.yield(LeaseEnding(reservation: reservation, reason: .expired)) }
        return ended
    }

    private func evaluate(_ level: QoSLevel, held: [Demand]) -> Evaluation {
        guard let profile else {
            return Evaluation(
                level: level, share: 0, demandPerStream: .zero, reservationPerStream: .zero, limitedBy: .notProfiled,
                reason: "this node has no capability profile (run `node profile`)")
        }
        return profile.evaluate(level, spare: spare(), reserved: held, configuration: configuration.evaluation)
    }

    /// Answers a QoS query: the share of each ladder level this node can carry for `service`,
    /// counting what it holds for other services but not what it holds for this one.
    public func offer(for service: ServiceID, ladder: [QoSLevel], me: MemberID) -> PeerOffer {
        expire()
        let held = ledger.heldDemands(excluding: service)
        let evaluations = ladder.map { evaluate($0, held: held) }
        return PeerOffer(peer: me, shares: evaluations.map(\.share), reasons: evaluations.map(\.reason))
    }

    public func reserve(service: ServiceID, requester: MemberID, level: QoSLevel, share: Double) -> ReservationDecision {
        expire()
        let now = now()
        return ledger.reserve(service: service, requester: requester, level: level, share: share, now: now) { held in
            evaluate(level, held: held)
        }
    }

    /// Renews leases; returns the services this node does not hold for `requester`.
    public func renew(_ services: [ServiceID], for requester: MemberID) -> [ServiceID] {
        expire()
        let now = now()
        return ledger.renew(services, for: requester, now: now)
    }

    public func release(_ service: ServiceID, for requester: MemberID) {
        if let released = ledger.release(service, for: requester) {
            endings.yield(LeaseEnding(reservation: released, reason: .released))
        }
    }

    /// Drops leases that ended; returns them (for the log).
    public func expireLeases() -> [Reservation] { expire() }

    /// Membership declared `requester` dead: nothing stays reserved for it.
    public func requesterDied(_ requester: MemberID) -> [Reservation] {
        let ended = ledger.releaseAll(of: requester)
        for reservation in ended { endings.yield(LeaseEnding(reservation: reservation, reason: .requesterDied)) }
        return ended
    }

    /// The live reservation `requester` holds for `service`, or nil (none, or its lease ended):
    /// a member runs a unit only under one.
    public func lease(of service: ServiceID, for requester: MemberID) -> Reservation? {
        expire()
        return ledger.reservations[service].flatMap { $0.requester == requester ? $0 : nil }
    }

    /// The reservations held, for `node status`.
    public var reservations: [Reservation] { ledger.reservations.values.sorted { $0.service < $1.service } }
}

/// A lease that left a member's ledger, and why.
public struct LeaseEnding: Hashable, Sendable {
    public enum Reason: String, Hashable, Sendable {
        /// Its requester released it.
        case released
        /// It was not renewed in time.
        case expired
        /// Membership declared its requester dead (or it withdrew its record).
        case requesterDied
    }

    public var reservation: Reservation
    public var reason: Reason

    public init(reservation: Reservation, reason: Reason) {
        self.reservation = reservation
        self.reason = reason
    }
}
