import Coalition
import MembershipCore
import QoSModel
import TestSupport
import Testing

/// One instance driven by hand: a fake clock advanced explicitly, messages built in the test.
@Suite("Membership instance")
struct MembershipInstanceTests {
    static let me = MemberID.named("me")
    static let interval = MembershipConfiguration.lan.heartbeatInterval

    static func peer(_ index: Int) -> MemberID { MemberID.named("p\(index)") }
    static func address(_ index: Int) -> PeerAddress { PeerAddress(host: "10.0.0.\(index)", port: 7946) }
    /// Where the peer named `p<index>` is known (its frames must come from there).
    static func address(of id: MemberID) -> PeerAddress { address(Int(id.testName.dropFirst())!) }

    /// An instance that knows `count` peers and has ticked once.
    static func instance(peers count: Int) -> (MembershipInstance, MembershipInstant) {
        var instance = MembershipInstance(member: me, incarnation: 10)
        for index in 1...count {
            _ = instance.onPeerDiscovered(peer(index), address: address(index), incarnation: 1, now: .zero)
        }
        var random = SeededGenerator(seed: 1)
        _ = instance.onTick(now: .zero, using: &random)
        return (instance, .zero)
    }

    static func sends(_ directives: [MembershipDirective]) -> [(MembershipMessage, PeerAddress)] {
        directives.compactMap { if case .send(let m, let a) = $0 { (m, a) } else { nil } }
    }

    static func events(_ directives: [MembershipDirective]) -> [MembershipEvent] {
        directives.compactMap { if case .event(let e) = $0 { e } else { nil } }
    }

    /// Ticks every interval up to `end`, feeding heartbeats from `beating` subjects.
    static func tick(
        _ instance: inout MembershipInstance, from start: MembershipInstant, to end: MembershipInstant,
        beating: [MemberID] = []
    ) -> [MembershipDirective] {
        var random = SeededGenerator(seed: 2)
        var out: [MembershipDirective] = []
        var now = start
        var sequence: UInt32 = 0
        while now < end {
            now = now + interval
            sequence += 1
            for id in beating {
                let beat = MembershipMessage(sender: id, incarnation: 1, body: .heartbeat(sequence: sequence, capacity: .zero))
                out += instance.onMessage(beat, from: address(of: id), now: now)
            }
            out += instance.onTick(now: now, using: &random)
        }
        return out
    }

    @Test func eachTickSendsOneHeartbeatToEachOfTheMonitors() {
        var (instance, now) = Self.instance(peers: 20)
        var random = SeededGenerator(seed: 3)
        let sends = Self.sends(instance.onTick(now: now + Self.interval, using: &random))
        now = now + Self.interval
        #expect(sends.count == 3)
        #expect(sends.allSatisfy { if case .heartbeat = $0.0.body { true } else { false } })
        #expect(Set(sends.map(\.1)).count == 3)
    }

    @Test func aSilentSubjectIsSuspectedThenDeclaredDeadAndTheDeathSentToEveryone() {
        var (instance, start) = Self.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        let silent = subjects[0]
        let beating = Array(subjects.dropFirst())
        // Past the grace period with everyone beating, then `silent` stops.
        var out = Self.tick(&instance, from: start, to: start + .seconds(2), beating: subjects)
        #expect(Self.events(out).filter { $0.kind == .suspect || $0.kind == .dead }.isEmpty)
        out = Self.tick(&instance, from: start + .seconds(2), to: start + .seconds(3), beating: beating)
        let events = Self.events(out).filter { $0.member == silent }
        #expect(events.map(\.kind) == [.suspect, .dead])
        let suspectedAfter = events[0].at - (start + .seconds(2))
        #expect(suspectedAfter > MembershipConfiguration.lan.suspicionTimeoutFloor)
        #expect(events[1].at - events[0].at >= MembershipConfiguration.lan.confirmationTimeout)
        let deaths = Self.sends(out).filter { if case .dead(silent, _) = $0.0.body { true } else { false } }
        #expect(Set(deaths.map(\.1)).count == 6, "the death goes to all five live peers and the dead one")
        let requests = Self.sends(out).filter { if case .probeRequest(_, silent, _) = $0.0.body { true } else { false } }
        #expect(!requests.isEmpty)
    }

