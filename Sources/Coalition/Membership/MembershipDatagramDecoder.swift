import MembershipCore
import NIOCore

/// One received datagram to a membership message: the frame codec (magic, version, type, the
/// type's size limit, and with a key the tag and the replay window), then the body codec (every
/// field validated). Pure: the shell and the simulations use the same path.
public struct MembershipDatagramDecoder: Sendable {
    private var frames: WireFrameDecoder

    /// - Parameter keyring: the coalition keys in force, read once per frame; nil for an
    ///   `--insecure` coalition.
    public init(keyring: WireKeyring?) {
        frames = WireFrameDecoder(accepting: WireMessageType.membership, keyring: keyring)
    }

    /// Fixed keys (tests); nil for an `--insecure` coalition.
    public init(authenticator: WireAuthenticator?) {
        self.init(keyring: authenticator.map { WireKeyring($0) })
    }

    /// Whether tagged frames are expected (the replay window then needs the wall clock).
    public var isAuthenticated: Bool { frames.isAuthenticated }

    /// The message in `datagram`, or why it was dropped.
    /// - Parameter nowMilliseconds: the wall clock (ms since the Unix epoch) for the replay window;
    ///   read only for authenticated frames, so 0 will do without a key.
    public mutating func decode(_ datagram: ByteBuffer, nowMilliseconds: UInt64) -> Result<MembershipMessage, WireDropReason> {
        frames.decode(datagram: datagram, nowMilliseconds: nowMilliseconds).flatMap { frame in
            Result { () throws(WireDropReason) in try MembershipMessage(frame: frame) }
        }
    }
}
