import MembershipCore

/// Assigns ready units to members in proportion to their reserved shares, with a bounded number
/// of units in flight per member. Pure: the session tells it what happened and sends what it
/// assigns.
///
/// **Fairness.** Each member is charged the cost of every unit it is given (stream-seconds, see
/// `UnitMetadata.cost`); the next unit goes to the eligible member whose charge after taking it,
/// divided by its share, is the smallest (ties to the smaller id). This is deficit round robin
/// with an infinitesimal quantum (stride scheduling): while every member can take work, each
/// member's count of equal-cost units stays within one of `total × share / Σ shares`, and a unit
/// of twice the cost counts twice. A member at its in-flight bound is skipped, so a member slower
/// than its share gets less and the others more (work-conserving); its lag is not paid back in a
/// burst, because the bound caps what it can hold. Charges restart from zero whenever the member
/// set or a share changes (a join, a loss, a degrade or an upgrade), so a newcomer does not
/// take everything until it has caught up with members that worked for minutes.
///
/// **Order.** The ready queue is served front first: units put back (a lost member's, a slow
/// member's, a failed one's retry) go to its front, earliest media first, so the output's gap
/// fills before anything new is sent.
///
/// **In flight.** A member decodes its units one after another in the order sent: the first is
/// being decoded (its *head*, decoding since `headSince`), the others wait in the member's
/// queue. A unit is never held twice by the same member.
public struct ShareDispatcher: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Units sent to one member and not yet answered. Default 2: one decoding while the
        /// next crosses the network, so a member does not idle for a round trip between units;
        /// more deepens only what a member's death or stall puts back in the queue. At least 1.
        public var inFlightLimit: Int

        public init(inFlightLimit: Int = 2) {
            precondition(inFlightLimit >= 1, "a member must be able to hold a unit")
            self.inFlightLimit = inFlightLimit
        }
    }

    /// A unit waiting to be sent.
    public struct ReadyUnit: Hashable, Sendable {
        public var key: UnitKey
        /// Stream-seconds (`UnitMetadata.cost`).
        public var cost: Double
        /// Members it failed at: any other member is preferred while one exists.
        public var avoid: Set<MemberID>

        public init(key: UnitKey, cost: Double, avoid: Set<MemberID> = []) {
            self.key = key
            self.cost = cost
            self.avoid = avoid
        }
    }

    /// A unit sent to a member and not yet answered.
    public struct InFlightUnit: Hashable, Sendable {
        public var key: UnitKey
        public var cost: Double
        public var sentAt: MediaInstant
    }

    /// One decision of `dispatch(at:)`.
    public struct Assignment: Hashable, Sendable {
        public var key: UnitKey
        public var member: MemberID
    }

    struct Member: Sendable {
        /// Streams of the service's level this member reserved (ServiceCore's
        /// `SubClusterMember.share`): it decodes `share` stream-seconds per wall second.
        var share: Double
        /// In the order sent; the first is being decoded.
        var units: [InFlightUnit] = []
        /// Since when the first of `units` has been decoding.
        var headSince = MediaInstant.zero
        /// Stream-seconds given since the last rebuild.
        var charged = 0.0
        /// Overdue: receives nothing new until its late unit leaves it.
        var isBehind = false
        /// Receives nothing new before this (its late unit was decoded first elsewhere).
        var suspendedUntil: MediaInstant?
        /// The last suspension's length; doubled at the next one, forgotten at an answer.
        var backoff: Duration?
    }

    public let configuration: Configuration
    private(set) var members: [MemberID: Member] = [:]
    /// Front first.
    public private(set) var ready: [ReadyUnit] = []
    private var holders: [UnitKey: Set<MemberID>] = [:]
    /// Wall time each member had at least one unit in flight, over the whole stream.
    private var busy: [MemberID: Duration] = [:]
    private var busySince: [MemberID: MediaInstant] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    // MARK: - Members

    /// The members work may be sent to, by id.
    public var memberIDs: [MemberID] { members.keys.sorted() }

    public func share(of member: MemberID) -> Double? { members[member]?.share }

    /// Adds a member with its reserved share (or changes the share of one already there);
    /// restarts the charges.
    public mutating func addMember(_ id: MemberID, share: Double) {
        precondition(share >= 0 && share.isFinite, "a share is a finite number of streams")
        if members[id] == nil { members[id] = Member(share: share) } else { members[id]!.share = share }
        rebuild()
    }

    /// A member's reserved share changed (a degrade or an upgrade re-reserved it); restarts the
    /// charges. Unknown members are ignored.
    public mutating func setShare(_ share: Double, of id: MemberID) {
        precondition(share >= 0 && share.isFinite, "a share is a finite number of streams")
        guard members[id] != nil else { return }
        members[id]!.share = share
        rebuild()
    }

    /// Removes a member (dead, or out of the sub-cluster). Its units that no other member holds
    /// go back to the front of the queue; they are returned, in key order. Restarts the charges.
    public mutating func removeMember(_ id: MemberID, at now: MediaInstant) -> [UnitKey] {
        guard let member = members.removeValue(forKey: id) else { return [] }
        stopBusy(id, at: now)
        var requeued: [ReadyUnit] = []
        for unit in member.units {
            holders[unit.key]?.remove(id)
            if holders[unit.key]?.isEmpty ?? true {
                holders[unit.key] = nil
                if !isQueued(unit.key) { requeued.append(ReadyUnit(key: unit.key, cost: unit.cost)) }
            }
        }
        requeueAtFront(requeued)
        rebuild()
        return requeued.map(\.key).sorted()
    }

    private mutating func rebuild() {
        for id in members.keys { members[id]!.charged = 0 }
    }

    // MARK: - Units

    /// A newly cut unit, at the back of the queue.
    public mutating func enqueue(_ unit: ReadyUnit) {
        ready.append(unit)
    }

    /// Units put back, at the front of the queue, earliest media first (by sequence, then
    /// stream), before whatever was put back earlier.
    public mutating func requeueAtFront(_ units: [ReadyUnit]) {
        guard !units.isEmpty else { return }
        ready.insert(contentsOf: units.sorted { ($0.key.sequence, $0.key.stream) < ($1.key.sequence, $1.key.stream) }, at: 0)
    }

    public func isQueued(_ key: UnitKey) -> Bool { ready.contains { $0.key == key } }

    /// Removes a unit from the queue (it finished while a copy waited there).
    public mutating func unqueue(_ key: UnitKey) {
        ready.removeAll { $0.key == key }
    }

    /// The members holding `key` in flight.
    public func holders(of key: UnitKey) -> Set<MemberID> { holders[key] ?? [] }

    /// What `member` holds, in the order sent (the first is being decoded).
    public func inFlight(at member: MemberID) -> [InFlightUnit] { members[member]?.units ?? [] }

    /// Units in flight, counting each copy.
    public var inFlightCount: Int { members.values.reduce(0) { $0 + $1.units.count } }

    /// Whether `member` is marked behind (overdue; receives nothing new).
    public func isBehind(_ member: MemberID) -> Bool { members[member]?.isBehind ?? false }

    /// Sends as many ready units as members can take, front of the queue first, each to the
    /// eligible member that keeps the charges most proportional to the shares.
    public mutating func dispatch(at now: MediaInstant) -> [Assignment] {
        var assignments: [Assignment] = []
        while members.values.contains(where: { isEligible($0, at: now) }) {
            guard let index = ready.indices.first(where: { choose(for: ready[$0], at: now) != nil }) else { break }
            let unit = ready.remove(at: index)
            let member = choose(for: unit, at: now)!
            assign(unit, to: member, at: now)
            assignments.append(Assignment(key: unit.key, member: member))
        }
        return assignments
    }

    private func isEligible(_ member: Member, at now: MediaInstant) -> Bool {
        !member.isBehind && member.share > 0 && member.units.count < configuration.inFlightLimit
            && (member.suspendedUntil.map { now >= $0 } ?? true)
    }

    /// The eligible member for `unit`: not holding it, not one it failed at unless no other
    /// member is left, the smallest charge per share after taking it.
    private func choose(for unit: ReadyUnit, at now: MediaInstant) -> MemberID? {
        let holding = holders[unit.key] ?? []
        let othersExist = members.keys.contains { !unit.avoid.contains($0) && !holding.contains($0) }
        var best: (id: MemberID, tag: Double)?
        for (id, member) in members where isEligible(member, at: now) && !holding.contains(id) {
            if othersExist, unit.avoid.contains(id) { continue }
            let tag = (member.charged + unit.cost) / member.share
            if best == nil || tag < best!.tag || (tag == best!.tag && id < best!.id) { best = (id, tag) }
        }
        return best?.id
    }

    private mutating func assign(_ unit: ReadyUnit, to id: MemberID, at now: MediaInstant) {
        if members[id]!.units.isEmpty {
            members[id]!.headSince = now
            busySince[id] = now
        }
        members[id]!.units.append(InFlightUnit(key: unit.key, cost: unit.cost, sentAt: now))
        members[id]!.charged += unit.cost
        holders[unit.key, default: []].insert(id)
    }

    /// `member`'s copy of `key` ended (answered, failed, or cancelled). Returns whether another
    /// member still holds it. A member whose late unit leaves it is no longer behind.
    @discardableResult
    public mutating func release(_ key: UnitKey, at id: MemberID, now: MediaInstant) -> Bool {
        if var member = members[id], let index = member.units.firstIndex(where: { $0.key == key }) {
            member.units.remove(at: index)
            if index == 0 {
                member.headSince = now
                member.isBehind = false
            }
            members[id] = member
            if member.units.isEmpty { stopBusy(id, at: now) }
        }
        holders[key]?.remove(id)
        if holders[key]?.isEmpty ?? false { holders[key] = nil }
        return !(holders[key]?.isEmpty ?? true)
    }

    /// The unit is done: every copy is released and any copy still queued removed. Returns the
    /// members that still held it, `except` the one that answered, to be cancelled.
    public mutating func finish(_ key: UnitKey, except answering: MemberID?, now: MediaInstant) -> [MemberID] {
        let others = holders(of: key).filter { $0 != answering }.sorted()
        if let answering { release(key, at: answering, now: now) }
        for other in others { release(key, at: other, now: now) }
        unqueue(key)
        return others
    }

    // MARK: - Falling behind

    /// The heads that have been decoding longer than `bound(unit, share)` at members not
    /// already behind, by member id.
    public func overdue(at now: MediaInstant, bound: (InFlightUnit, Double) -> Duration) -> [(member: MemberID, unit: InFlightUnit, waited: Duration)] {
        members.keys.sorted().compactMap { id in
            let member = members[id]!
            guard !member.isBehind, let head = member.units.first else { return nil }
            let waited = now - member.headSince
            return waited > bound(head, member.share) ? (id, head, waited) : nil
        }
    }

    /// How long `unit` should take at a member of `share` streams: its cost over the share.
    public static func expectedTime(of cost: Double, share: Double) -> Duration {
        share > 0 ? .realSeconds(cost / share) : .nanoseconds(Int64.max)
    }

    /// Marks `member` behind: it keeps its head (the late unit) and receives nothing new until
    /// that unit leaves it; the units waiting behind it are taken back. Those no other member
    /// holds go to the front of the queue. Returns every unit taken back (to cancel there).
    public mutating func markBehind(_ id: MemberID, now: MediaInstant) -> [UnitKey] {
        guard var member = members[id], !member.units.isEmpty else { return [] }
        member.isBehind = true
        let waiting = Array(member.units.dropFirst())
        member.units.removeSubrange(1...)
        members[id] = member
        var requeued: [ReadyUnit] = []
        for unit in waiting {
            holders[unit.key]?.remove(id)
            if holders[unit.key]?.isEmpty ?? true {
                holders[unit.key] = nil
                if !isQueued(unit.key) { requeued.append(ReadyUnit(key: unit.key, cost: unit.cost)) }
            }
        }
        requeueAtFront(requeued)
        return waiting.map(\.key)
    }

    // MARK: - Busy time

    /// The wall time `member` has had work in flight, up to `now`.
    public func busyTime(of id: MemberID, at now: MediaInstant) -> Duration {
        (busy[id] ?? .zero) + (busySince[id].map { now - $0 } ?? .zero)
    }

    private mutating func stopBusy(_ id: MemberID, at now: MediaInstant) {
        guard let since = busySince.removeValue(forKey: id) else { return }
        busy[id, default: .zero] += now - since
    }

    // MARK: - Suspension

    /// `member`'s late unit was decoded first by another member: it receives nothing new for
    /// `initial`, twice as long as its previous suspension when it has not answered since, at
    /// most `maximum`. A hung worker thus costs one late unit per suspension, ever more rarely;
    /// a member that was only slow for a while is used again. Returns the suspension's length.
    @discardableResult
    public mutating func suspend(_ id: MemberID, at now: MediaInstant, initial: Duration, maximum: Duration) -> Duration {
        guard var member = members[id] else { return .zero }
        let length = min(member.backoff.map { $0 * 2 } ?? initial, maximum)
        member.backoff = length
        member.suspendedUntil = now + length
        members[id] = member
        return length
    }

    /// `member` answered a unit before anyone else: its next suspension starts again from the
    /// initial length.
    public mutating func forgetSuspensions(of id: MemberID) {
        members[id]?.backoff = nil
    }

    /// Until when `member` receives nothing new, if it is suspended at `now`.
    public func suspension(of id: MemberID, at now: MediaInstant) -> MediaInstant? {
        members[id]?.suspendedUntil.flatMap { $0 > now ? $0 : nil }
    }
}