    @Test func anyMessageFromASuspectRefutesTheSuspicion() {
        var (instance, start) = Self.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        _ = Self.tick(&instance, from: start, to: start + .seconds(2), beating: subjects)
        _ = Self.tick(&instance, from: start + .seconds(2), to: start + .milliseconds(2_500), beating: Array(subjects.dropFirst()))
        #expect(instance.state(of: subjects[0]) == .suspect)
        let ack = MembershipMessage(sender: subjects[0], incarnation: 1, body: .ack(nonce: 1, capacity: .zero))
        let out = instance.onMessage(ack, from: Self.address(of: subjects[0]), now: start + .milliseconds(2_510))
        #expect(instance.state(of: subjects[0]) == .alive)
        #expect(Self.events(out).map(\.kind) == [.alive])
    }

    @Test func aLateTickAccusesNobody() {
        var (instance, start) = Self.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        _ = Self.tick(&instance, from: start, to: start + .seconds(2), beating: subjects)
        // Our process stalls for 3 s: nothing arrived, and nothing may be concluded from it.
        var random = SeededGenerator(seed: 4)
        let out = instance.onTick(now: start + .seconds(5), using: &random)
        #expect(Self.events(out).isEmpty)
        #expect(instance.snapshot(now: start + .seconds(5)).healthScore > 0)
    }

    @Test func aDeathNoticeAboutUsRaisesOurIncarnationAndIsRefutedToTheTellerOnly() {
        var (instance, now) = Self.instance(peers: 4)
        let notice = MembershipMessage(sender: Self.peer(1), incarnation: 1, body: .dead(subject: Self.me, subjectIncarnation: 10))
        let out = instance.onMessage(notice, from: Self.address(1), now: now + .milliseconds(5))
        now = now + .milliseconds(5)
        #expect(instance.incarnation == 11)
        let alives = Self.sends(out).filter { $0.0.body == .alive }
        #expect(alives.map(\.0.incarnation) == [11])
        #expect(alives.map(\.1) == [Self.address(1)])
        // Nothing is queued to repeat it to the others: they learn it from our next answer.
        var random = SeededGenerator(seed: 5)
        let next = instance.onTick(now: now + .milliseconds(100), using: &random)
        #expect(!Self.sends(next).contains { $0.0.body == .alive })
    }

    @Test func aStaleDeathNoticeAboutUsIsAnsweredWithOurCurrentIncarnation() {
        var (instance, now) = Self.instance(peers: 4)
        let notice = MembershipMessage(sender: Self.peer(1), incarnation: 1, body: .dead(subject: Self.me, subjectIncarnation: 9))
        let out = instance.onMessage(notice, from: Self.address(1), now: now)
        now = now + .zero
        #expect(instance.incarnation == 10)
        #expect(instance.counters.refutations == 0)
        // The teller believes us dead at 9: our answer at 10 brings us back in its view.
        #expect(Self.sends(out).filter { $0.0.body == .alive }.map { $0.0.incarnation } == [10])
    }

    @Test func aDeadMemberWithTheSameIncarnationIsToldItIsDead_andANewerOneRejoins() {
        var (instance, now) = Self.instance(peers: 4)
        let declaration = MembershipMessage(sender: Self.peer(2), incarnation: 1, body: .dead(subject: Self.peer(1), subjectIncarnation: 1))
        _ = instance.onMessage(declaration, from: Self.address(2), now: now)
        #expect(instance.state(of: Self.peer(1)) == .dead)
        now = now + .milliseconds(10)
        let old = MembershipMessage(sender: Self.peer(1), incarnation: 1, body: .heartbeat(sequence: 9, capacity: .zero))
        let told = Self.sends(instance.onMessage(old, from: Self.address(1), now: now))
        #expect(told.count == 1)
        #expect(told.first?.0.body == .dead(subject: Self.peer(1), subjectIncarnation: 1))
        #expect(instance.state(of: Self.peer(1)) == .dead)
        let newer = MembershipMessage(sender: Self.peer(1), incarnation: 2, body: .alive)
        let out = instance.onMessage(newer, from: Self.address(1), now: now + .milliseconds(1))
        #expect(instance.state(of: Self.peer(1)) == .alive)
        #expect(Self.events(out).map(\.kind) == [.rejoined])
    }

    @Test func aDeathDeclaredAtAnOlderIncarnationThanOursIsOldNews() {
        var (instance, now) = Self.instance(peers: 4)
        let newer = MembershipMessage(sender: Self.peer(1), incarnation: 5, body: .alive)
        _ = instance.onMessage(newer, from: Self.address(1), now: now)
        // Declared dead at incarnation 4 by a monitor that missed the refutation to 5: ignored,
        // however long ago we last heard from the member ourselves (SWIM's incarnation rule).
        let stale = MembershipMessage(sender: Self.peer(2), incarnation: 1, body: .dead(subject: Self.peer(1), subjectIncarnation: 4))
        now = now + .seconds(2)
        let out = instance.onMessage(stale, from: Self.address(2), now: now)
        #expect(instance.state(of: Self.peer(1)) == .alive)
        #expect(!Self.events(out).contains { $0.kind == .dead })
    }

