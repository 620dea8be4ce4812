/// A node's identity in the coalition: 64 random bits, written as 16 lowercase hex digits.
///
/// It is chosen at random the first time `node join` runs and kept in its state directory
/// (or given with `--node-id`), published in the TXT record under `id`, and used to recognise
/// our own record when browsing.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses exactly 16 hex digits (either case); returns nil for anything else.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 16, hex.utf8.allSatisfy(\.isHexDigit),
            let value = UInt64(hex, radix: 16)
        else { return nil }
        self.rawValue = value
    }

    /// A fresh random identity.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> NodeID {
        NodeID(rawValue: generator.next())
    }

    /// A fresh identity from the system's random source.
    public static func random() -> NodeID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// 16 lowercase hex digits, zero-padded.
    public var description: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
