extension MembershipInstance {
    /// MUST be invoked for every membership message that passed the wire codec (and the
    /// authenticator, when a key is configured). `source` is the datagram's source address.
    public mutating func onMessage(
        _ message: MembershipMessage, from source: PeerAddress, now: MembershipInstant
    ) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        if let refusal = admit(message, from: source, now: now, &out) {
            out.append(.refuse(refusal, from: source))
            return out
        }
        // A member's declaration of our own death is answered at once, to that member.
        if case .dead(let subject, let subjectIncarnation) = message.body, subject == member {
            refute(subjectIncarnation, teller: source, &out)
        }
        guard accept(sender: message, now: now, &out) else { return out }
        let sender = message.sender
        switch message.body {
        case .heartbeat(let sequence, let capacity):
            counters.heartbeatsReceived += 1
            let cap = configuration.suspicionTimeoutCeiling
            update(sender) { peer in
                let isNewer = peer.lastSequence.map { sequence != $0 && sequence &- $0 < 1 << 31 } ?? true
                guard isNewer else { return }
                if let previous = peer.lastHeartbeat {
                    peer.interArrival.record(now - previous, cap: cap)
                }
                peer.lastHeartbeat = now
                peer.lastSequence = sequence
                peer.capacity = capacity
            }
        case .probe(let nonce):
            out.append(.send(self.message(.ack(nonce: nonce, capacity: capacity)), to: source))
            if !monitors.contains(sender) {
                requestedMonitors[sender] = now + configuration.requestedMonitorLifetime
            }
        case .ack(let nonce, let capacity):
            update(sender) { $0.capacity = capacity }
            if let relay = relays.removeValue(forKey: nonce), relay.target == sender {
                let relayed = self.message(
                    .indirectAck(nonce: relay.requesterNonce, target: sender, targetIncarnation: message.incarnation))
                out.append(.send(relayed, to: relay.requesterAddress))
            }
        case .probeRequest(let nonce, let target, let targetAddress):
            guard target != member, target != sender, relays.count < Self.maximumRelays else { break }
            // A target we know is probed where we know it; an unknown one where the requester,
            // a member, says it is (its answer from there is the requester's vouching).
            let address = peers[target]?.address ?? targetAddress
            let ours = makeNonce()
            relays[ours] = Relay(
                requester: sender, requesterAddress: source, requesterNonce: nonce, target: target,
                targetAddress: address, expires: now + configuration.confirmationTimeout)
            out.append(.send(self.message(.probe(nonce: ours)), to: address))
        case .indirectAck(_, let target, let targetIncarnation):
            guard let peer = peers[target], targetIncarnation >= peer.incarnation else { break }
            if peer.state == .suspect {
                update(target) {
                    $0.incarnation = targetIncarnation
                    $0.lastHeard = now
                }
                transition(target, to: .alive, now: now, reason: "answered a probe relayed by \(sender)", &out)
            } else if peer.state == .dead, targetIncarnation > peer.incarnation {
                update(target) { $0.incarnation = targetIncarnation }
                transition(target, to: .alive, now: now, reason: "answered a probe relayed by \(sender) with incarnation \(targetIncarnation)", &out)
            }
        case .alive:
            break  // the sender's incarnation, handled by `accept`, is the whole message
        case .dead(let subject, let subjectIncarnation):
            guard subject != member, let peer = peers[subject], peer.isLive,
                subjectIncarnation >= peer.incarnation
            else { break }
            update(subject) { $0.incarnation = subjectIncarnation }
            counters.deathsLearned += 1
            transition(subject, to: .dead, now: now, reason: "declared dead by \(sender)", &out)
        case .leave:
            transition(sender, to: .left, now: now, reason: "left", &out)
        }
        return out
    }

    /// Told we are dead at `declared`: take a higher incarnation (once per declared one) and
    /// tell the teller, and nobody else.
    ///
    /// Whoever else believes us dead learns otherwise on its own: it probes a dead member at its
    /// known address every `deadProbeInterval`, and our answer carries the higher incarnation.
    /// A broadcast to every member (SWIM's refutation) costs N datagrams per refutation, and
    /// refutations come in bursts: a member that was cut off declared its subjects dead one after
    /// another, and once its link heals it tells each of them; at 100 lab hosts, 40 such
    /// refutations broadcast three times each were 12 000 datagrams at once, a stall of every
    /// daemon, and false deaths that fed themselves. Answering only the teller bounds the cost
    /// by the number of members that believe us dead, spread over their probe interval.
    private mutating func refute(_ declared: UInt64, teller: PeerAddress, _ out: inout [MembershipDirective]) {
        guard declared < MembershipMessage.maximumIncarnation else { return }
        if declared >= incarnation {
            incarnation = declared &+ 1
            counters.refutations += 1
        }
        out.append(.send(message(.alive), to: teller))
    }

    /// Admission: whether a message may be believed at all. Nil when it may; else why not.
    ///
    /// A member enters the table only when Discovery resolved it (id, address and port from its
    /// TXT record and SRV/A records), or when a known member vouches for it: the member asked us
    /// to probe it at an address (a probe request), and it answered from exactly there. A known
    /// member's frames must come from the address it is known by. Everything else, a stranger's
    /// datagrams above all, is refused and counted, and creates nothing: no member, no answer.
    private mutating func admit(
        _ message: MembershipMessage, from source: PeerAddress, now: MembershipInstant,
        _ out: inout [MembershipDirective]
    ) -> MembershipRefusal? {
        let id = message.sender
        guard id != member else { return .unexpectedAddress }
        if let peer = peers[id] { return peer.address == source ? nil : .unexpectedAddress }
        guard case .ack(let nonce, _) = message.body, let relay = relays[nonce], relay.target == id,
            relay.targetAddress == source
        else { return .unknownSender }
        guard peers.count < configuration.maximumMembers else { return .memberTableFull }
        addPeer(
            id, address: source, incarnation: message.incarnation, now: now,
            reason: "vouched for by \(relay.requester), answering at \(source)", &out)
        update(id) { $0.lastHeard = now }
        return nil
    }

    /// Refreshes an admitted sender; false when the message must go no further (it comes from
    /// an older incarnation, or from a member dead or gone in our view that is not newer, which
    /// is then told so).
    private mutating func accept(
        sender message: MembershipMessage, now: MembershipInstant, _ out: inout [MembershipDirective]
    ) -> Bool {
        let id = message.sender
        guard let peer = peers[id] else { return false }
        if !peer.isLive {
            guard message.incarnation > peer.incarnation else {
                tellDead(id, now: now, &out)
                return false
            }
            update(id) { $0.incarnation = message.incarnation }
            transition(id, to: .alive, now: now, reason: "back with incarnation \(message.incarnation)", &out)
            update(id) { $0.lastHeard = now }
            return true
        }
        guard message.incarnation >= peer.incarnation else { return false }
        update(id) {
            $0.incarnation = message.incarnation
            $0.lastHeard = now
        }
        if peer.state == .suspect {
            transition(id, to: .alive, now: now, reason: "refuted by its \(message.body.name)", &out)
        } else if message.incarnation > peer.incarnation {
            // Alive all along in our view, yet at a new incarnation: it refuted a death others
            // declared, or it restarted faster than we could see it die. Said, so the daemon can
            // tell the two apart (a restart may announce other ports: RecordRefreshPolicy).
            out.append(.event(MembershipEvent(
                member: id, kind: .alive, incarnation: message.incarnation, at: now,
                reason: "now at incarnation \(message.incarnation), was \(peer.incarnation)")))
        }
        return true
    }

    /// Tells a member dead in our view that it is, at most once per heartbeat interval, so a
    /// live one refutes.
    private mutating func tellDead(_ id: MemberID, now: MembershipInstant, _ out: inout [MembershipDirective]) {
        guard let peer = peers[id], peer.state == .dead else { return }
        if let last = peer.lastDeadNotice, now - last < configuration.heartbeatInterval { return }
        update(id) { $0.lastDeadNotice = now }
        out.append(.send(message(.dead(subject: id, subjectIncarnation: peer.incarnation)), to: peer.address))
    }
}

extension MembershipMessage.Body {
    /// A short name for logs.
    public var name: String {
        switch self {
        case .heartbeat: "heartbeat"
        case .probe: "probe"
        case .ack: "ack"
        case .probeRequest: "probe request"
        case .indirectAck: "relayed ack"
        case .alive: "alive"
        case .dead: "death notice"
        case .leave: "leave"
        }
    }
}
