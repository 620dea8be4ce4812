import QoSModel

/// The membership and failure-detection state machine of one member: no I/O, no clock, no
/// randomness of its own. The shell (``MembershipService``) or a simulation MUST call
/// ``onTick(now:using:)`` every ``MembershipConfiguration/heartbeatInterval``, hand it every
/// decoded message and every Discovery event, and carry out the returned directives.
///
/// The protocol, in short:
/// - Members sit on a ring ordered by ``MemberID/ringPosition``. Each sends a heartbeat every
///   interval to its `monitorCount` successors (its *monitors*) and watches its predecessors
///   (its *subjects*): traffic per member is constant in the coalition's size.
/// - A monitor suspects a subject silent beyond its learned bound (``InterArrivalEstimator``,
///   never below the floor), then probes it directly and through `indirectProbeCount` other
///   members (SWIM's ping-req, Das et al. 2002, §3.1) each tick; any heartbeat, ack or relayed
///   ack clears the suspicion. Silent for `confirmationTimeout` more, it is declared dead and
///   the declaration is sent to every member at once (and repeated `broadcastRepeats` times).
/// - Every message carries its sender's incarnation. A member told it is dead at its current
///   incarnation refutes: it takes a higher incarnation and answers `alive` to the teller only;
///   every other member that believes it dead probes it each `deadProbeInterval` and learns the
///   higher incarnation from its answer (no broadcast: see `refute`). A member dead in our view
///   that shows a higher incarnation is alive again (``MembershipEvent/Kind/rejoined``).
/// - A member whose own ticks run late (``LocalHealth``) accuses nobody until it has recovered.
/// - A member that probes us though our ring does not name it as our monitor (views differ for
///   a moment while Discovery spreads) receives our heartbeats for a while: no false suspicion loop.
public struct MembershipInstance: Sendable {
    public let configuration: MembershipConfiguration
    /// This member.
    public let member: MemberID
    /// Our current incarnation; raised by refutations.
    public internal(set) var incarnation: UInt64

    var peers: [MemberID: PeerRecord] = [:]
    var suspects: Set<MemberID> = []
    var dead: Set<MemberID> = []
    var health: LocalHealth
    var lastTick: MembershipInstant?
    var sequence: UInt32 = 0
    var nextNonce: UInt32 = 0
    var capacity: SpareCapacity = .zero
    var monitors: [MemberID] = []
    var subjects: [MemberID] = []
    var ringIsStale = true
    /// Peers that probed us though the ring does not make them our monitors, with the expiry.
    var requestedMonitors: [MemberID: MembershipInstant] = [:]
    /// Probes we send on behalf of a suspecting monitor, by our nonce.
    var relays: [UInt32: Relay] = [:]
    var broadcasts: [Broadcast] = []
    /// What the instance did since it started (heartbeats, suspicions, deaths), for the metrics.
    public internal(set) var counters = MembershipCounters()

    /// A probe we send for a member that suspects `target`; its answer is relayed back.
    struct Relay: Hashable, Sendable {
        var requester: MemberID
        var requesterAddress: PeerAddress
        var requesterNonce: UInt32
        var target: MemberID
        /// Where we probe it; an unknown target's ack must come from exactly here.
        var targetAddress: PeerAddress
        var expires: MembershipInstant
    }

    struct Broadcast: Hashable, Sendable {
        var body: MembershipMessage.Body
        var remaining: Int
    }

    /// The most probes relayed for others at once; requests beyond it are ignored.
    static let maximumRelays = 256

    /// - Parameters:
    ///   - member: this member's id.
    ///   - incarnation: a number larger than any incarnation this member ever had; the shell
    ///     uses the wall-clock start time in milliseconds, so a restarted process is newer.
    ///   - configuration: MUST have no ``MembershipConfiguration/problems``.
    public init(member: MemberID, incarnation: UInt64, configuration: MembershipConfiguration = .lan) {
        precondition(configuration.problems.isEmpty, configuration.problems.joined(separator: "; "))
        self.member = member
        self.incarnation = incarnation
        self.configuration = configuration
        self.health = LocalHealth(
            maximum: configuration.maximumHealthScore, recoveryTicks: configuration.healthRecoveryTicks)
    }

