import Coalition
import MembershipCore
import TestSupport
import Testing

/// Deterministic simulations: at least 50 instances, a virtual clock, seeded loss, delays,
/// partitions, crashes and starvation. A failure names its seed; rerun it with that seed.
@Suite("Membership simulation")
struct MembershipSimulationTests {
    static let target = Duration.seconds(1)

    @Test("every crash is detected by every live peer within 1 s", arguments: [UInt64(1), 2, 3])
    func everyCrashIsDetectedByEveryLivePeerWithinTheTarget(seed: UInt64) {
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.loss = 0.01
        sim.run(for: .seconds(3))
        var generator = SeededGenerator(seed: seed)
        var worst = Duration.zero
        for _ in 0..<6 {
            let victim = sim.liveNodes().randomElement(using: &generator)!
            let crashedAt = sim.now
            sim.crash(victim)
            sim.run(for: .seconds(2))
            for observer in sim.liveNodes() {
                let event = sim.firstEvent(.dead, about: victim, seenBy: observer, since: crashedAt)
                #expect(event != nil, "seed \(seed): n\(observer) never declared crashed n\(victim) dead")
                if let event {
                    worst = max(worst, event.at - crashedAt)
                    #expect(event.at - crashedAt <= Self.target, "seed \(seed): n\(observer) took \(event.at - crashedAt) to see n\(victim) dead")
                }
            }
        }
        #expect(worst > .zero, "seed \(seed)")
    }

