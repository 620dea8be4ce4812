import Coalition
import NIOCore
import QoSModel
import Testing

/// The attack a household LAN allows, replayed in-process: a stranger floods the members with
/// random and mutated datagrams, well-formed frames under ids no Discovery ever resolved, and
/// frames under real members' ids from its own address. Nothing may come of it but counted drops.
@Suite("Membership admission")
struct MembershipAdmissionTests {
    static let attacker = PeerAddress(host: "10.0.0.66", port: 40_000)

    /// Makes the stranger's datagrams, seeded.
    struct Attacker {
        var random: SeededGenerator
        let members: [MemberID]

        /// Real frames of every type, as members would send them (no key: `--insecure`).
        func realFrame(_ random: inout SeededGenerator) -> [UInt8] {
            let sender = members.randomElement(using: &random)!
            let other = members.randomElement(using: &random)!
            return Self.encode(MembershipMessage(sender: sender, incarnation: 1, body: Self.body(about: other, &random)))
        }

        static func body(about other: MemberID, _ random: inout SeededGenerator) -> MembershipMessage.Body {
            let nonce = UInt32.random(in: 0...UInt32.max, using: &random)
            let bodies: [MembershipMessage.Body] = [
                .heartbeat(sequence: nonce, capacity: SpareCapacity(cores: 1.5, memoryAvailableBytes: 1 << 30)),
                .probe(nonce: nonce), .ack(nonce: nonce, capacity: .zero),
                .probeRequest(nonce: nonce, target: other, targetAddress: PeerAddress(host: "10.0.0.1", port: 3)),
                .indirectAck(nonce: nonce, target: other, targetIncarnation: 1), .alive,
                .dead(subject: other, subjectIncarnation: 1), .leave,
            ]
            return bodies.randomElement(using: &random)!
        }

        static func encode(_ message: MembershipMessage) -> [UInt8] {
            var body = ByteBuffer()
            message.encodeBody(into: &body)
            var frame = ByteBuffer()
            WireFrameEncoder().encode(message.wireType, body: body, into: &frame, timestampMilliseconds: 0, nonce: 0)
            return Array(frame.readableBytesView)
        }

        mutating func next() -> [UInt8] {
            switch Int.random(in: 0..<8, using: &random) {
            case 0:  // random bytes
                return (0..<Int.random(in: 0...1_472, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1:  // empty, or the largest datagram the socket reads
                return Bool.random(using: &random) ? [] : [0xC0, 0xA1, 1, 1, 0] + Array(repeating: 0xFF, count: 65_000)
            case 2, 3:  // a real frame with a few bits flipped
                var frame = realFrame(&random)
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    frame[Int.random(in: 0..<frame.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
                }
                return frame
            case 4:  // a real frame cut short or with bytes appended
                let frame = realFrame(&random)
                return Bool.random(using: &random)
                    ? Array(frame.prefix(Int.random(in: 0..<frame.count, using: &random)))
                    : frame + [UInt8.random(in: 0...255, using: &random)]
            case 5, 6:  // a flood of fresh, well-formed ids that no Discovery ever resolved
                let fresh = MemberID(Self.hex(UInt64.random(in: 0...UInt64.max, using: &random)))!
                let other = members.randomElement(using: &random)!
                return Self.encode(MembershipMessage(sender: fresh, incarnation: 1, body: Self.body(about: other, &random)))
            default:  // a real member's id from the stranger's address
                return realFrame(&random)
            }
        }

        static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    @Test("a stranger's 20 000 datagrams create no member, kill no one, and a real crash is still seen within 1 s", arguments: [UInt64(7), 8])
    func aStrangersFloodCreatesNoPhantomAndHidesNoCrash(seed: UInt64) {
        var sim = MembershipSimulator(nodes: 20, seed: seed)
        sim.loss = 0.01
        sim.run(for: .seconds(3))
        let real = Set((0..<20).map(MembershipSimulator.id))
        var attacker = Attacker(random: SeededGenerator(seed: seed ^ 0xA77AC), members: Array(real).sorted())
        let attackStart = sim.now
        // 20 000 datagrams over 10 s, spread over every member: 100 per member per second.
        for round in 0..<1_000 {
            for _ in 0..<20 { sim.injectDatagram(attacker.next(), from: Self.attacker, to: Int.random(in: 0..<20, using: &attacker.random)) }
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
            for _ in 0..<20 { sim.injectDatagram(attacker.next(), from: Self.attacker, to: Int.random(in: 0..<20, using: &attacker.random)) }
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
                MemberID(Attacker.hex(value))!, address: PeerAddress(host: "10.0.0.2", port: 7946), incarnation: 1, now: .zero)
            refused += directives.filter { if case .drop(.memberTableFull, _) = $0 { true } else { false } }.count
        }
        #expect(instance.knownMembers.count == 64)
        #expect(refused == 10_000 - 64)
    }
}
