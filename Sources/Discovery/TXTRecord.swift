/// The TXT record of a `_coalition._udp` service, per RFC 6763 section 6: `key=value`
/// strings, `txtvers` first, short keys, the whole record well under 400 bytes.
///
/// | key | meaning | range |
/// |---|---|---|
/// | `txtvers` | version of this TXT layout | exactly 1 |
/// | `pv` | protocol version | 1...255 |
/// | `id` | node id | 16 hex digits |
/// | `inc` | incarnation | UInt64 |
/// | `n` | name | 1...63 bytes UTF-8, no control characters |
/// | `c` | cores | 1...1024 |
/// | `m` | memory, MiB | 1...16777216 (16 TiB) |
/// | `p` | profile id | 1...64 of `[A-Za-z0-9._-]` |
/// | `hb`, `q` | heartbeat and query ports | 1...65535 |
///
/// Keys are matched case-insensitively; the first occurrence of a key wins (RFC 6763 6.4);
/// unknown keys are ignored so later versions can add some. Pure code: no I/O.
public enum TXTRecord {
    /// The only `txtvers` this build understands.
    public static let version = 1
    /// The largest memory a node may announce: 16 TiB, in MiB.
    public static let maximumMemoryMiB = 16 * 1024 * 1024
    /// The most cores a node may announce.
    public static let maximumCores = 1024
    /// The longest name, in UTF-8 bytes (a DNS label).
    public static let maximumNameBytes = 63
    /// The longest profile id, in bytes.
    public static let maximumProfileBytes = 64
    /// The largest record this build accepts or produces, in wire bytes (RFC 6763 6.2 advises
    /// staying under 400 bytes to fit one packet beside the other records).
    public static let maximumWireBytes = 400

    /// The strings to publish, `txtvers=1` first. Validates first, so a node never announces
    /// what its peers would reject.
    public static func encode(_ announcement: Announcement) throws(TXTRecordError) -> [String] {
        try validate(announcement)
        let entries = [
            "txtvers=\(version)",
            "pv=\(announcement.protocolVersion)",
            "id=\(announcement.nodeID)",
            "inc=\(announcement.incarnation)",
            "n=\(announcement.name)",
            "c=\(announcement.cores)",
            "m=\(announcement.memoryMiB)",
            "p=\(announcement.profileID)",
            "hb=\(announcement.heartbeatPort)",
            "q=\(announcement.queryPort)",
        ]
        let size = wireSize(entries.map { Array($0.utf8) })
        guard size <= maximumWireBytes else {
            throw TXTRecordError(.tooLarge, key: nil, reason: "record is \(size) bytes, the limit is \(maximumWireBytes)")
        }
        return entries
    }

    /// Reads an announcement from the record's strings (each one `key=value` as raw bytes).
    public static func decode(_ entries: [[UInt8]]) throws(TXTRecordError) -> Announcement {
        let size = wireSize(entries)
        guard size <= maximumWireBytes else {
            throw TXTRecordError(.tooLarge, key: nil, reason: "record is \(size) bytes, the limit is \(maximumWireBytes)")
        }
        var fields: [String: [UInt8]?] = [:]
        for entry in entries where !entry.isEmpty {
            guard entry.count <= 255 else {
                throw TXTRecordError(.malformed, key: nil, reason: "a string is \(entry.count) bytes, longer than 255")
            }
            let equals = entry.firstIndex(of: UInt8(ascii: "="))
            let keyBytes = entry[..<(equals ?? entry.endIndex)]
            guard !keyBytes.isEmpty, keyBytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }),
                let key = String(validating: keyBytes, as: UTF8.self)?.lowercased()
            else {
                throw TXTRecordError(.malformed, key: nil, reason: "a string has an empty or non-printable key")
            }
            if fields[key] != nil { continue }  // RFC 6763 6.4: the first occurrence wins
            fields[key] = equals.map { Array(entry[entry.index(after: $0)...]) } ?? .some(nil)
        }

        let reader = FieldReader(fields: fields)
        let txtvers = try reader.integer("txtvers", in: 0...Int(UInt16.max), missing: .missingTXTVers)
        guard txtvers == version else {
            throw TXTRecordError(.unknownTXTVers, key: "txtvers", reason: "txtvers \(txtvers) is unknown (this node reads txtvers \(version))")
        }
        let announcement = Announcement(
            protocolVersion: try reader.integer("pv", in: 1...255),
            nodeID: try reader.nodeID("id"),
            incarnation: try reader.unsigned("inc"),
            name: try reader.text("n", maximumBytes: maximumNameBytes, allowed: { $0 >= 0x20 && $0 != 0x7F }),
            cores: try reader.integer("c", in: 1...maximumCores),
            memoryMiB: try reader.integer("m", in: 1...maximumMemoryMiB),
            profileID: try reader.text("p", maximumBytes: maximumProfileBytes, allowed: isProfileByte),
            heartbeatPort: try reader.integer("hb", in: 1...65535),
            queryPort: try reader.integer("q", in: 1...65535)
        )
        return announcement
    }

    /// Checks every field against its range; throws the first violation.
    public static func validate(_ a: Announcement) throws(TXTRecordError) {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws(TXTRecordError) {
            if !ok { throw TXTRecordError(.outOfRange, key: key, reason: reason) }
        }
        try check((1...255).contains(a.protocolVersion), "pv", "protocol version \(a.protocolVersion) is not in 1...255")
        try check(!a.name.isEmpty && a.name.utf8.count <= maximumNameBytes
                  && a.name.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F },
                  "n", "name must be 1...\(maximumNameBytes) bytes without control characters")
        try check((1...maximumCores).contains(a.cores), "c", "cores \(a.cores) is not in 1...\(maximumCores)")
        try check((1...maximumMemoryMiB).contains(a.memoryMiB), "m", "memory \(a.memoryMiB) MiB is not in 1...\(maximumMemoryMiB)")
        try check(!a.profileID.isEmpty && a.profileID.utf8.count <= maximumProfileBytes
                  && a.profileID.utf8.allSatisfy(isProfileByte),
                  "p", "profile id must be 1...\(maximumProfileBytes) of [A-Za-z0-9._-]")
        try check((1...65535).contains(a.heartbeatPort), "hb", "heartbeat port \(a.heartbeatPort) is not in 1...65535")
        try check((1...65535).contains(a.queryPort), "q", "query port \(a.queryPort) is not in 1...65535")
    }

    /// The record's size on the wire: one length byte per string plus its bytes.
    public static func wireSize(_ entries: [[UInt8]]) -> Int {
        entries.reduce(0) { $0 + 1 + $1.count }
    }

    static func isProfileByte(_ byte: UInt8) -> Bool {
        byte.isHexDigit || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}

