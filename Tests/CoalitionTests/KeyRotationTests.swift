import Coalition
import Foundation
import MembershipCore
import NIOCore
import Testing

/// Frames under a current and a previous key, and keys replaced while codecs are in use.
@Suite("Key rotation")
struct KeyRotationTests {
    static let old = Array("the old coalition key, 0123456789".utf8)
    static let new = Array("the new coalition key, 9876543210".utf8)
    static let now: UInt64 = 1_795_000_000_000
    static let message = MembershipMessage(sender: MemberID.named("board-1"), incarnation: 3, body: .alive)

    static func frame(under keyring: WireKeyring, nonce: UInt64) -> ByteBuffer {
        var body = ByteBuffer()
        message.encodeBody(into: &body)
        var out = ByteBuffer()
        WireFrameEncoder(keyring: keyring).encode(message.wireType, body: body, into: &out, timestampMilliseconds: now, nonce: nonce)
        return out
    }

    static func frame(under key: [UInt8], nonce: UInt64) throws -> ByteBuffer {
        frame(under: WireKeyring(try WireAuthenticator(key: key)), nonce: nonce)
    }

    @Test func framesAreAcceptedUnderTheCurrentOrThePreviousKey_andNoOther() throws {
        let both = try WireAuthenticator(keys: CoalitionKeys(current: Self.new, previous: Self.old))
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: both)
        #expect(decoder.decode(datagram: try Self.frame(under: Self.new, nonce: 1), nowMilliseconds: Self.now).failureReason == nil)
        #expect(decoder.decode(datagram: try Self.frame(under: Self.old, nonce: 2), nowMilliseconds: Self.now).failureReason == nil)
        let stranger = Array("a key nobody in this coalition has".utf8)
        #expect(decoder.decode(datagram: try Self.frame(under: stranger, nonce: 3), nowMilliseconds: Self.now).failureReason == .badTag)
    }

    @Test func framesAreTaggedUnderTheCurrentKeyOnly() throws {
        let both = WireKeyring(try WireAuthenticator(keys: CoalitionKeys(current: Self.new, previous: Self.old)))
        let frame = Self.frame(under: both, nonce: 1)
        var onlyNew = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: try WireAuthenticator(key: Self.new))
        var onlyOld = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: try WireAuthenticator(key: Self.old))
        #expect(onlyNew.decode(datagram: frame, nowMilliseconds: Self.now).failureReason == nil)
        #expect(onlyOld.decode(datagram: frame, nowMilliseconds: Self.now).failureReason == .badTag)
    }

    @Test func aReplacedKeyringAppliesToTheNextFrameOfCodecsAlreadyInUse() throws {
        let keyring = WireKeyring(try WireAuthenticator(key: Self.old))
        let encoder = WireFrameEncoder(keyring: keyring)
        var decoder = WireFrameDecoder(accepting: WireMessageType.membership, keyring: keyring)
        var onlyNew = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: try WireAuthenticator(key: Self.new))
        func encoded(nonce: UInt64) -> ByteBuffer {
            var body = ByteBuffer()
            Self.message.encodeBody(into: &body)
            var out = ByteBuffer()
            encoder.encode(Self.message.wireType, body: body, into: &out, timestampMilliseconds: Self.now, nonce: nonce)
            return out
        }
        #expect(onlyNew.decode(datagram: encoded(nonce: 1), nowMilliseconds: Self.now).failureReason == .badTag)
        keyring.replace(with: try WireAuthenticator(key: Self.new))
        #expect(onlyNew.decode(datagram: encoded(nonce: 2), nowMilliseconds: Self.now).failureReason == nil)
        #expect(decoder.decode(datagram: try Self.frame(under: Self.old, nonce: 3), nowMilliseconds: Self.now).failureReason == .badTag)
        #expect(decoder.decode(datagram: try Self.frame(under: Self.new, nonce: 4), nowMilliseconds: Self.now).failureReason == nil)
    }

    @Test func reloadingTheKeyFile_putsItsKeysInForce_andABadFileKeepsTheOldOnes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString).key").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func write(_ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
        let oldLine = String(decoding: Self.old, as: UTF8.self)
        let newLine = String(decoding: Self.new, as: UTF8.self)
        try write(oldLine + "\n")
        let keyring = try WireKeyring(keyFile: path)
        #expect(keyring.authenticator.keys == CoalitionKeys(current: Self.old))

        try write("\(newLine)\n\(oldLine)\n")
        let reloaded = try keyring.reload()
        #expect(reloaded.keys == CoalitionKeys(current: Self.new, previous: Self.old))
        #expect(keyring.authenticator.acceptedKeyCount == 2)
        #expect(keyring.authenticator.fingerprints == [WireAuthenticator.fingerprint(of: Self.new), WireAuthenticator.fingerprint(of: Self.old)])

        try write("\(newLine)\ntoo-short\n")
        #expect(throws: WireKeyError.self) { try keyring.reload() }
        #expect(keyring.authenticator.keys == CoalitionKeys(current: Self.new, previous: Self.old), "a bad file must keep the keys in force")
        #expect(keyring.lastReloadFailure?.line == 2)
        let status = AuthenticationStatus(keyring: keyring)
        #expect(status.enabled && status.acceptedKeys == 2 && status.keyFile == path)
        #expect(status.lastReloadError?.contains("line 2") == true)

        try write(newLine + "\n")
        try keyring.reload()
        #expect(keyring.authenticator.keys == CoalitionKeys(current: Self.new))
        #expect(keyring.lastReloadFailure == nil)
    }
}