    @Test("a cut link is detected by every peer within 1 s, and healing brings the node back")
    func aCutLinkIsDetectedAndHealingBringsTheNodeBack() {
        let seed: UInt64 = 11
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(3))
        let cutAt = sim.now
        sim.cut = [7]
        sim.run(for: .seconds(3))
        for observer in sim.liveNodes(excluding: [7]) {
            let event = sim.firstEvent(.dead, about: 7, seenBy: observer, since: cutAt)
            #expect(event.map { $0.at - cutAt <= Self.target } == true, "seed \(seed): n\(observer) saw n7 dead at \(String(describing: event?.at))")
        }
        let healedAt = sim.now
        sim.cut = []
        sim.run(for: .seconds(3))
        for observer in sim.liveNodes(excluding: [7]) {
            #expect(sim.state(of: 7, seenBy: observer) == .alive, "seed \(seed): n\(observer) still sees n7 as \(String(describing: sim.state(of: 7, seenBy: observer)))")
            #expect(sim.state(of: observer, seenBy: 7) == .alive, "seed \(seed): n7 still sees n\(observer) as \(String(describing: sim.state(of: observer, seenBy: 7)))")
            #expect(sim.firstEvent(.rejoined, about: 7, seenBy: observer, since: healedAt) != nil, "seed \(seed)")
        }
    }

    @Test("in a 20-member coalition idle for a minute, the first cut link is declared dead by all 19 others within 1 s")
    func theFirstCutAfterALongIdleIsSeenByEveryone() {
        // The 20-host lab bench's first cut once looked seen by only 3-4 hosts; the protocol was
        // not at fault (the bench lost each host's first change line), and this keeps it so.
        for seed: UInt64 in [41, 42, 43] {
            var sim = MembershipSimulator(nodes: 20, seed: seed)
            sim.loss = 0.01
            sim.run(for: .seconds(60))
            let cutAt = sim.now
            sim.cut = [2]
            sim.run(for: .seconds(2))
            for observer in sim.liveNodes(excluding: [2]) {
                let event = sim.firstEvent(.dead, about: 2, seenBy: observer, since: cutAt)
                #expect(event.map { $0.at - cutAt <= Self.target } == true, "seed \(seed): n\(observer) saw n2 dead at \(String(describing: event?.at)), cut at \(cutAt)")
            }
        }
    }

    @Test("a member cut again a few seconds after it rejoined is declared dead as fast as the first time")
    func aMemberCutAgainSoonAfterRejoiningIsDetectedAsFast() {
        // Its outage once entered the monitors' inter-arrival window as a 600 ms gap, which kept
        // the suspicion bound at its ceiling for the next 64 heartbeats: 0.66 s became 0.86 s
        // (the 5-host lab bench's second round of cuts took 1.0-1.1 s).
        let seed: UInt64 = 51
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(3))
        func worstDetection(since cutAt: MembershipInstant) -> Duration? {
            let times = sim.liveNodes(excluding: [7]).map { sim.firstEvent(.dead, about: 7, seenBy: $0, since: cutAt).map { $0.at - cutAt } }
            return times.contains(nil) ? nil : times.compactMap { $0 }.max()
        }
        let firstCutAt = sim.now
        sim.cut = [7]
        sim.run(for: .seconds(2))
        let first = worstDetection(since: firstCutAt)
        sim.cut = []
        sim.run(for: .seconds(3))
        for observer in sim.liveNodes(excluding: [7]) {
            #expect(sim.state(of: 7, seenBy: observer) == .alive, "seed \(seed): n\(observer) sees n7 as \(String(describing: sim.state(of: 7, seenBy: observer)))")
        }
        let secondCutAt = sim.now
        sim.cut = [7]
        sim.run(for: .seconds(3))
        let second = worstDetection(since: secondCutAt)
        #expect(first != nil && second != nil, "seed \(seed): n7 not seen dead by everyone (first \(String(describing: first)), second \(String(describing: second)))")
        if let first, let second {
            #expect(second <= first + .milliseconds(100), "seed \(seed): first cut seen by all after \(first), the second after \(second)")
            #expect(second <= Self.target, "seed \(seed)")
        }
    }

    @Test("no member is ever declared dead at 5% random loss", arguments: [UInt64(21), 22])
    func noFalseDeathAtFivePercentLoss(seed: UInt64) {
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.loss = 0.05
        sim.run(for: .seconds(120))
        let deaths = sim.events(.dead)
        #expect(deaths.isEmpty, "seed \(seed): \(deaths.count) false deaths, first \(String(describing: deaths.first))")
        for observer in sim.nodes.indices {
            #expect(sim.nodes[observer].knownMembers.count == 49, "seed \(seed)")
        }
    }

    @Test("a member declared dead while alive refutes with a higher incarnation")
    func aFalselyDeclaredMemberRefutesWithAHigherIncarnation() {
        let seed: UInt64 = 31
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(2))
        let before = sim.nodes[5].incarnation
        let forged = MembershipMessage(
            sender: MembershipSimulator.id(9), incarnation: 1, body: .dead(subject: MembershipSimulator.id(5), subjectIncarnation: before))
        let injectedAt = sim.now
        for observer in sim.liveNodes(excluding: [9]) { sim.inject(forged, from: 9, to: observer) }
        // n5 answers the teller only; every other believer learns the higher incarnation from
        // n5's answer to its next probe of a dead member (one `deadProbeInterval`, 1 s, later).
        sim.run(for: .seconds(2))
        #expect(sim.nodes[5].incarnation > before, "seed \(seed)")
        for observer in sim.liveNodes(excluding: [5]) {
            #expect(sim.state(of: 5, seenBy: observer) == .alive, "seed \(seed): n\(observer) sees n5 as \(String(describing: sim.state(of: 5, seenBy: observer)))")
        }
        #expect(sim.firstEvent(.rejoined, about: 5, seenBy: 0, since: injectedAt) != nil, "seed \(seed)")
    }

    @Test("a member cut off for 20 s comes back without a burst of refutations")
    func aMemberCutOffComesBackWithoutABurst() {
        // Cut off, n3 sees every subject fall silent: it declares them dead one after another,
        // and its ring moves on to the next ones. Once its link heals, it tells each of them so.
        // Each refutation used to go to every member three times: at 100 lab hosts that was
        // 12 000 datagrams at once, a stall of every daemon on the machine, and false deaths
        // that fed themselves. Now each answers the teller only.
        let seed: UInt64 = 61
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(2))
        let steadyStart = sim.datagrams
        let steadyKinds = sim.datagramsByKind
        sim.run(for: .seconds(3))
        let steadyPerThreeSeconds = sim.datagrams - steadyStart
        let steadyByKind = sim.datagramsByKind.merging(steadyKinds) { $0 - $1 }
        sim.cut = [3]
        sim.run(for: .seconds(20))
        let declaredByTheCutOff = sim.observations.filter { $0.observer == 3 && $0.event.kind == .dead }.count
        #expect(declaredByTheCutOff >= 10, "seed \(seed): the cut-off n3 declared \(declaredByTheCutOff) dead")
        let healedAt = sim.now
        sim.cut = []
        let beforeHeal = sim.datagrams
        let kindsBeforeHeal = sim.datagramsByKind
        sim.run(for: .seconds(3))
        let afterHeal = sim.datagrams - beforeHeal
        let afterHealByKind = sim.datagramsByKind.merging(kindsBeforeHeal) { $0 - $1 }
        // The heal costs each believer's probe of n3 and n3's of those it believes dead, one
        // death notice and one `alive` answer each, and n3's heartbeats to the members that
        // probed it (they are its monitors for a while): about N refutations, not 3 x 49 per
        // refutation (~3 x 49 x declaredByTheCutOff). The whole 3 s stay within 1.5 x steady
        // traffic (the broadcasts alone would have doubled it).
        let detail = "seed \(seed): \(afterHeal) datagrams in the 3 s after the heal (\(afterHealByKind.sorted { $0.key < $1.key })) against \(steadyPerThreeSeconds) in 3 steady seconds (\(steadyByKind.sorted { $0.key < $1.key }))"
        #expect(afterHealByKind["alive", default: 0] <= 2 * 50, "\(detail)")
        #expect(Double(afterHeal) < 1.5 * Double(steadyPerThreeSeconds), "\(detail)")
        let falseDeaths = sim.observations.filter {
            $0.event.at >= healedAt && $0.event.kind == .dead && $0.observer != 3
        }
        #expect(falseDeaths.isEmpty, "seed \(seed): \(falseDeaths.map(\.event))")
        for observer in sim.nodes.indices {
            for subject in sim.nodes.indices where subject != observer {
                #expect(sim.state(of: subject, seenBy: observer) == .alive, "seed \(seed): n\(observer) sees n\(subject) as \(String(describing: sim.state(of: subject, seenBy: observer)))")
            }
        }
    }

    @Test("a starved member accuses nobody")
    func aStarvedMemberAccusesNobody() {
        let seed: UInt64 = 41
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(2))
        let starvedAt = sim.now
        sim.starvation[3] = 150...900
        sim.run(for: .seconds(30))
        let accusations = sim.observations.filter {
            $0.observer == 3 && $0.event.at >= starvedAt && ($0.event.kind == .dead || $0.event.kind == .suspect)
        }
        #expect(accusations.isEmpty, "seed \(seed): the starved n3 accused \(accusations.map(\.event))")
        // Others see it as it is: hung now and then, back with a refutation.
        sim.starvation = [:]
        sim.run(for: .seconds(5))
        for observer in sim.liveNodes(excluding: [3]) {
            #expect(sim.state(of: 3, seenBy: observer) == .alive, "seed \(seed)")
        }
    }

    /// The 100-host lab's CPU bursts (after each heal, up to 53 of the 100 daemons waiting for
    /// one of two cores): every process waits up to 200 ms for a CPU at each tick, its peers'
    /// heartbeats and answers held in its socket meanwhile.
    static let labBurst: ClosedRange<Int64> = 0...200

    @Test("a machine-wide CPU burst makes nobody dead", arguments: [UInt64(61), 62, 63])
    func aMachineWideBurstMakesNobodyDead(seed: UInt64) {
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(3))
        let burstAt = sim.now
        sim.burst = Self.labBurst
        sim.run(for: .seconds(5))
        sim.burst = nil
        sim.run(for: .seconds(3))
        let deaths = sim.events(.dead, since: burstAt)
        #expect(deaths.isEmpty, "seed \(seed): \(deaths.count) deaths, first \(deaths.first.map { "n\($0.observer) saw \($0.event.member) dead: \($0.event.reason)" } ?? "")")
        #expect(sim.nodes.contains { $0.snapshot(now: burstAt + .seconds(5)).healthScore > 0 }, "seed \(seed): the burst made no tick late")
    }

    @Test("a member cut right after a machine-wide CPU burst is seen dead by every other within 1 s", arguments: [UInt64(71), 72, 73])
    func aCutRightAfterABurstIsSeenWithinTheTarget(seed: UInt64) {
        // Lifeguard's local health (accuse nobody while the score of late ticks is above 0, or
        // scale every timeout by it) made this 4-6 s in the 100-host lab: every daemon's score
        // rose in the burst after a heal, and the next cut waited for it to fall.
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(3))
        sim.burst = Self.labBurst
        sim.run(for: .seconds(2))
        sim.burst = nil
        let cutAt = sim.now
        sim.cut = [7]
        sim.run(for: .seconds(3))
        for observer in sim.liveNodes(excluding: [7]) {
            let event = sim.firstEvent(.dead, about: 7, seenBy: observer, since: cutAt)
            #expect(event.map { $0.at - cutAt <= Self.target } == true, "seed \(seed): n\(observer) saw n7 dead at \(String(describing: event.map { $0.at - cutAt }))")
        }
    }

    @Test("a partition heals into one coalition again")
    func aPartitionHealsIntoOneCoalition() {
        let seed: UInt64 = 51
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.loss = 0.01
        sim.run(for: .seconds(2))
        sim.partition = Dictionary(uniqueKeysWithValues: sim.nodes.indices.map { ($0, $0 % 2) })
        sim.run(for: .seconds(3))
        #expect(sim.state(of: 1, seenBy: 0) == .dead, "seed \(seed)")
        #expect(sim.state(of: 2, seenBy: 0) == .alive, "seed \(seed)")
        sim.partition = nil
        sim.run(for: .seconds(4))
        for observer in sim.nodes.indices {
            for subject in sim.nodes.indices where subject != observer {
                #expect(sim.state(of: subject, seenBy: observer) == .alive, "seed \(seed): n\(observer) sees n\(subject) as \(String(describing: sim.state(of: subject, seenBy: observer)))")
            }
        }
    }

    @Test("a crashed member restarted with a new incarnation rejoins")
    func aRestartedMemberRejoins() {
        let seed: UInt64 = 61
        var sim = MembershipSimulator(nodes: 50, seed: seed)
        sim.run(for: .seconds(2))
        sim.crash(12)
        sim.run(for: .seconds(2))
        let restartedAt = sim.now
        sim.restart(12, incarnation: 2)
        sim.run(for: .seconds(2))
        for observer in sim.liveNodes(excluding: [12]) {
            #expect(sim.state(of: 12, seenBy: observer) == .alive, "seed \(seed)")
            #expect(sim.firstEvent(.rejoined, about: 12, seenBy: observer, since: restartedAt) != nil, "seed \(seed)")
        }
    }

    @Test("heartbeat traffic per member does not grow with the coalition")
    func trafficPerMemberIsConstantInTheCoalitionSize() {
        func datagramsPerMemberPerSecond(_ count: Int) -> Double {
            var sim = MembershipSimulator(nodes: count, seed: 71)
            sim.run(for: .seconds(3))
            let start = sim.datagrams
            sim.run(for: .seconds(10))
            return Double(sim.datagrams - start) / Double(count) / 10
        }
        let small = datagramsPerMemberPerSecond(10)
        let large = datagramsPerMemberPerSecond(60)
        #expect(small == large, "10 members: \(small)/s each, 60 members: \(large)/s each")
        #expect(large <= 31, "\(large) datagrams per member per second")
    }
}
