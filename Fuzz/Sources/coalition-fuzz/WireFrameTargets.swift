import Coalition
import MembershipCore
import NIOCore

/// The frame decoder for every message type, then the body decoder of its type.
///
/// Canonical (checked): a frame that decodes, and whose body decodes, re-encodes to exactly its
/// bytes, header, body and (keyed) trailer; so does the body alone.
enum WireFrameTargets {
    static let unkeyed = FuzzTarget(
        name: "wire-frame",
        summary: "WireFrameDecoder (no key) over a datagram, then the membership or service body of its type"
    ) { bytes in
        var decoder = WireFrameDecoder(accepting: WireFixtures.allTypes, keyring: nil)
        let result = Fuzz.timed("wire-frame decode") {
            decoder.decode(datagram: ByteBuffer(bytes: bytes), nowMilliseconds: WireFixtures.nowMilliseconds)
        }
        guard case .success(let frame) = result else { return }
        checkFrame(frame, bytes: bytes, encoder: WireFrameEncoder(keyring: nil), trailer: nil)
    }

    /// The input as it is (mutated tags: `badTag`, the check itself), then re-signed: the tag
    /// recomputed over the bytes it covers, so the header checks, the replay window and the
    /// body decoders are reached behind a valid tag.
    static let keyed = FuzzTarget(
        name: "wire-frame-keyed",
        summary: "WireFrameDecoder under a coalition key: the input's own tag, then the input re-signed"
    ) { bytes in
        for candidate in [bytes, resigned(bytes)] {
            var decoder = WireFrameDecoder(accepting: WireFixtures.allTypes, keyring: WireFixtures.keyring)
            let result = Fuzz.timed("wire-frame-keyed decode") {
                decoder.decode(datagram: ByteBuffer(bytes: candidate), nowMilliseconds: WireFixtures.nowMilliseconds)
            }
            guard case .success(let frame) = result else { continue }
            let trailer = Array(candidate.suffix(WireFormat.trailerLength))
            checkFrame(frame, bytes: candidate, encoder: WireFrameEncoder(keyring: WireFixtures.keyring), trailer: trailer)
        }
    }

    /// `bytes` with its last 16 bytes replaced by the tag of everything before them.
    static func resigned(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= WireFormat.headerLength + WireFormat.trailerLength else { return bytes }
        let signed = Array(bytes.dropLast(WireFormat.tagLength))
        return signed + WireFixtures.keyring.authenticator.tag(of: signed)
    }

    /// The invariants of a decoded frame: its body within its type's limit, the body decoded
    /// by its type's codec re-encodes to the same body, and the frame to the same bytes.
    static func checkFrame(_ frame: WireFrame, bytes: [UInt8], encoder: WireFrameEncoder, trailer: [UInt8]?) {
        Fuzz.check(frame.body.readableBytes <= frame.type.maximumBodyLength, "\(frame.type) body over its limit")
        var timestamp: UInt64 = 0
        var nonce: UInt64 = 0
        if let trailer {
            for byte in trailer.prefix(8) { timestamp = timestamp << 8 | UInt64(byte) }
            for byte in trailer.dropFirst(8).prefix(8) { nonce = nonce << 8 | UInt64(byte) }
        }
        var again = ByteBuffer()
        encoder.encode(frame.type, body: frame.body, into: &again, timestampMilliseconds: timestamp, nonce: nonce)
        Fuzz.check(Array(again.readableBytesView) == bytes, "\(frame.type) frame does not re-encode to its bytes")
        if WireMessageType.membership.contains(frame.type) {
            MembershipTarget.checkBody(frame)
        } else {
            ServiceMessageTarget.checkBody(frame)
        }
    }
}
