import Coalition
import MembershipCore
import NIOCore
import QoSModel
import TestSupport
import Testing

@Suite("Wire codec")
struct WireCodecTests {
    static let sender = MemberID.named("board-1")
    static let key = WireAuthenticator.testKey
    static let now: UInt64 = 1_795_000_000_000

    static let messages: [MembershipMessage] = [
        .init(sender: sender, incarnation: 7, body: .heartbeat(sequence: 42, capacity: SpareCapacity(cores: 1.5, memoryAvailableBytes: 734_003 * 1024))),
        .init(sender: sender, incarnation: 7, body: .probe(nonce: 9)),
        .init(sender: sender, incarnation: 7, body: .ack(nonce: 9, capacity: .zero)),
        .init(sender: sender, incarnation: 7, body: .probeRequest(nonce: 3, target: MemberID.named("b2"), targetAddress: PeerAddress(host: "10.42.0.2", port: 7946))),
        .init(sender: sender, incarnation: 7, body: .indirectAck(nonce: 3, target: MemberID.named("b2"), targetIncarnation: 99)),
        .init(sender: sender, incarnation: MembershipMessage.maximumIncarnation, body: .alive),
        .init(sender: sender, incarnation: 7, body: .dead(subject: MemberID.named("b2"), subjectIncarnation: 98)),
        .init(sender: sender, incarnation: 7, body: .leave),
    ]

    static func frame(_ message: MembershipMessage, key: WireAuthenticator? = nil, timestamp: UInt64 = now, nonce: UInt64 = 1) -> ByteBuffer {
        var body = ByteBuffer()
        message.encodeBody(into: &body)
        var out = ByteBuffer()
        WireFrameEncoder(authenticator: key).encode(message.wireType, body: body, into: &out, timestampMilliseconds: timestamp, nonce: nonce)
        return out
    }

    static func decode(_ datagram: ByteBuffer, key: WireAuthenticator? = nil) -> Result<MembershipMessage, WireDropReason> {
        var decoder = MembershipDatagramDecoder(authenticator: key)
        return decoder.decode(datagram, nowMilliseconds: now)
    }

    @Test(arguments: messages)
    func everyMembershipMessageSurvivesARoundTrip(message: MembershipMessage) throws {
        #expect(try Self.decode(Self.frame(message)).get() == message)
        #expect(try Self.decode(Self.frame(message, key: Self.key), key: Self.key).get() == message)
    }

    @Test func aHeartbeatFrameIsSmall() {
        #expect(Self.frame(Self.messages[0]).readableBytes == 46)
        #expect(Self.frame(Self.messages[0], key: Self.key).readableBytes == 78)
    }

