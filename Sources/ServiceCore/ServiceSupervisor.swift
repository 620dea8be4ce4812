import MembershipCore
import QoSModel

/// Something that happened to a service, for `node request --watch` and `node status`.
public enum ServiceEvent: Hashable, Sendable {
    /// The first sub-cluster is reserved. `capable` is Algorithm 1's capable set size.
    case formed(level: QoSLevel, members: [SubClusterMember], capable: Int)
    /// A member died, left, or lost its reservation.
    case memberLost(peer: MemberID, reason: String)
    /// The sub-cluster is whole again at the same level after a loss.
    case rebuilt(level: QoSLevel, members: [SubClusterMember])
    /// The sub-cluster is whole again, but at a lower level of the user's ladder.
    case degraded(from: QoSLevel, to: QoSLevel, members: [SubClusterMember])
    /// Room appeared: a service served below its preferred level moved back up the ladder
    /// (the new reservations were in place before the old ones were released).
    case upgraded(from: QoSLevel, to: QoSLevel, members: [SubClusterMember])
    /// No level of the ladder can be served; retried when capacity appears.
    case unserved(reason: String)
    /// Served again after having been unserved.
    case restored(level: QoSLevel, members: [SubClusterMember])
    /// The user released the service.
    case released
    /// A member took capacity back for a service of higher weight: the service now runs at
    /// `to`, lower on the user's ladder (nil: the member let go of it entirely, and the service
    /// is re-formed, as after a loss). `reason` is the member's.
    case steppedDown(from: QoSLevel, to: QoSLevel?, reason: String)
    /// The recovery margin a rebuild reserved was given back: the members now hold these
    /// shares (the demand plus the ordinary margin).
    case trimmed(level: QoSLevel, members: [SubClusterMember])
    /// Every member reserved its share again, priced at what the stream was measured to cost
    /// it (``ServiceSupervisor/onRecalibration()``); those that refused kept what they held.
    case recalibrated(level: QoSLevel, members: [SubClusterMember])
}

/// What the shell must do for a service next.
public enum ServiceDirective: Hashable, Sendable {
    /// Ask every live peer, in parallel and with a deadline, what share of each ladder level it
    /// can carry for this service; answer with `onOffers(round:_:)`.
    case query(round: Int)
    /// Ask `peer` to reserve `share` streams of `level` (replacing what it holds for this
    /// service); answer with `onReservation(round:peer:accepted:reason:)`.
    case reserve(round: Int, peer: MemberID, level: QoSLevel, share: Double)
    /// Tell `peer` to release what it holds for this service.
    case release(peer: MemberID)
    case emit(ServiceEvent)
    /// Call `onRetryTimer()` after this long (while unserved, or served below the preferred
    /// level). At most one is outstanding per service.
    case scheduleRetry(after: Duration)
    /// Call `onTrimTimer()` after this long: a rebuild reserved the recovery margin, to be given
    /// back then. At most one is outstanding per service.
    case scheduleTrim(after: Duration)
}

/// Where a service stands.
public enum ServicePhase: Hashable, Sendable {
    /// Querying peers or waiting for reservations, before the first success.
    case forming
    /// Fully reserved.
    case serving
    /// Re-forming after a loss.
    case rebuilding
    case unserved(reason: String)
    case released
}

