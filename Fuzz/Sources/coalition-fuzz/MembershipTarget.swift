import Coalition
import MembershipCore
import NIOCore

/// The membership socket's decoder (`MembershipDatagramDecoder`), without a key and, re-signed,
/// with one (the first byte of the input chooses: even without, odd with).
///
/// Canonical (checked): a message that decodes re-encodes to exactly its body.
enum MembershipTarget {
    static let target = FuzzTarget(
        name: "membership",
        summary: "MembershipDatagramDecoder: frame, then every field of the 8 membership messages (keyed or not)"
    ) { bytes in
        guard let first = bytes.first else { return }
        let keyed = first & 1 == 1
        let datagram = keyed ? WireFrameTargets.resigned(Array(bytes.dropFirst())) : Array(bytes.dropFirst())
        var decoder = MembershipDatagramDecoder(keyring: keyed ? WireFixtures.keyring : nil)
        let result = Fuzz.timed("membership decode") {
            decoder.decode(ByteBuffer(bytes: datagram), nowMilliseconds: WireFixtures.nowMilliseconds)
        }
        guard case .success(let message) = result else { return }
        checkMessage(message)
        var body = ByteBuffer()
        message.encodeBody(into: &body)
        let bodyLength = datagram.count - WireFormat.headerLength - (keyed ? WireFormat.trailerLength : 0)
        Fuzz.check(
            Array(body.readableBytesView) == Array(datagram.dropFirst(WireFormat.headerLength).prefix(bodyLength)),
            "\(message.wireType) does not re-encode to its body")
    }

    /// A membership body decoded from a frame re-encodes to the same bytes, and its fields are
    /// within their bounds.
    static func checkBody(_ frame: WireFrame) {
        guard let message = try? MembershipMessage(frame: frame) else { return }
        checkMessage(message)
        var body = ByteBuffer()
        message.encodeBody(into: &body)
        Fuzz.check(body == frame.body, "\(frame.type) body does not re-encode to its bytes")
    }

    static func checkMessage(_ message: MembershipMessage) {
        Fuzz.check(message.incarnation <= MembershipMessage.maximumIncarnation, "incarnation over its bound")
        Fuzz.check(message.sender.rawValue.utf8.count == MemberID.byteCount, "sender id of the wrong size")
        switch message.body {
        case .probeRequest(_, let target, let address):
            Fuzz.check(target.rawValue.utf8.count == MemberID.byteCount, "target id of the wrong size")
            Fuzz.check(address.host.utf8.count <= 64 && address.port != 0, "target address out of bounds")
        case .indirectAck(_, _, let incarnation), .dead(_, let incarnation):
            Fuzz.check(incarnation <= MembershipMessage.maximumIncarnation, "subject incarnation over its bound")
        case .heartbeat(_, let capacity), .ack(_, let capacity):
            Fuzz.check(capacity.cores <= Double(MembershipMessage.maximumMilliCores) / 1000, "spare CPU over its bound")
        default:
            break
        }
    }
}