    // MARK: Discovery

    /// MUST be invoked when Discovery resolves a peer (appeared or changed).
    public mutating func onPeerDiscovered(
        _ id: MemberID, address: PeerAddress, incarnation: UInt64, now: MembershipInstant
    ) -> [MembershipDirective] {
        guard id != member else { return [] }
        let incarnation = min(incarnation, MembershipMessage.maximumIncarnation)
        var out: [MembershipDirective] = []
        if peers[id] == nil {
            guard peers.count < configuration.maximumMembers else { return [.refuse(.memberTableFull, from: address)] }
            addPeer(id, address: address, incarnation: incarnation, now: now, reason: "announced by Discovery", &out)
        } else {
            let previous = peers[id]!
            update(id) { $0.address = address }
            if !previous.isLive, incarnation > previous.incarnation {
                update(id) { $0.incarnation = incarnation }
                transition(id, to: .alive, now: now, reason: "announced by Discovery with incarnation \(incarnation)", &out)
            }
        }
        update(id) { $0.announced = true }
        return out
    }

    /// MUST be invoked when Discovery reports a peer gone (goodbye or expiry). Liveness never
    /// comes from Discovery: a live member stays; a dead or departed one is forgotten.
    public mutating func onPeerVanished(_ id: MemberID, now: MembershipInstant) -> [MembershipDirective] {
        guard let peer = peers[id] else { return [] }
        if peer.isLive {
            update(id) { $0.announced = false }
        } else {
            forget(id)
        }
        return []
    }

    // MARK: Local state

    /// Sets the spare capacity our next heartbeats and acks carry.
    public mutating func updateCapacity(_ capacity: SpareCapacity) {
        self.capacity = capacity
    }

    /// Says goodbye: a `leave` to every live peer (twice, as the shell will not wait for
    /// repeats). MUST be the last call before the shell stops.
    public mutating func leave() -> [MembershipDirective] {
        let message = MembershipMessage(sender: member, incarnation: incarnation, body: .leave)
        let targets = peers.values.filter(\.isLive).sorted { $0.id < $1.id }.map(\.address)
        return (targets + targets).map { .send(message, to: $0) }
    }

    // MARK: Snapshot

    /// Our view of the coalition, for `node status`.
    public func snapshot(now: MembershipInstant) -> MembershipSnapshot {
        let watched = Set(subjects)
        let peers = self.peers.values.sorted { $0.id < $1.id }.map { peer in
            MembershipSnapshot.PeerStatus(
                member: peer.id, address: peer.address, state: peer.state, incarnation: peer.incarnation,
                lastHeard: peer.lastHeard.map { now - $0 }, inStateFor: now - peer.stateSince,
                capacity: peer.capacity, watched: watched.contains(peer.id),
                suspicionTimeout: watched.contains(peer.id) ? suspicionTimeout(of: peer) : nil)
        }
        return MembershipSnapshot(
            member: member, incarnation: incarnation, healthScore: health.score,
            monitors: monitors, subjects: subjects, peers: peers)
    }

    /// The state of `id` in our view, nil when unknown.
    public func state(of id: MemberID) -> MemberState? { peers[id]?.state }

    /// The address `id` is known by (its frames must come from there), nil when unknown.
    public func address(of id: MemberID) -> PeerAddress? { peers[id]?.address }

    /// The ids of every member we know, in any state.
    public var knownMembers: [MemberID] { Array(peers.keys) }

    // MARK: Bookkeeping shared by the handlers

    @discardableResult
    mutating func update<R>(_ id: MemberID, _ body: (inout PeerRecord) -> R) -> R? {
        guard let index = peers.index(forKey: id) else { return nil }
        return body(&peers.values[index])
    }

