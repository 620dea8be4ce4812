/// The identity of a coalition member: the `id` of its TXT record, 16 lowercase hex digits
/// (64 random bits, see Discovery's `NodeID`).
///
/// Validated as strictly as the TXT record validates it: anything read from the wire that is
/// not exactly 16 lowercase hex digits is not an id, so a mutated frame cannot invent one.
public struct MemberID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The length of every id, in bytes (ASCII hex digits).
    public static let byteCount = 16

    public let rawValue: String

    /// Returns nil for anything but exactly 16 lowercase hex digits.
    public init?(_ rawValue: String) {
        guard rawValue.utf8.count == Self.byteCount,
            rawValue.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
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

/// Where a member's membership socket listens: an IPv4 or IPv6 literal and a UDP port.
///
/// The instance treats it as opaque; the shell turns it into a socket address. Addresses read
/// from the wire go through ``init(validatingHost:port:)``.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Returns nil unless `host` is an IPv4 dotted quad or an IPv6 literal (RFC 4291 text form,
    /// no zone) and `port` is not 0: what a frame names as an address is checked before any
    /// datagram is sent there.
    public init?(validatingHost host: String, port: UInt16) {
        guard port != 0, IPLiteral.isIPv4(host[...]) || IPLiteral.isIPv6(host) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Pure checks of IP address literals (no resolver, no libc).
enum IPLiteral {
    /// Four decimal octets 0...255, no leading zeros, no sign.
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                part.utf8.count == 1 || part.utf8.first != 0x30, let value = Int(part)
            else { return false }
            return value <= 255
        }
    }

    /// Eight groups of 1...4 hex digits, one `::` standing for one or more zero groups, and an
    /// IPv4 dotted quad allowed as the last two groups.
    static func isIPv6(_ text: String) -> Bool {
        guard text.utf8.count <= 45, text.contains(":") else { return false }
        let halves = doubleColonHalves(text)
        guard halves.count <= 2 else { return false }
        func groups(_ half: String, isLast: Bool) -> Int? {
            if half.isEmpty { return 0 }
            var count = 0
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                if isLast, index == parts.count - 1, part.contains(".") {
                    guard isIPv4(part) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(part.utf8.count), part.allSatisfy(\.isHexDigit) else { return nil }
                    count += 1
                }
            }
            return count
        }
        if halves.count == 1 {
            return groups(halves[0], isLast: true) == 8
        }
        guard let head = groups(halves[0], isLast: false), let tail = groups(halves[1], isLast: true) else { return false }
        return head + tail <= 7
    }

    /// `text` split at every "::" (no Foundation in this target).
    private static func doubleColonHalves(_ text: String) -> [String] {
        var halves: [String] = []
        var current = ""
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == ":", next < text.endIndex, text[next] == ":" {
                halves.append(current)
                current = ""
                index = text.index(after: next)
            } else {
                current.append(text[index])
                index = next
            }
        }
        halves.append(current)
        return halves
    }
}
