import NIOCore

/// One decoded frame: its type and its body (already checked against the type's limit and,
/// with a key, authenticated).
public struct WireFrame: Sendable {
    public var type: WireMessageType
    public var body: ByteBuffer

    public init(type: WireMessageType, body: ByteBuffer) {
        self.type = type
        self.body = body
    }
}

/// Writes frames: header, body, and the auth trailer when keys are given.
public struct WireFrameEncoder: Sendable {
    /// The keys frames are tagged under, read once per frame (a reload applies to the next
    /// frame); nil writes untagged frames.
    public let keyring: WireKeyring?

    /// Tags under the keys in force in `keyring` at each frame; nil writes untagged frames.
    public init(keyring: WireKeyring?) {
        self.keyring = keyring
    }

    /// Tags under fixed keys; nil (the default) writes untagged frames.
    public init(authenticator: WireAuthenticator? = nil) {
        self.keyring = authenticator.map { WireKeyring($0) }
    }

    /// Whether frames carry a tag (and so a timestamp and a nonce).
    public var isAuthenticated: Bool { keyring != nil }

    /// Appends one frame of `type` with `body` to `buffer`.
    /// - Parameters:
    ///   - timestampMilliseconds: wall-clock time for the replay window (used only with a key).
    ///   - nonce: a random number, distinct per frame (used only with a key).
    public func encode(
        _ type: WireMessageType, body: ByteBuffer, into buffer: inout ByteBuffer,
        timestampMilliseconds: UInt64, nonce: UInt64
    ) {
        var body = body
        encode(type, into: &buffer, timestampMilliseconds: timestampMilliseconds, nonce: nonce) { $0.writeBuffer(&body) }
    }

    /// Appends one frame of `type` whose body `writeBody` writes in place (no intermediate
    /// buffer). The body MUST respect the type's limit.
    public func encode(
        _ type: WireMessageType, into buffer: inout ByteBuffer, timestampMilliseconds: UInt64, nonce: UInt64,
        writeBody: (inout ByteBuffer) -> Void
    ) {
        let authenticator = keyring?.authenticator
        let start = buffer.writerIndex
        buffer.writeInteger(WireFormat.magic)
        buffer.writeInteger(WireFormat.version)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(authenticator == nil ? 0 : WireFormat.authenticatedFlag)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        writeBody(&buffer)
        let length = buffer.writerIndex - lengthIndex - 4
        precondition(length <= type.maximumBodyLength, "\(type) body of \(length) bytes exceeds its limit")
        buffer.setInteger(UInt32(length), at: lengthIndex)
        guard let authenticator else { return }
        buffer.writeInteger(timestampMilliseconds)
        buffer.writeInteger(nonce)
        let signed = buffer.getBytes(at: start, length: buffer.writerIndex - start)!
        buffer.writeBytes(authenticator.tag(of: signed))
    }
}

/// Reads frames and never trusts a length: the header is checked (magic, version, type,
/// flags, the type's size limit) before a body is awaited or read, and the tag before the
/// body is handed on.
public struct WireFrameDecoder: Sendable {
    private var types: [UInt8: WireMessageType] = [:]
    /// The keys tags are checked against, read once per frame (a reload applies to the next
    /// frame); nil accepts untagged frames only.
    public let keyring: WireKeyring?
    /// This decoder's own replay memory, used when ``sharedReplayGuard`` is nil.
    public var replayGuard: ReplayGuard
    /// A replay memory shared with other decoders (every connection of a listener); nil keeps
    /// ``replayGuard``, this decoder's own (one socket).
    public let sharedReplayGuard: SharedReplayGuard?

    /// - Parameters:
    ///   - accepting: the message types this socket accepts; any other number is `unknownType`.
    ///   - keyring: with keys, untagged frames are `missingTag` and a tag must verify under one
    ///     of the keys in force; without, tagged frames are `unexpectedTag`.
    ///   - replayGuard: the decoder's own replay memory (one socket).
    ///   - sharedReplayGuard: a memory shared by every connection of a listener, used instead of
    ///     `replayGuard`, so a frame seen on one connection is a replay on every other.
    public init(
        accepting types: [WireMessageType], keyring: WireKeyring?, replayGuard: ReplayGuard = ReplayGuard(),
        sharedReplayGuard: SharedReplayGuard? = nil
    ) {
        for type in types { self.types[type.rawValue] = type }
        self.keyring = keyring
        self.replayGuard = replayGuard
        self.sharedReplayGuard = sharedReplayGuard
    }