    mutating func addPeer(
        _ id: MemberID, address: PeerAddress, incarnation: UInt64, now: MembershipInstant, reason: String,
        _ out: inout [MembershipDirective]
    ) {
        peers[id] = PeerRecord(
            id: id, address: address, incarnation: incarnation, now: now, window: configuration.interArrivalWindow)
        ringIsStale = true
        out.append(.event(MembershipEvent(member: id, kind: .alive, incarnation: incarnation, at: now, reason: reason)))
    }

    mutating func forget(_ id: MemberID) {
        peers[id] = nil
        suspects.remove(id)
        dead.remove(id)
        requestedMonitors[id] = nil
        ringIsStale = true
    }

    /// Moves `id` to `state`, keeping the indexes and the ring in step, and reports it.
    mutating func transition(
        _ id: MemberID, to state: MemberState, now: MembershipInstant, reason: String,
        _ out: inout [MembershipDirective]
    ) {
        guard let previous = peers[id]?.state, previous != state else { return }
        let deadProbeInterval = configuration.deadProbeInterval
        update(id) { peer in
            peer.state = state
            peer.stateSince = now
            if state == .dead { peer.nextDeadProbe = now + deadProbeInterval }
            if state == .alive, previous == .dead || previous == .left {
                peer.lastHeard = now
                peer.watchedSince = nil
                // The silence while it was gone is no inter-arrival gap: learned, it would keep
                // the suspicion bound at its ceiling (one 600 ms gap among 64 gaps of 100 ms
                // gives mean + 8 sigma above 600 ms) and slow down detecting its next failure.
                peer.lastHeartbeat = nil
            }
        }
        if state == .suspect { counters.suspicions += 1 }
        if previous == .suspect, state == .alive { counters.suspicionsRefuted += 1 }
        if state == .suspect { suspects.insert(id) } else { suspects.remove(id) }
        if state == .dead { dead.insert(id) } else { dead.remove(id) }
        if (previous == .alive || previous == .suspect) != (state == .alive || state == .suspect) {
            ringIsStale = true
        }
        let kind: MembershipEvent.Kind
        switch state {
        case .alive: kind = (previous == .suspect) ? .alive : .rejoined
        case .suspect: kind = .suspect
        case .dead: kind = .dead
        case .left: kind = .left
        }
        let incarnation = peers[id]!.incarnation
        out.append(.event(MembershipEvent(member: id, kind: kind, incarnation: incarnation, at: now, reason: reason)))
    }

    func suspicionTimeout(of peer: PeerRecord) -> Duration {
        peer.interArrival.suspicionTimeout(
            deviations: configuration.suspicionDeviations,
            floor: configuration.suspicionTimeoutFloor,
            ceiling: configuration.suspicionTimeoutCeiling)
    }

    mutating func message(_ body: MembershipMessage.Body) -> MembershipMessage {
        MembershipMessage(sender: member, incarnation: incarnation, body: body)
    }

    mutating func makeNonce() -> UInt32 {
        nextNonce &+= 1
        return nextNonce
    }

    /// Sends `body` to its recipients now and queues `broadcastRepeats - 1` repeats, one per tick.
    mutating func broadcast(_ body: MembershipMessage.Body, _ out: inout [MembershipDirective]) {
        var entry = Broadcast(body: body, remaining: configuration.broadcastRepeats)
        send(&entry, &out)
        if entry.remaining > 0 { broadcasts.append(entry) }
    }

    /// A death goes to every live member and to the dead one (so a live one refutes at once);
    /// anything else goes to every member we know, dead ones included.
    mutating func send(_ entry: inout Broadcast, _ out: inout [MembershipDirective]) {
        let message = message(entry.body)
        for id in peers.keys.sorted() {
            let peer = peers[id]!
            let include: Bool
            if case .dead(let subject, _) = entry.body {
                include = peer.isLive || peer.id == subject
            } else {
                include = peer.state != .left
            }
            if include { out.append(.send(message, to: peer.address)) }
        }
        entry.remaining -= 1
    }
}
