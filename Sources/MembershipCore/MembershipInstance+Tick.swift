extension MembershipInstance {
    /// MUST be invoked every ``MembershipConfiguration/heartbeatInterval`` (a fixed delay after
    /// the previous tick). Sends heartbeats, judges subjects, probes suspects, repeats pending
    /// broadcasts and asks dead members whether they are back.
    ///
    /// A tick later than its schedule by more than `lateTickTolerance` means we were starved:
    /// the lateness is credited to every watched member, and nobody is accused until two ticks
    /// in a row were punctual (``LocalHealth``).
    public mutating func onTick(
        now: MembershipInstant, using random: inout some RandomNumberGenerator
    ) -> [MembershipDirective] {
        var out: [MembershipDirective] = []
        let lateness = lastTick.map { now - ($0 + configuration.heartbeatInterval) } ?? .zero
        lastTick = now
        let late = health.recordTick(
            lateness: lateness, tolerance: configuration.lateTickTolerance,
            interval: configuration.heartbeatInterval)
        if late { credit(lateness) }
        refreshRing(now: now)
        sendHeartbeats(now: now, &out)
        // Repeats of earlier broadcasts first: a death declared below is sent now and repeated
        // from the next tick on, never twice in one tick (with a key the second copy would be
        // the same frame, refused as a replay, and the repeat lost).
        repeatBroadcasts(&out)
        let mayAccuse = health.mayAccuse
        if mayAccuse { suspectSilentSubjects(now: now, using: &random, &out) }
        for id in suspects.sorted() {
            confirmOrProbe(id, now: now, mayAccuse: mayAccuse, using: &random, &out)
        }
        probeDeadMembers(now: now, &out)
        if !relays.isEmpty { relays = relays.filter { $0.value.expires > now } }
        return out
    }

    /// Our silence was our own: push every watch deadline back by it.
    private mutating func credit(_ lateness: Duration) {
        for index in peers.values.indices where peers.values[index].isLive {
            peers.values[index].lastHeard = peers.values[index].lastHeard.map { $0 + lateness }
            peers.values[index].watchedSince = peers.values[index].watchedSince.map { $0 + lateness }
            if peers.values[index].state == .suspect { peers.values[index].stateSince = peers.values[index].stateSince + lateness }
        }
    }

    /// Recomputes monitors and subjects after a live member was added or lost.
    mutating func refreshRing(now: MembershipInstant) {
        guard ringIsStale else { return }
        ringIsStale = false
        let ring = MonitorRing(members: [member] + peers.values.filter(\.isLive).map(\.id))
        monitors = ring.monitors(of: member, count: configuration.monitorCount)
        let newSubjects = ring.subjects(of: member, count: configuration.monitorCount)
        for id in subjects where !newSubjects.contains(id) {
            update(id) { $0.watchedSince = nil }
        }
        for id in newSubjects {
            update(id) { peer in
                if peer.watchedSince == nil { peer.watchedSince = now }
            }
        }
        subjects = newSubjects
        for id in monitors { requestedMonitors[id] = nil }
    }

    private mutating func sendHeartbeats(now: MembershipInstant, _ out: inout [MembershipDirective]) {
        sequence &+= 1
        let heartbeat = message(.heartbeat(sequence: sequence, capacity: capacity))
        for id in monitors {
            if let address = peers[id]?.address {
                out.append(.send(heartbeat, to: address))
                counters.heartbeatsSent += 1
            }
        }
        for (id, expiry) in requestedMonitors.sorted(by: { $0.key < $1.key }) {
            if expiry <= now {
                requestedMonitors[id] = nil
            } else if let address = peers[id]?.address {
                out.append(.send(heartbeat, to: address))
                counters.heartbeatsSent += 1
            }
        }
    }

    private mutating func suspectSilentSubjects(
        now: MembershipInstant, using random: inout some RandomNumberGenerator, _ out: inout [MembershipDirective]
    ) {
        for id in subjects {
            guard let peer = peers[id], peer.state == .alive, let watchedSince = peer.watchedSince else { continue }
            // Before its first message since we started watching, a member gets the grace period.
            let reference: MembershipInstant
            if let heard = peer.lastHeard, heard >= watchedSince {
                reference = heard
            } else {
                reference = max(peer.lastHeard ?? watchedSince, watchedSince + configuration.watchGracePeriod)
            }
            let timeout = suspicionTimeout(of: peer)
            let silence = now - reference
            guard silence > timeout else { continue }
            transition(
                id, to: .suspect, now: now,
                reason: "silent for \(Int(silence.milliseconds)) ms (bound \(Int(timeout.milliseconds)) ms)", &out)
            probe(id, using: &random, &out)
        }
    }

    private mutating func confirmOrProbe(
        _ id: MemberID, now: MembershipInstant, mayAccuse: Bool,
        using random: inout some RandomNumberGenerator, _ out: inout [MembershipDirective]
    ) {
        guard let peer = peers[id], peer.state == .suspect else { return }
        if mayAccuse, now - peer.stateSince >= configuration.confirmationTimeout {
            counters.deathsDeclared += 1
            counters.detection.observe(now - (peer.lastHeard ?? peer.stateSince))
            transition(
                id, to: .dead, now: now,
                reason: "no answer to direct or indirect probes for \(Int((now - peer.stateSince).milliseconds)) ms",
                &out)
            broadcast(.dead(subject: id, subjectIncarnation: peer.incarnation), &out)
        } else if now > peer.stateSince {
            probe(id, using: &random, &out)
        }
    }

    /// One round of probes: directly, and through up to `indirectProbeCount` other live members.
    private mutating func probe(
        _ id: MemberID, using random: inout some RandomNumberGenerator, _ out: inout [MembershipDirective]
    ) {
        guard let target = peers[id] else { return }
        out.append(.send(message(.probe(nonce: makeNonce())), to: target.address))
        var helpers = peers.values.filter { $0.state == .alive && $0.id != id }.map(\.id)
        helpers.sort()
        helpers.shuffle(using: &random)
        for helper in helpers.prefix(configuration.indirectProbeCount) {
            let request = message(.probeRequest(nonce: makeNonce(), target: id, targetAddress: target.address))
            out.append(.send(request, to: peers[helper]!.address))
        }
    }

    private mutating func repeatBroadcasts(_ out: inout [MembershipDirective]) {
        guard !broadcasts.isEmpty else { return }
        var pending = broadcasts
        for index in pending.indices { send(&pending[index], &out) }
        broadcasts = pending.filter { $0.remaining > 0 }
    }

    /// Members dead in our view are asked now and then whether they are back; members dead long
    /// ago that Discovery no longer announces are forgotten.
    private mutating func probeDeadMembers(now: MembershipInstant, _ out: inout [MembershipDirective]) {
        for id in dead.sorted() {
            guard let peer = peers[id] else { continue }
            if !peer.announced, now - peer.stateSince > configuration.deadRetention {
                forget(id)
                continue
            }
            if let due = peer.nextDeadProbe, due <= now {
                let next = now + configuration.deadProbeInterval
                update(id) { $0.nextDeadProbe = next }
                out.append(.send(message(.probe(nonce: makeNonce())), to: peer.address))
            }
        }
    }
}