    /// Checks tags against fixed keys; nil (the default) accepts untagged frames only.
    public init(accepting types: [WireMessageType], authenticator: WireAuthenticator? = nil, replayGuard: ReplayGuard = ReplayGuard()) {
        self.init(accepting: types, keyring: authenticator.map { WireKeyring($0) }, replayGuard: replayGuard)
    }

    /// Whether frames must carry a valid tag.
    public var isAuthenticated: Bool { keyring != nil }

    /// The outcome of reading from a stream.
    public enum StreamResult: Sendable {
        case frame(WireFrame)
        /// Wait for more bytes (nothing was consumed).
        case needMoreData
        /// The stream is unusable from here: disconnect the peer.
        case drop(WireDropReason)
    }

    /// Decodes a datagram that must hold exactly one frame.
    public mutating func decode(datagram: ByteBuffer, nowMilliseconds: UInt64) -> Result<WireFrame, WireDropReason> {
        var buffer = datagram
        switch decode(stream: &buffer, nowMilliseconds: nowMilliseconds) {
        case .frame(let frame):
            return buffer.readableBytes == 0 ? .success(frame) : .failure(.malformedFrame)
        case .needMoreData:
            return .failure(.truncated)
        case .drop(let reason):
            return .failure(reason)
        }
    }

    /// Decodes the next frame at the reader index of `buffer`, consuming it only when complete.
    public mutating func decode(stream buffer: inout ByteBuffer, nowMilliseconds: UInt64) -> StreamResult {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= 2 else { return .needMoreData }
        guard buffer.getInteger(at: start, as: UInt16.self) == WireFormat.magic else { return .drop(.badMagic) }
        guard buffer.readableBytes >= WireFormat.headerLength else { return .needMoreData }
        let version = buffer.getInteger(at: start + 2, as: UInt8.self)!
        guard WireFormat.acceptedVersions.contains(version) else { return .drop(.unsupportedVersion) }
        guard let type = types[buffer.getInteger(at: start + 3, as: UInt8.self)!] else { return .drop(.unknownType) }
        let flags = buffer.getInteger(at: start + 4, as: UInt8.self)!
        guard flags & ~WireFormat.authenticatedFlag == 0 else { return .drop(.malformedFrame) }
        let length = buffer.getInteger(at: start + 5, as: UInt32.self)!
        guard length <= type.maximumBodyLength else { return .drop(.oversized) }
        let tagged = flags & WireFormat.authenticatedFlag != 0
        if tagged, keyring == nil { return .drop(.unexpectedTag) }
        if !tagged, keyring != nil { return .drop(.missingTag) }
        let frameLength = WireFormat.headerLength + Int(length) + (tagged ? WireFormat.trailerLength : 0)
        guard buffer.readableBytes >= frameLength else { return .needMoreData }
        if tagged, let authenticator = keyring?.authenticator {
            let trailer = start + WireFormat.headerLength + Int(length)
            let timestamp = buffer.getInteger(at: trailer, as: UInt64.self)!
            let nonce = buffer.getInteger(at: trailer + WireFormat.timestampLength, as: UInt64.self)!
            let signedLength = frameLength - WireFormat.tagLength
            let signed = buffer.getBytes(at: start, length: signedLength)!
            let tag = buffer.getBytes(at: start + signedLength, length: WireFormat.tagLength)!
            guard authenticator.verify(tag: tag, of: signed) else {
                buffer.moveReaderIndex(forwardBy: frameLength)
                return .drop(.badTag)
            }
            let replay = sharedReplayGuard.map { $0.admit(timestamp: timestamp, nonce: nonce, nowMilliseconds: nowMilliseconds) }
                ?? replayGuard.admit(timestamp: timestamp, nonce: nonce, nowMilliseconds: nowMilliseconds)
            if let reason = replay {
                buffer.moveReaderIndex(forwardBy: frameLength)
                return .drop(reason)
            }
        }
        let body = buffer.getSlice(at: start + WireFormat.headerLength, length: Int(length))!
        buffer.moveReaderIndex(forwardBy: frameLength)
        return .frame(WireFrame(type: type, body: body))
    }
}
