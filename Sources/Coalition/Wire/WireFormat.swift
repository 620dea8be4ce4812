import Foundation
import MembershipCore

/// The frame layout shared by every Coalition message, on UDP and TCP alike (big-endian):
///
/// ```
/// offset size
///  0     2    magic 0xC0 0xA1
///  2     1    protocol version (1)
///  3     1    message type (WireMessageType, an append-only numbered list)
///  4     1    flags: bit 0 = authenticated (an auth trailer follows the body); others must be 0
///  5     4    body length in bytes (at most the type's maximumBodyLength)
///  9     n    body
///  9+n   32   auth trailer, only when flag bit 0 is set:
///             timestamp (UInt64, ms since the Unix epoch), nonce (UInt64),
///             tag = first 16 bytes of HMAC-SHA256(key, every preceding byte of the frame)
/// ```
///
/// A datagram holds exactly one frame. A TCP stream is a sequence of frames.
public enum WireFormat {
    public static let magic: UInt16 = 0xC0A1
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// The versions this build accepts (memberlist's min/max protocol versions).
    public static let acceptedVersions: ClosedRange<UInt8> = 1...1
    public static let headerLength = 9
    public static let authenticatedFlag: UInt8 = 0x01
    public static let timestampLength = 8
    public static let nonceLength = 8
    public static let tagLength = 16
    public static let trailerLength = timestampLength + nonceLength + tagLength

    /// The wall clock of the replay window: milliseconds since the Unix epoch.
    public static func nowMilliseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}

/// Why a frame was dropped. Each is counted; none is ever fatal.
public enum WireDropReason: String, Error, Hashable, Sendable, CaseIterable, Codable {
    /// Fewer bytes than a header, or than the header says.
    case truncated
    /// The first two bytes are not the magic.
    case badMagic
    /// A protocol version this build does not accept.
    case unsupportedVersion
    /// A type number this socket does not accept.
    case unknownType
    /// A body longer than its type's limit.
    case oversized
    /// Bytes left over after the frame in a datagram, or flags this version does not define.
    case malformedFrame
    /// The body does not parse as its type says (short field, bad UTF-8, bad count).
    case malformedBody
    /// A coalition key is configured and the frame carries no tag.
    case missingTag
    /// The tag does not match the frame (wrong key, or altered bytes).
    case badTag
    /// The frame carries a tag but no coalition key is configured here.
    case unexpectedTag
    /// The timestamp is outside the replay window.
    case staleTimestamp
    /// The same timestamp and nonce were seen within the replay window.
    case replayed
    /// The replay memory is full of frames still inside the window (``ReplayGuard``): the frame
    /// is refused rather than another forgotten.
    case replayMemoryFull
    /// Membership admission refused it (`MembershipRefusal`): the sender is no member. On the
    /// query port: the request's sender is not a live (alive or suspect) member.
    case unknownSender
    /// Membership admission refused it: a member's id from another address than its own. On the
    /// query port: a request in a member's name from another address than the member's.
    case unexpectedAddress
    /// Membership admission refused it: the member table is at its bound.
    case memberTableFull
}

extension WireDropReason {
    /// Admission's refusals are counted beside the codec's drops, under the same names.
    public init(_ refusal: MembershipRefusal) {
        switch refusal {
        case .unknownSender: self = .unknownSender
        case .unexpectedAddress: self = .unexpectedAddress
        case .memberTableFull: self = .memberTableFull
        }
    }
}

/// Per-reason counts of dropped frames.
public struct WireDropCounts: Hashable, Sendable {
    public private(set) var counts: [WireDropReason: Int] = [:]

    public init() {}

    public mutating func record(_ reason: WireDropReason) { counts[reason, default: 0] += 1 }

    public subscript(reason: WireDropReason) -> Int { counts[reason] ?? 0 }

    public var total: Int { counts.values.reduce(0, +) }
}
