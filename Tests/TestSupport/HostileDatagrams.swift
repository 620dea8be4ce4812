import Coalition
import MembershipCore
import NIOCore
import QoSModel

/// What a stranger on a household LAN can send a member, seeded: random bytes, empty and
/// maximum-size datagrams, real frames (no key) with bits flipped or bytes cut or added,
/// well-formed frames under fresh ids that no Discovery ever resolved, and real members' frames
/// sent from the stranger's own address. Shared by the in-process simulation and the lab test.
public struct HostileDatagrams: Sendable {
    var random: SeededGenerator
    /// The real members' ids, whose frames are forged and mutated.
    public let members: [MemberID]

    public init(seed: UInt64, members: [MemberID]) {
    random = SeededGenerator(seed: seed)
    self.members = members
    }

    /// A seeded number in 0..<bound (to spread datagrams over targets).
    public mutating func pick(below bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }

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

    /// The next datagram.
    public mutating func next() -> [UInt8] {
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

    /// 16 lowercase hex digits, zero-padded: a well-formed member id.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
