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

    private func evaluate(_ level: QoSLevel, input: InputDescription? = nil, held: [Demand]) -> Evaluation {
        guard let profile else {
            return Evaluation(
                level: level, share: 0, demandPerStream: .zero, reservationPerStream: .zero, limitedBy: .notProfiled,
                reason: "this node has no capability profile (run `node profile`)")
        }
        return profile.evaluate(
            level, input: Self.input(input, pricing: level), spare: spare(), reserved: held, configuration: configuration.evaluation)
    }

    /// The input a ladder level is priced for: the input itself for the level it calls for
    /// (members decode the input as it is); nil for any other level, priced by its preset as
    /// before: below it a degraded delivery decodes less, and above it the requester asked for
    /// more than the input holds (a request the preset's price keeps honest).
    static func input(_ input: InputDescription?, pricing level: QoSLevel) -> InputDescription? {
        guard let input, level.video == input.level else { return nil }
        return input
    }

    /// What one whole stream of `level` costs here, for `input` when given (the estimate a
    /// reservation answer carries); nil without a profile or when it cannot be priced.
    public func demandPerStream(of level: QoSLevel, input: InputDescription?) -> Demand? {
        profile?.demand(of: level, input: Self.input(input, pricing: level))
    }

    /// The same estimate in parts (decode, hash, audio, and from what), when `input` prices
    /// `level` (else the level's preset prices it and there are no parts to tell); nil without a
    /// profile.
    public func estimatePerStream(of level: QoSLevel, input: InputDescription?) -> StreamDemandEstimate? {
        guard let input = Self.input(input, pricing: level) else { return nil }
        return profile?.streamEstimate(of: level, input: input)
    }

    /// What this node lends and what levels cost on it, for weighted reclaim; nil without a
    /// profile.
    private func pricing() -> ReservationLedger.Pricing? {
        guard let profile else { return nil }
        let spare = spare()
        let configuration = configuration.evaluation
        let usable = spare.memoryAvailableBytes > configuration.memoryReserveBytes
            ? spare.memoryAvailableBytes - configuration.memoryReserveBytes : 0
        return ReservationLedger.Pricing(capacity: [spare.cores, Double(usable) / 1_048_576]) { level, share in
            let evaluation = profile.evaluate(level, spare: spare, reserved: [], configuration: configuration)
            guard evaluation.limitedBy != .notProfiled else { return nil }
            return evaluation.reservationPerStream.scaled(toShare: share)
        }
    }

    /// Answers a QoS query: the share of each ladder level this node can carry for `service`,
    /// counting what it holds for other services but not what it holds for this one. With a
    /// weight above the weights of services it holds, a share counts what they would give up
    /// (``WeightedReclaim``).
    ///
    /// With an `input`, the level it calls for is priced for the input itself (``CapabilityProfile/estimateDemand(for:)``) rather than their presets.
    public func offer(
        for service: ServiceID, ladder: [QoSLevel], weight: Double = 1, input: InputDescription? = nil, me: MemberID
    ) -> PeerOffer {
        expire()
        let held = ledger.heldDemands(excluding: service)
        var evaluations = ladder.map { evaluate($0, input: input, held: held) }
        if let pricing = pricing() {
            let claim = ReservationClaim(weight: weight, ladder: ladder)
            let now = now()
            for (index, level) in ladder.enumerated() {
                let ceiling = evaluate(level, input: input, held: []).share
                let share = ledger.offeredShare(
                    for: service, claim: claim, level: level, plain: evaluations[index].share, ceiling: ceiling, pricing: pricing,
                    now: now)
                if share > evaluations[index].share {
                    evaluations[index].share = share
                    evaluations[index].reason = "counting what services of lower weight would give up"
                }
            }
        }
        return PeerOffer(peer: me, shares: evaluations.map(\.share), reasons: evaluations.map(\.reason))
    }

    /// Reserves `share` streams of `level` for `service`; with a `claim`, services of lower
    /// weight may step down for it (their requesters learn it at their next renewal).
    /// With an `input`, the reservation holds the input's estimated demand (as in ``offer``).
    public func reserve(
        service: ServiceID, requester: MemberID, level: QoSLevel, share: Double, claim: ReservationClaim? = nil,
        input: InputDescription? = nil
    ) -> ReservationDecision {
        expire()
        let now = now()
        let decision = ledger.reserve(
            service: service, requester: requester, level: level, share: share, claim: claim, pricing: pricing(), now: now
        ) { held in
            evaluate(level, input: input, held: held)
        }
        for reservation in ledger.takeReclaimed() { endings.yield(LeaseEnding(reservation: reservation, reason: .reclaimed)) }
        return decision
    }

    /// Renews leases; answers the services this node does not hold for `requester` and those
    /// it stepped down since the last renewal.
    public func renew(_ services: [ServiceID], for requester: MemberID) -> RenewAnswer {
        expire()
        let now = now()
        let unknown = ledger.renew(services, for: requester, now: now)
        let stepDowns = ledger.takeStepDowns(services, for: requester)
        let told = Set(stepDowns.filter { $0.level == nil }.map(\.service))
        return RenewAnswer(unknown: unknown.filter { !told.contains($0) }, stepDowns: stepDowns)
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
        ledger.failureHappened()
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
        /// Taken back entirely for a service of higher weight (``WeightedReclaim``).
        case reclaimed
    }

    public var reservation: Reservation
    public var reason: Reason

    public init(reservation: Reservation, reason: Reason) {
        self.reservation = reservation
        self.reason = reason
    }
}
