/// The identity of a coalition member, as announced by Discovery (the `id` of its TXT record).
///
/// At most ``maximumByteCount`` bytes of UTF-8, never empty: the wire codec refuses longer ones.
public struct MemberID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The longest id accepted, in bytes of UTF-8.
    public static let maximumByteCount = 64

    public let rawValue: String

    /// Returns nil for an empty id or one longer than ``maximumByteCount`` bytes.
    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Self.maximumByteCount else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: MemberID, rhs: MemberID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The member's position on the monitor ring: FNV-1a 64 of its UTF-8 bytes, stable across
    /// processes and platforms (unlike `hashValue`, which is seeded per process).
    public var ringPosition: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in rawValue.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// Where a member's membership socket listens: an IPv4/IPv6 literal and a UDP port.
///
/// The instance treats it as opaque; the shell turns it into a socket address.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
