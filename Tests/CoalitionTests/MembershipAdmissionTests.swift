import Coalition
import MembershipCore
import NIOCore
import QoSModel
import TestSupport
import Testing

/// The attack a household LAN allows, replayed in-process: a stranger floods the members with
/// random and mutated datagrams, well-formed frames under ids no Discovery ever resolved, and
/// frames under real members' ids from its own address. Nothing may come of it but counted drops.
@Suite("Membership admission")
struct MembershipAdmissionTests {
    static let attacker = PeerAddress(host: "10.0.0.66", port: 40_000)

    @Test("a stranger's 20 000 datagrams create no member, kill no one, and a real crash is still seen within 1 s", arguments: [UInt64(7), 8])
    func aStrangersFloodCreatesNoPhantomAndHidesNoCrash(seed: UInt64) {
        var sim = MembershipSimulator(nodes: 20, seed: seed)
        sim.loss = 0.01
        sim.run(for: .seconds(3))
        let real = Set((0..<20).map(MembershipSimulator.id))
        var attacker = HostileDatagrams(seed: seed ^ 0xA77AC, members: Array(real).sorted())
        let attackStart = sim.now
        // 20 000 datagrams over 10 s, spread over every member: 100 per member per second.
        for round in 0..<1_000 {
            for _ in 0..<20 { sim.injectDatagram(attacker.next(), from: Self.attacker, to: attacker.pick(below: 20)) }
            sim.run(for: .milliseconds(10))
            if round == 500 {
                for node in 0..<20 {
                    let known = Set(sim.nodes[node].knownMembers)
                    #expect(known.isSubset(of: real), "seed \(seed): n\(node) knows phantoms \(known.subtracting(real).sorted())")
                }
            }
        }
        for node in 0..<20 {
            let known = sim.nodes[node].knownMembers
            #expect(Set(known).isSubset(of: real) && known.count == 19, "seed \(seed): n\(node) knows \(known.count) members")
        }
        #expect(sim.events(.dead, since: attackStart).isEmpty, "seed \(seed): false deaths \(sim.events(.dead, since: attackStart).map { "n\($0.observer) saw \($0.event.member)" })")
        #expect(sim.sentToStrangers == 0, "seed \(seed): the members answered the stranger")
        var drops = WireDropCounts()
        for counts in sim.drops.values { for (reason, count) in counts.counts { for _ in 0..<count { drops.record(reason) } } }
        #expect(drops.total >= 19_000, "seed \(seed): only \(drops.total) of 20 000 datagrams were counted as dropped")
        for reason: WireDropReason in [.unknownSender, .unexpectedAddress, .malformedBody, .badMagic, .truncated] {
            #expect(drops[reason] > 0, "seed \(seed): no datagram was dropped as \(reason)")
        }

        // A real crash while the flood goes on is still seen by everyone within 1 s.
        let victim = 13
        let crashedAt = sim.now
        sim.crash(victim)
        for _ in 0..<200 {
            for _ in 0..<20 { sim.injectDatagram(attacker.next(), from: Self.attacker, to: attacker.pick(below: 20)) }
            sim.run(for: .milliseconds(10))
        }
        for observer in sim.liveNodes() {
            let event = sim.firstEvent(.dead, about: victim, seenBy: observer, since: crashedAt)
            #expect(event.map { $0.at - crashedAt <= .seconds(1) } == true, "seed \(seed): n\(observer) saw n\(victim) dead at \(String(describing: event.map { $0.at - crashedAt }))")
        }
    }

    @Test("a flood of fresh ids through Discovery stops at the table's bound")
    func aFloodOfAnnouncementsIsBoundedByTheTable() {
        var configuration = MembershipConfiguration.lan
        configuration.maximumMembers = 64
        var instance = MembershipInstance(member: .named("me"), incarnation: 1, configuration: configuration)
        var refused = 0
        for value in UInt64(1)...10_000 {
            let directives = instance.onPeerDiscovered(
                MemberID(HostileDatagrams.hex(value))!, address: PeerAddress(host: "10.0.0.2", port: 7946), incarnation: 1, now: .zero)
            refused += directives.filter { if case .refuse(.memberTableFull, _) = $0 { true } else { false } }.count
        }
        #expect(instance.knownMembers.count == 64)
        #expect(refused == 10_000 - 64)
    }
}