    @Test func aProbeIsAckedWithOurCapacityAndMakesTheProberAMonitor() {
        var (instance, now) = Self.instance(peers: 8)
        let capacity = SpareCapacity(cores: 1.25, memoryAvailableBytes: 512_000 * 1024)
        instance.updateCapacity(capacity)
        let outsider = instance.knownMembers.first { !instance.snapshot(now: now).monitors.contains($0) }!
        let probe = MembershipMessage(sender: outsider, incarnation: 1, body: .probe(nonce: 77))
        let reply = Self.sends(instance.onMessage(probe, from: Self.address(of: outsider), now: now))
        #expect(reply.first?.0.body == .ack(nonce: 77, capacity: capacity))
        var random = SeededGenerator(seed: 5)
        now = now + Self.interval
        let beats = Self.sends(instance.onTick(now: now, using: &random))
        #expect(beats.count == 4, "three ring monitors and the prober")
    }

    @Test func aProbeRequestIsRelayedAndTheAckReturnedToTheRequester() {
        var (instance, now) = Self.instance(peers: 4)
        let request = MembershipMessage(
            sender: Self.peer(1), incarnation: 1, body: .probeRequest(nonce: 5, target: Self.peer(2), targetAddress: Self.address(2)))
        let probe = Self.sends(instance.onMessage(request, from: Self.address(1), now: now))
        #expect(probe.count == 1 && probe[0].1 == Self.address(2))
        guard case .probe(let nonce) = probe[0].0.body else {
            Issue.record("expected a probe, got \(probe[0].0.body)")
            return
        }
        now = now + .milliseconds(1)
        let ack = MembershipMessage(sender: Self.peer(2), incarnation: 3, body: .ack(nonce: nonce, capacity: .zero))
        let relayed = Self.sends(instance.onMessage(ack, from: Self.address(2), now: now))
        #expect(relayed.count == 1)
        #expect(relayed.first?.1 == Self.address(1))
        #expect(relayed.first?.0.body == .indirectAck(nonce: 5, target: Self.peer(2), targetIncarnation: 3))
    }

    @Test func aLeavingMemberIsReportedAsLeftAndLeaveGoesToEveryLivePeer() {
        var (instance, now) = Self.instance(peers: 3)
        let leave = MembershipMessage(sender: Self.peer(3), incarnation: 1, body: .leave)
        let out = instance.onMessage(leave, from: Self.address(3), now: now)
        now = now + .zero
        #expect(Self.events(out).map(\.kind) == [.left])
        #expect(Self.sends(instance.leave()).count == 4, "two live peers, twice each")
    }

    @Test func aDeathIsSentOncePerTickForBroadcastRepeatsTicks() {
        var (instance, start) = Self.instance(peers: 6)
        let subjects = instance.snapshot(now: start).subjects
        var random = SeededGenerator(seed: 9)
        var now = start
        var sequence: UInt32 = 0
        var declarationsPerTick: [Int] = []
        // The first subject falls silent; the others keep beating until well after its death.
        while now < start + .seconds(4) {
            now = now + Self.interval
            sequence += 1
            for id in subjects.dropFirst() {
                let beat = MembershipMessage(sender: id, incarnation: 1, body: .heartbeat(sequence: sequence, capacity: .zero))
                _ = instance.onMessage(beat, from: Self.address(of: id), now: now)
            }
            let sends = Self.sends(instance.onTick(now: now, using: &random))
            let deaths = sends.filter { if case .dead(subjects[0], _) = $0.0.body { true } else { false } }
            if !deaths.isEmpty {
                #expect(Set(deaths.map(\.1)).count == deaths.count, "a death notice went twice to one peer in a tick")
                declarationsPerTick.append(deaths.count)
            }
        }
        #expect(declarationsPerTick.count == MembershipConfiguration.lan.broadcastRepeats)
    }

    static func drops(_ directives: [MembershipDirective]) -> [WireDropReason] {
        directives.compactMap { if case .refuse(let reason, _) = $0 { WireDropReason(reason) } else { nil } }
    }