    @Test func aLengthBeyondTheTypesLimitIsDroppedWithoutWaitingForTheBody() {
        var frame = Self.frame(Self.messages[1])
        frame.setInteger(UInt32(1 << 30), at: 5)
        #expect(Self.decode(frame) == .failure(.oversized))
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership)
        var stream = frame.getSlice(at: 0, length: WireFormat.headerLength)!
        guard case .drop(.oversized) = decoder.decode(stream: &stream, nowMilliseconds: Self.now) else {
            Issue.record("a stream with a 1 GiB length must be dropped at once")
            return
        }
    }

    @Test func everyTruncationIsDroppedAsTruncated() {
        let frame = Self.frame(Self.messages[3])
        for length in 2..<frame.readableBytes {
            let cut = frame.getSlice(at: 0, length: length)!
            #expect(Self.decode(cut) == .failure(.truncated), "cut at \(length)")
        }
    }

    @Test func aBodyShorterThanItsFieldsIsMalformed() {
        var body = ByteBuffer()
        body.writeShortString(Self.sender.rawValue)
        body.writeInteger(UInt64(7))
        body.writeInteger(UInt16(1))  // half a sequence number
        var out = ByteBuffer()
        WireFrameEncoder().encode(.heartbeat, body: body, into: &out, timestampMilliseconds: 0, nonce: 0)
        #expect(Self.decode(out) == .failure(.malformedBody))
    }

    @Test func aBadMagicAnUnknownVersionAnUnknownTypeAndTrailingBytesAreEachNamed() {
        var magic = Self.frame(Self.messages[1])
        magic.setInteger(UInt8(0x00), at: 0)
        #expect(Self.decode(magic) == .failure(.badMagic))
        var version = Self.frame(Self.messages[1])
        version.setInteger(UInt8(9), at: 2)
        #expect(Self.decode(version) == .failure(.unsupportedVersion))
        var type = Self.frame(Self.messages[1])
        type.setInteger(UInt8(200), at: 3)
        #expect(Self.decode(type) == .failure(.unknownType))
        var trailing = Self.frame(Self.messages[1])
        trailing.writeInteger(UInt8(0))
        #expect(Self.decode(trailing) == .failure(.malformedFrame))
        var flags = Self.frame(Self.messages[1])
        flags.setInteger(UInt8(0x80), at: 4)
        #expect(Self.decode(flags) == .failure(.malformedFrame))
    }

    @Test func anInvalidUTF8IdIsMalformed() {
        var body = ByteBuffer()
        body.writeInteger(UInt8(2))
        body.writeBytes([0xC3, 0x28])
        body.writeInteger(UInt64(1))
        var out = ByteBuffer()
        WireFrameEncoder().encode(.alive, body: body, into: &out, timestampMilliseconds: 0, nonce: 0)
        #expect(Self.decode(out) == .failure(.malformedBody))
    }

    /// A membership frame whose body is written field by field, to reach each field's check.
    static func rawFrame(_ type: WireMessageType, id: String = sender.rawValue, incarnation: UInt64 = 7, _ rest: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeShortString(id)
        body.writeInteger(incarnation)
        rest(&body)
        var out = ByteBuffer()
        WireFrameEncoder().encode(type, body: body, into: &out, timestampMilliseconds: 0, nonce: 0)
        return out
    }

    @Test(arguments: ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg", "21da9 5501b<ec36", ""])
    func anIdThatIsNotSixteenLowercaseHexDigitsIsMalformed(id: String) {
        #expect(Self.decode(Self.rawFrame(.alive, id: id) { _ in }) == .failure(.malformedBody))
        #expect(MemberID(id) == nil)
    }

    @Test func anIncarnationBeyondTheBoundIsMalformedWhereverItStands() {
        let beyond = MembershipMessage.maximumIncarnation + 1
        #expect(Self.decode(Self.rawFrame(.alive, incarnation: beyond) { _ in }) == .failure(.malformedBody))
        #expect(Self.decode(Self.rawFrame(.alive, incarnation: .max) { _ in }) == .failure(.malformedBody))
        let dead = Self.rawFrame(.dead) {
            $0.writeShortString(Self.sender.rawValue)
            $0.writeInteger(beyond)
        }
        #expect(Self.decode(dead) == .failure(.malformedBody))
    }

    @Test func anImplausibleSpareCPUIsMalformed() {
        let beat = Self.rawFrame(.heartbeat) {
            $0.writeInteger(UInt32(1))
            $0.writeInteger(MembershipMessage.maximumMilliCores + 1)
            $0.writeInteger(UInt32(0))
        }
        #expect(Self.decode(beat) == .failure(.malformedBody))
    }

    @Test(arguments: ["example.com", "10.0.0.256", "10.0.0", "010.0.0.1", "1.2.3.4.5", "fe80::1%eth0", "1::2::3", "12345::1", "", "::ffff:10.0.0.300"])
    func aProbeRequestNamingAnythingButAnIPLiteralIsMalformed(host: String) {
        let request = Self.rawFrame(.probeRequest) {
            $0.writeInteger(UInt32(1))
            $0.writeShortString(MemberID.named("b2").rawValue)
            $0.writeShortString(host)
            $0.writeInteger(UInt16(7946))
        }
        #expect(Self.decode(request) == .failure(.malformedBody), "\(host)")
    }

    @Test(arguments: ["10.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "fe80::1", "2001:db8::", "::", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1", "1:2:3:4:5:6:10.0.0.1"])
    func anIPLiteralIsAValidAddressButPortZeroIsNot(host: String) {
        #expect(PeerAddress(validatingHost: host, port: 7946) != nil, "\(host)")
        #expect(PeerAddress(validatingHost: host, port: 0) == nil)
    }

    @Test func withAKeyOnlyFramesTaggedWithThatKeyAreAccepted() throws {
        let other = try WireAuthenticator(key: Array(repeating: UInt8(7), count: 32))
        #expect(Self.decode(Self.frame(Self.messages[0]), key: Self.key) == .failure(.missingTag))
        #expect(Self.decode(Self.frame(Self.messages[0], key: other), key: Self.key) == .failure(.badTag))
        #expect(Self.decode(Self.frame(Self.messages[0], key: Self.key)) == .failure(.unexpectedTag))
    }

    @Test func alteringAnyByteOfATaggedFrameGetsItDropped() {
        let frame = Self.frame(Self.messages[6], key: Self.key)
        for offset in 0..<frame.readableBytes {
            var altered = frame
            altered.setInteger(frame.getInteger(at: offset, as: UInt8.self)! ^ 0x01, at: offset)
            guard case .failure = Self.decode(altered, key: Self.key) else {
                Issue.record("flipping a bit at offset \(offset) was not noticed")
                continue
            }
        }
    }

    @Test func aReplayedOrStaleFrameIsDropped() {
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: Self.key)
        let frame = Self.frame(Self.messages[0], key: Self.key, nonce: 12345)
        #expect((try? decoder.decode(datagram: frame, nowMilliseconds: Self.now).get()) != nil)
        #expect(decoder.decode(datagram: frame, nowMilliseconds: Self.now + 10).failureReason == .replayed)
        let old = Self.frame(Self.messages[0], key: Self.key, timestamp: Self.now - 60_000, nonce: 1)
        #expect(decoder.decode(datagram: old, nowMilliseconds: Self.now).failureReason == .staleTimestamp)
    }

    @Test func aStreamYieldsItsFramesInOrderAndWaitsForPartialOnes() {
        var stream = Self.frame(Self.messages[0])
        var second = Self.frame(Self.messages[7])
        stream.writeBuffer(&second)
        stream.writeBytes([0xC0])  // the first byte of a third frame
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership)
        var types: [WireMessageType] = []
        while case .frame(let frame) = decoder.decode(stream: &stream, nowMilliseconds: Self.now) { types.append(frame.type) }
        #expect(types == [.heartbeat, .leave])
        #expect(stream.readableBytes == 1)
    }

    @Test func randomBytesAreAlwaysDroppedNeverTrusted() {
        var random = SeededGenerator(seed: 99)
        for _ in 0..<5_000 {
            var buffer = ByteBuffer()
            let length = Int.random(in: 0...120, using: &random)
            buffer.writeBytes((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
            if Bool.random(using: &random) {  // a valid header prefix, to reach the body checks
                buffer.setInteger(WireFormat.magic, at: 0)
                buffer.setInteger(UInt8(1), at: 2)
            }
            if case .success(let message) = Self.decode(buffer) {
                #expect(Self.frame(message).readableBytes == buffer.readableBytes)
            }
        }
        #expect(Self.decode(ByteBuffer()) == .failure(.truncated))
    }

    @Test func aShortOrMissingKeyFileIsRefusedNamingTheFile() {
        #expect(throws: WireKeyError.self) { try WireAuthenticator(keyFile: "/nonexistent/coalition.key") }
        do {
            _ = try WireAuthenticator(key: [1, 2, 3])
            Issue.record("a 3-byte key was accepted")
        } catch {
            #expect(error.description.contains("3 bytes"))
        }
    }
}

extension WireAuthenticator {
    static let testKey = try! WireAuthenticator(key: Array("coalition test key 0123456789".utf8))
}

extension Result {
    var failureReason: Failure? { if case .failure(let reason) = self { reason } else { nil } }
}