/// Reads typed fields out of the decoded key/value map, naming the key in every error.
private struct FieldReader {
    let fields: [String: [UInt8]?]

    func raw(_ key: String, missing: TXTRecordError.Code = .missingKey) throws(TXTRecordError) -> [UInt8] {
        guard let present = fields[key] else {
            throw TXTRecordError(missing, key: key, reason: "key \(key) is missing")
        }
        guard let value = present else {
            throw TXTRecordError(.malformed, key: key, reason: "key \(key) has no value")
        }
        return value
    }

    func digits(_ key: String, missing: TXTRecordError.Code = .missingKey) throws(TXTRecordError) -> String {
        let value = try raw(key, missing: missing)
        guard !value.isEmpty, value.count <= 20,
            value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw TXTRecordError(.malformed, key: key, reason: "key \(key) is not a decimal number: \(printable(value))")
        }
        return String(decoding: value, as: UTF8.self)
    }

    func integer(_ key: String, in range: ClosedRange<Int>, missing: TXTRecordError.Code = .missingKey) throws(TXTRecordError) -> Int {
        let text = try digits(key, missing: missing)
        guard let number = Int(text), range.contains(number) else {
            throw TXTRecordError(.outOfRange, key: key, reason: "key \(key) is \(text), not in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func unsigned(_ key: String) throws(TXTRecordError) -> UInt64 {
        let text = try digits(key)
        guard let number = UInt64(text) else {
            throw TXTRecordError(.outOfRange, key: key, reason: "key \(key) is \(text), larger than 64 bits")
        }
        return number
    }

    func nodeID(_ key: String) throws(TXTRecordError) -> NodeID {
        let value = try raw(key)
        guard let id = NodeID(hex: String(decoding: value, as: UTF8.self)), value.count == 16 else {
            throw TXTRecordError(.malformed, key: key, reason: "key \(key) is not 16 hex digits: \(printable(value))")
        }
        return id
    }

    func text(_ key: String, maximumBytes: Int, allowed: (UInt8) -> Bool) throws(TXTRecordError) -> String {
        let value = try raw(key)
        guard !value.isEmpty, value.count <= maximumBytes else {
            throw TXTRecordError(.outOfRange, key: key, reason: "key \(key) is \(value.count) bytes, not in 1...\(maximumBytes)")
        }
        guard let text = String(validating: value, as: UTF8.self), value.allSatisfy(allowed) else {
            throw TXTRecordError(.malformed, key: key, reason: "key \(key) has invalid characters: \(printable(value))")
        }
        return text
    }
}

/// A short, safe rendering of untrusted bytes for a log line.
func printable(_ bytes: [UInt8]) -> String {
    let shown = bytes.prefix(32).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "?" }.joined()
    return "\"" + shown + (bytes.count > 32 ? "...\"" : "\"")
}

/// Why a TXT record was refused. The `code` is for programs, the `description` for people.
public struct TXTRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem. New codes may be added; do not switch exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// A string that is not `key=value`, or a value that does not parse.
        public static let malformed = Code(name: "malformed")
        /// No `txtvers` key at all.
        public static let missingTXTVers = Code(name: "missing-txtvers")
        /// A `txtvers` other than the one this build reads.
        public static let unknownTXTVers = Code(name: "unknown-txtvers")
        /// A required key is absent.
        public static let missingKey = Code(name: "missing-key")
        /// A value parses but is absurd (cores 0, memory beyond 16 TiB, port 0, ...).
        public static let outOfRange = Code(name: "out-of-range")
        /// The whole record is larger than `TXTRecord.maximumWireBytes`.
        public static let tooLarge = Code(name: "too-large")
        /// A valid record announcing a protocol version (`pv`) this build does not speak: its
        /// node is not admitted (``PeerTable``), rather than admitted and then unable to talk.
        public static let unsupportedProtocolVersion = Code(name: "unsupported-pv")
    }

    public let code: Code
    /// The key at fault, when one is.
    public let key: String?
    /// A sentence naming the key and the reason.
    public let reason: String

    public init(_ code: Code, key: String?, reason: String) {
        self.code = code
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