    @Test func aStrangersMessageCreatesNoMemberAndIsCountedAsUnknownSender() {
        var (instance, now) = Self.instance(peers: 2)
        now = now + .milliseconds(3)
        let stranger = PeerAddress(host: "10.0.0.99", port: 7946)
        for body: MembershipMessage.Body in [
            .heartbeat(sequence: 1, capacity: .zero), .probe(nonce: 1), .ack(nonce: 1, capacity: .zero), .alive, .leave,
            .probeRequest(nonce: 1, target: Self.peer(1), targetAddress: Self.address(1)),
            .dead(subject: Self.peer(1), subjectIncarnation: 1), .dead(subject: Self.me, subjectIncarnation: 10),
        ] {
            let out = instance.onMessage(MembershipMessage(sender: .named("stranger"), incarnation: 4, body: body), from: stranger, now: now)
            #expect(Self.drops(out) == [.unknownSender], "\(body.name)")
            #expect(Self.sends(out).isEmpty, "a stranger's \(body.name) is answered by nothing")
            #expect(Self.events(out).isEmpty)
        }
        #expect(instance.knownMembers.count == 2)
        #expect(instance.incarnation == 10, "a stranger's death notice does not make us refute")
        #expect(instance.state(of: Self.peer(1)) == .alive)
    }

    @Test func aKnownMembersIdFromAnotherAddressIsRefusedAsUnexpectedAddress() {
        var (instance, now) = Self.instance(peers: 2)
        now = now + .milliseconds(3)
        let forged = MembershipMessage(sender: Self.peer(1), incarnation: 1, body: .dead(subject: Self.peer(2), subjectIncarnation: 1))
        let out = instance.onMessage(forged, from: PeerAddress(host: "10.0.0.99", port: 7946), now: now)
        #expect(Self.drops(out) == [.unexpectedAddress])
        #expect(instance.state(of: Self.peer(2)) == .alive)
        let ours = MembershipMessage(sender: Self.me, incarnation: 99, body: .alive)
        #expect(Self.drops(instance.onMessage(ours, from: Self.address(1), now: now)) == [.unexpectedAddress])
    }

    @Test func aMemberVouchedForByAKnownMemberIsAdmittedWhenItAnswersFromTheNamedAddress() {
        var (instance, now) = Self.instance(peers: 2)
        now = now + .milliseconds(3)
        let newcomer = MemberID.named("new")
        let named = PeerAddress(host: "10.0.0.50", port: 7946)
        let request = MembershipMessage(
            sender: Self.peer(1), incarnation: 1, body: .probeRequest(nonce: 7, target: newcomer, targetAddress: named))
        let probes = Self.sends(instance.onMessage(request, from: Self.address(1), now: now))
        #expect(probes.count == 1 && probes[0].1 == named)
        guard case .probe(let nonce) = probes.first?.0.body else {
            Issue.record("expected a probe, got \(probes)")
            return
        }
        let elsewhere = MembershipMessage(sender: newcomer, incarnation: 3, body: .ack(nonce: nonce, capacity: .zero))
        #expect(Self.drops(instance.onMessage(elsewhere, from: PeerAddress(host: "10.0.0.51", port: 7946), now: now)) == [.unknownSender])
        let out = instance.onMessage(elsewhere, from: named, now: now)
        #expect(Self.events(out).map(\.kind) == [.alive])
        #expect(Self.sends(out).map(\.1) == [Self.address(1)], "the answer is relayed to the requester")
        #expect(instance.state(of: newcomer) == .alive)
    }

    @Test func discoveryBeyondTheTableBoundIsRefusedAsMemberTableFull() {
        var configuration = MembershipConfiguration.lan
        configuration.maximumMembers = 3
        var instance = MembershipInstance(member: Self.me, incarnation: 1, configuration: configuration)
        var refused: [WireDropReason] = []
        for index in 1...5 {
            refused += Self.drops(instance.onPeerDiscovered(Self.peer(index), address: Self.address(index), incarnation: 1, now: .zero))
        }
        #expect(refused == [.memberTableFull, .memberTableFull])
        #expect(instance.knownMembers.count == 3)
    }

    @Test func aSlowerHeartbeatScalesEveryTimeoutWithIt() {
        let slow = MembershipConfiguration.lan(heartbeatInterval: .milliseconds(250))
        #expect(slow.problems.isEmpty)
        #expect(slow.suspicionTimeoutFloor == .milliseconds(875))
        #expect(slow.confirmationTimeout == .milliseconds(750))
        #expect(MembershipConfiguration.lan(heartbeatInterval: .milliseconds(100)) == .lan)
    }

    @Test func theConfigurationNamesTheFieldThatIsWrong() {
        var configuration = MembershipConfiguration.lan
        configuration.monitorCount = 0
        configuration.suspicionTimeoutFloor = .milliseconds(50)
        let problems = configuration.problems
        #expect(problems.contains { $0.hasPrefix("monitorCount") })
        #expect(problems.contains { $0.hasPrefix("suspicionTimeoutFloor") })
        #expect(MembershipConfiguration.lan.problems.isEmpty)
    }
}