/// The requester's side of one service: Algorithms 1 and 2 with rebuild, degradation along the
/// user's ladder, and restoration. Pure: events in, directives out; the shell does the I/O.
///
/// Survivors of a loss keep their reservations; only the lost share is re-queried and reserved
/// (a survivor with room may grow). When the level cannot be covered any more, the service is
/// re-formed from scratch at the next level of the ladder the user accepted, in order.
///
/// A service served below its preferred level keeps looking for room to go back up (every
/// `upgradeInterval`, and whenever a peer appears): make before break, the better level's
/// reservations are all accepted before the old members are released; if one is refused, the
/// service stays at (or is rebuilt at) the level it had.
///
/// With a `recoveryMargin`, a rebuild after a loss reserves that much above the demand where the
/// peers have room, and `recoveryHold` later shrinks every member's share in proportion back to
/// the demand plus the ordinary margin (a smaller reservation replacing the larger; a member
/// that refuses keeps what it held).
public struct ServiceSupervisor: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var formation: FormationConfiguration
        /// How often an unserved service is retried even without news. Default 1 s.
        public var retryInterval: Duration
        /// How often a service served below its preferred level asks whether a better level
        /// fits now, even without news. Default 5 s.
        public var upgradeInterval: Duration
        /// Streams a rebuild after a loss reserves above the demand, as a fraction of it, when
        /// the peers have the room (it replaces `formation.coverageMargin` when larger). Default
        /// 0: none. A live stream asks for some: the work the lost member held, and what piled
        /// up until its loss was known, is caught up at this pace rather than at the ordinary
        /// margin's. Given back after `recoveryHold`.
        public var recoveryMargin: Double
        /// How long the recovery margin is held after the rebuild before the shares are trimmed
        /// back to the demand plus `formation.coverageMargin`. Default 10 s.
        public var recoveryHold: Duration

        public init(
            formation: FormationConfiguration = .init(), retryInterval: Duration = .seconds(1),
            upgradeInterval: Duration = .seconds(5), recoveryMargin: Double = 0, recoveryHold: Duration = .seconds(10)
        ) {
            precondition(recoveryMargin >= 0 && recoveryMargin.isFinite && recoveryHold >= .zero)
            self.formation = formation
            self.retryInterval = retryInterval
            self.upgradeInterval = upgradeInterval
            self.recoveryMargin = recoveryMargin
            self.recoveryHold = recoveryHold
        }
    }

    /// A move up the ladder under way: the service is still served by `fallback` at
    /// `fromIndex` while the better level's reservations are asked for.
    private struct UpgradeAttempt: Sendable {
        var fromIndex: Int
        var fallback: [MemberID: Double]
    }

    public let id: ServiceID
    public let request: ServiceRequest
    public let configuration: Configuration
    public private(set) var phase: ServicePhase = .forming
    /// The ladder level currently targeted or served.
    public private(set) var levelIndex = 0
    /// Accepted reservations, in streams of the current level.
    public private(set) var held: [MemberID: Double] = [:]
    private var pending: [MemberID: Double] = [:]
    private var round = 0
    /// Peers that refused a reservation in the current attempt; not asked again until it ends.
    private var refused: Set<MemberID> = []
    private var awaitingOffers = false
    private var capableCount = 0
    private var servedLevel: Int?
    private var everServed = false
    private var upgrade: UpgradeAttempt?
    private var retryScheduled = false
    private var trimScheduled = false
    /// Why the members are being asked to reserve again at the shares they hold (or, for a
    /// trim, smaller): nil when they are not.
    private enum Resize: Sendable {
        /// The recovery margin is given back.
        case trim
        /// The stream's cost was measured: the same shares, priced anew.
        case recalibration
    }

    private var resizing: Resize?

    public init(id: ServiceID, request: ServiceRequest, configuration: Configuration = .init()) {
        self.id = id
        self.request = request
        self.configuration = configuration
    }

    public var level: QoSLevel { request.ladder[levelIndex] }

    /// The members and their shares, sorted by share (largest first).
    public var members: [SubClusterMember] {
        held.map { SubClusterMember(peer: $0.key, share: $0.value) }
            .sorted { $0.share != $1.share ? $0.share > $1.share : $0.peer < $1.peer }
    }

    /// Every peer holding a reservation for this service, whose lease must be renewed: the
    /// members, and during an upgrade also the members it would fall back to.
    public var reservedPeers: Set<MemberID> {
        var peers = Set(held.keys)
        if let upgrade { peers.formUnion(upgrade.fallback.keys) }
        return peers
    }

    private var covered: Double { held.values.reduce(0, +) }
    /// Streams held once the service is settled: the demand plus the ordinary margin (a
    /// rebuild's recovery margin is trimmed back to this).
    private var settledTarget: Double { Double(request.streams) * (1 + configuration.formation.coverageMargin) }
    private var isCovered: Bool { covered >= Double(request.streams) - 1e-6 }

    /// MUST be called once, when the service is requested.
    public mutating func start() -> [ServiceDirective] {
        newQuery()
    }

    /// MUST be called with the answers of a `.query` round (peers that did not answer in time
    /// are simply absent).
    public mutating func onOffers(round answered: Int, _ offers: [PeerOffer]) -> [ServiceDirective] {
        guard answered == round, awaitingOffers, phase != .released else { return [] }
        awaitingOffers = false
        let usable = offers.filter { !refused.contains($0.peer) }
        if phase == .serving { return considerUpgrade(usable) }
        capableCount = Formation.capable(usable, atLevel: levelIndex, configuration: configuration.formation).count

        // 1. Cover what is missing at the current level, survivors keeping their shares and
        //    offering only their extra room.
        //    With a reserve margin the survivors' shares include theirs: what is missing is the
        //    plain demand less what they hold, and what is reserved tops the sub-cluster up to
        //    the margined demand when it can (`choose` reserves `deficit × (1 + margin)`).
        let deficit = Double(request.streams) - covered
        var deficitFormation = configuration.formation
        let margin = phase == .rebuilding
            ? max(configuration.formation.coverageMargin, configuration.recoveryMargin) : configuration.formation.coverageMargin
        let margined = Double(request.streams) * (1 + margin) - covered
        deficitFormation.coverageMargin = deficit > 0 ? max(0, margined / deficit - 1) : 0
        let forDeficit = usable.map { offer -> PeerOffer in
            var offer = offer
            if let mine = held[offer.peer] {
                offer.shares = offer.shares.map { max(0, $0 - mine) }
            }
            return offer
        }
        if case .success(let chosen) = Formation.choose(
            needed: deficit, from: forDeficit, atLevel: levelIndex, configuration: deficitFormation)
        {
            return reserve(chosen.map { SubClusterMember(peer: $0.peer, share: $0.share + (held[$0.peer] ?? 0)) })
        }
        var shortfall: FormationShortfall?
        if case .failure(let failure) = Formation.choose(
            needed: Double(request.streams), from: usable, atLevel: levelIndex, configuration: configuration.formation)
        {
            shortfall = failure
        }

        // 2. Re-form from scratch at the next levels the user accepted, in order.
        for next in (levelIndex + 1)..<request.ladder.count {
            if case .success(let chosen) = Formation.choose(
                needed: Double(request.streams), from: usable, atLevel: next, configuration: configuration.formation)
            {
                let keep = Set(chosen.map(\.peer))
                var directives = held.keys.filter { !keep.contains($0) }.sorted().map { ServiceDirective.release(peer: $0) }
                held = [:]
                levelIndex = next
                capableCount = Formation.capable(usable, atLevel: next, configuration: configuration.formation).count
                directives += reserve(chosen)
                return directives
            }
        }

        // 3. Nothing works: release what is held and say why.
        let reason = cannotServeReason(shortfall: shortfall, offers: usable)
        var directives = held.keys.sorted().map { ServiceDirective.release(peer: $0) }
        held = [:]
        refused = []
        levelIndex = 0
        servedLevel = nil
        let alreadySaid = phase == .unserved(reason: reason)
        phase = .unserved(reason: reason)
        if !alreadySaid { directives.append(.emit(.unserved(reason: reason))) }
        return directives + scheduleRetry(after: configuration.retryInterval)
    }

    /// The answers to an upgrade probe: reserve the best level above the current one that the
    /// offers cover in full, or wait for the next probe.
    private mutating func considerUpgrade(_ offers: [PeerOffer]) -> [ServiceDirective] {
        for better in 0..<levelIndex {
            guard case .success(let chosen) = Formation.choose(
                needed: Double(request.streams), from: offers, atLevel: better, configuration: configuration.formation)
            else { continue }
            upgrade = UpgradeAttempt(fromIndex: levelIndex, fallback: held)
            held = [:]
            levelIndex = better
            capableCount = Formation.capable(offers, atLevel: better, configuration: configuration.formation).count
            return reserve(chosen)
        }
        return scheduleRetry(after: configuration.upgradeInterval)
    }

    /// Every answer of an upgrade's reservations is in.
    private mutating func finishUpgrade(_ attempt: UpgradeAttempt) -> [ServiceDirective] {
        upgrade = nil
        if isCovered {
            // Made before break: only now do the old members that are not in the new
            // sub-cluster let go.
            let releases = attempt.fallback.keys.filter { held[$0] == nil }.sorted().map { ServiceDirective.release(peer: $0) }
            return releases + completeFormation()
        }
        // Refused somewhere: back to the level served. A peer that accepted the better level
        // replaced its old reservation, so it no longer counts; one that was not a member lets go.
        let accepted = held
        let releases = accepted.keys.filter { attempt.fallback[$0] == nil }.sorted().map { ServiceDirective.release(peer: $0) }
        held = attempt.fallback.filter { accepted[$0.key] == nil }
        levelIndex = attempt.fromIndex
        refused = []
        if isCovered { return releases + scheduleRetry(after: configuration.upgradeInterval) }
        phase = .rebuilding
        return releases + newQuery()
    }

    /// MUST be called with each answer to a `.reserve` (a timeout counts as refused).
    public mutating func onReservation(
        round answered: Int, peer: MemberID, accepted: Bool, reason: String = ""
    ) -> [ServiceDirective] {
        guard answered == round, let share = pending.removeValue(forKey: peer), phase != .released else {
            // A late acceptance of a superseded round must not leave capacity reserved for nothing.
            if accepted, held[peer] == nil, pending[peer] == nil { return [.release(peer: peer)] }
            return []
        }
        if accepted {
            held[peer] = share
        } else {
            refused.insert(peer)
        }
        guard pending.isEmpty else { return [] }
        return allAnswered()
    }

    /// The last answer of a round of reservations is in.
    private mutating func allAnswered() -> [ServiceDirective] {
        if let attempt = upgrade { return finishUpgrade(attempt) }
        if let resizing { return finishResize(resizing) }
        if isCovered { return completeFormation() }
        return newQuery()
    }

    /// MUST be called when membership declares a peer dead, or a peer leaves, or a renewal
    /// finds its reservation gone.
    public mutating func onMemberLost(_ peer: MemberID, reason: String) -> [ServiceDirective] {
        guard phase != .released else { return [] }
        if upgrade != nil { return loseDuringUpgrade(peer, reason: reason) }
        if pending.removeValue(forKey: peer) != nil {
            refused.insert(peer)
            // A member asked to resize (a survivor topped up, a trim) is lost with its share.
            var directives: [ServiceDirective] = []
            if held.removeValue(forKey: peer) != nil { directives.append(.emit(.memberLost(peer: peer, reason: reason))) }
            if pending.isEmpty { directives += allAnswered() }
            return directives
        }
        guard held.removeValue(forKey: peer) != nil else { return [] }
        var directives: [ServiceDirective] = [.emit(.memberLost(peer: peer, reason: reason))]
        if phase == .serving {
            phase = .rebuilding
            directives += newQuery()
        }
        // While forming or rebuilding, the round under way ends in a new query anyway.
        return directives
    }

    /// MUST be called when a renewal says `peer` stepped this service down to `level` (nil:
    /// took it back entirely) for a service of higher weight.
    ///
    /// The service steps down its ladder to that level: the peer already holds it, at the same
    /// share, so nothing is asked again (other members keep what they hold for the level above,
    /// which covers the lower one); below the preferred level it keeps probing for room to go
    /// back up, as after a degradation. Taken back entirely, the peer counts as lost and the
    /// service is rebuilt, at its level or further down the ladder.
    public mutating func onSteppedDown(_ peer: MemberID, to level: QoSLevel?, reason: String) -> [ServiceDirective] {
        guard phase != .released, upgrade == nil, held[peer] != nil || pending[peer] != nil else {
            // During an upgrade the attempt settles it: the member's answer to the better level
            // replaces what was stepped down, or the fallback is rebuilt when it is lost.
            return upgrade != nil && level == nil ? loseDuringUpgrade(peer, reason: reason) : []
        }
        let from = self.level
        guard let level, let index = request.ladder.indices.first(where: { $0 >= levelIndex && request.ladder[$0] == level }),
            pending.isEmpty, phase == .serving
        else {
            var directives: [ServiceDirective] = [.emit(.steppedDown(from: from, to: nil, reason: reason))]
            if pending.removeValue(forKey: peer) != nil {
                refused.insert(peer)
                held.removeValue(forKey: peer)
                if pending.isEmpty { directives += allAnswered() }
                return directives
            }
            held.removeValue(forKey: peer)
            if phase == .serving {
                phase = .rebuilding
                directives += newQuery()
            }
            return directives
        }
        guard index != levelIndex else { return [] }
        levelIndex = index
        servedLevel = index
        return [.emit(.steppedDown(from: from, to: level, reason: reason))]
            + scheduleRetry(after: configuration.upgradeInterval)
    }

    /// A peer is lost while an upgrade is under way: it leaves both the sub-cluster served now
    /// and the one being reserved; the attempt ends once its last answer is in.
    private mutating func loseDuringUpgrade(_ peer: MemberID, reason: String) -> [ServiceDirective] {
        let wasServing = upgrade?.fallback.removeValue(forKey: peer) != nil
        held.removeValue(forKey: peer)
        var directives: [ServiceDirective] = wasServing ? [.emit(.memberLost(peer: peer, reason: reason))] : []
        if pending.removeValue(forKey: peer) != nil {
            refused.insert(peer)
            if pending.isEmpty, let attempt = upgrade { directives += finishUpgrade(attempt) }
        }
        return directives
    }

    /// MUST be called when a `.scheduleRetry` timer fires.
    public mutating func onRetryTimer() -> [ServiceDirective] {
        retryScheduled = false
        return onRetry()
    }

    /// May be called whenever a peer appears or announces more capacity: an unserved service
    /// queries again, and one served below its preferred level probes for a better one.
    public mutating func onRetry() -> [ServiceDirective] {
        guard !awaitingOffers, pending.isEmpty, upgrade == nil else { return [] }
        switch phase {
        case .unserved: return newQuery()
        case .serving where levelIndex > 0: return newQuery()
        default: return []
        }
    }

    /// MUST be called when a `.scheduleTrim` timer fires: the recovery margin is given back,
    /// every member's share shrunk in proportion to the demand plus the ordinary margin. While
    /// the service is busy (a round under way, an upgrade, a rebuild), the trim waits another
    /// `recoveryHold`; a loss since rebuilds with a margin of its own and schedules its own trim.
    public mutating func onTrimTimer() -> [ServiceDirective] {
        trimScheduled = false
        let target = settledTarget
        guard phase != .released, covered > target + 1e-6 else { return [] }
        guard phase == .serving, pending.isEmpty, !awaitingOffers, upgrade == nil else { return scheduleTrim() }
        let scale = target / covered
        round += 1
        resizing = .trim
        pending = held.mapValues { $0 * scale }
        return members.map { .reserve(round: round, peer: $0.peer, level: level, share: $0.share * scale) }
    }

    /// MAY be called when what the members' reservations cost them changed without their
    /// shares changing (the requester measured the stream: the shell prices every reservation
    /// from now on at the new figure): every member is asked to reserve its share again,
    /// replacing what it holds; one that refuses keeps what it held. Returns nothing while the
    /// service is not settled in serving (a round, an upgrade or a rebuild under way, which
    /// reserves at the new figure anyway): the caller asks again later.
    public mutating func onRecalibration() -> [ServiceDirective] {
        guard phase == .serving, pending.isEmpty, !awaitingOffers, upgrade == nil, !held.isEmpty else { return [] }
        round += 1
        resizing = .recalibration
        pending = held
        return members.map { .reserve(round: round, peer: $0.peer, level: level, share: $0.share) }
    }

    /// Every answer of a trim or a recalibration is in: an accepted share replaced what the
    /// member held, a refused one left the member with what it held. A member lost meanwhile leaves the sub-cluster short:
    /// it is rebuilt, with a recovery margin trimmed in its turn.
    private mutating func finishResize(_ resize: Resize) -> [ServiceDirective] {
        resizing = nil
        refused = []
        guard isCovered else {
            phase = .rebuilding
            return newQuery()
        }
        switch resize {
        case .trim: return [.emit(.trimmed(level: level, members: members))]
        case .recalibration: return [.emit(.recalibrated(level: level, members: members))]
        }
    }

    /// The user released the service: every reservation is released.
    public mutating func release() -> [ServiceDirective] {
        guard phase != .released else { return [] }
        let peers = Set(held.keys).union(pending.keys).sorted()
        held = [:]
        pending = [:]
        let fallback = upgrade?.fallback.keys.sorted() ?? []
        upgrade = nil
        phase = .released
        return (peers + fallback.filter { !peers.contains($0) }).map { ServiceDirective.release(peer: $0) } + [.emit(.released)]
    }

    // MARK: - Steps

    private mutating func scheduleRetry(after delay: Duration) -> [ServiceDirective] {
        guard !retryScheduled else { return [] }
        retryScheduled = true
        return [.scheduleRetry(after: delay)]
    }

    private mutating func scheduleTrim() -> [ServiceDirective] {
        guard !trimScheduled else { return [] }
        trimScheduled = true
        return [.scheduleTrim(after: configuration.recoveryHold)]
    }

    private mutating func newQuery() -> [ServiceDirective] {
        round += 1
        awaitingOffers = true
        return [.query(round: round)]
    }

    private mutating func reserve(_ plan: [SubClusterMember]) -> [ServiceDirective] {
        round += 1
        pending = Dictionary(uniqueKeysWithValues: plan.map { ($0.peer, $0.share) })
        return plan.map { .reserve(round: round, peer: $0.peer, level: level, share: $0.share) }
    }

    private mutating func completeFormation() -> [ServiceDirective] {
        let previousPhase = phase
        let previousLevel = servedLevel
        phase = .serving
        refused = []
        servedLevel = levelIndex
        let event: ServiceEvent
        if case .unserved = previousPhase, everServed {
            event = .restored(level: level, members: members)
        } else if let previousLevel, previousLevel > levelIndex, previousPhase == .serving {
            event = .upgraded(from: request.ladder[previousLevel], to: level, members: members)
        } else if let previousLevel, previousLevel != levelIndex {
            event = .degraded(from: request.ladder[previousLevel], to: level, members: members)
        } else if previousPhase == .rebuilding {
            event = .rebuilt(level: level, members: members)
        } else if !everServed, levelIndex > 0 {
            event = .degraded(from: request.preferred, to: level, members: members)
        } else {
            event = .formed(level: level, members: members, capable: capableCount)
        }
        everServed = true
        var directives: [ServiceDirective] = [.emit(event)]
        // Below the preferred level, keep looking for room to go back up.
        if levelIndex > 0 { directives += scheduleRetry(after: configuration.upgradeInterval) }
        // A rebuild's recovery margin is given back later.
        if covered > settledTarget + 1e-6 { directives += scheduleTrim() }
        return directives
    }

    private func cannotServeReason(shortfall: FormationShortfall?, offers: [PeerOffer]) -> String {
        let ladder = request.ladder.map(\.description).joined(separator: ", then ")
        let detail = shortfall?.description ?? "no peer answered"
        var reason = "cannot serve \(request.streams) stream(s) of \(ladder): at \(request.preferred), \(detail)"
        if offers.isEmpty { reason = "cannot serve \(ladder): no live peer answered the query" }
        let explanations = offers.compactMap { offer in
            offer.reasons.first.map { "\(offer.peer): \($0)" }
        }.prefix(3)
        if !explanations.isEmpty { reason += " (" + explanations.joined(separator: "; ") + ")" }
        return reason
    }
}
