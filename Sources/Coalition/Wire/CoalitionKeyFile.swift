import Foundation

/// The keys a coalition accepts, as `--key-file` holds them: the current key, which every
/// frame is tagged under, and optionally the previous one, still accepted while boards are
/// re-keyed one at a time (see the README's "Rotating the coalition key").
public struct CoalitionKeys: Sendable, Equatable {
    /// The key frames are tagged under; at least ``CoalitionKeyFile/minimumKeyLength`` bytes.
    public var current: [UInt8]
    /// A key still accepted (the one being retired, or the one being introduced); nil when the
    /// file holds one key.
    public var previous: [UInt8]?

    /// Every key a frame may be tagged under, current first.
    public var accepted: [[UInt8]] { [current] + (previous.map { [$0] } ?? []) }

    public init(current: [UInt8], previous: [UInt8]? = nil) {
        self.current = current
        self.previous = previous
    }
}

/// The key file's format, and reading it.
///
/// A text file of at most two keys, one per line, the first the current key and the second the
/// previous one:
///
///     # coalition key (node keygen); first line: current, second: previous
///     zV3m2bH0bE2E8mN1c0n5y6xv9k3XfYwqk0gq2y6m1mA=
///     J1pQ6b3o5S8n1l6Tq0jz4p9g8a7r2w5e3u1i0o9y8tA=
///
/// - A key is the exact bytes of its line (`node keygen` writes 44 characters of base64, 256
///   random bits); it is not decoded, so a file of one line without or with a newline, as
///   earlier versions read it, holds the same key.
/// - Lines end with LF; a CR before it is dropped (CRLF files from Windows editors work).
/// - Empty lines, lines of only spaces or tabs, and lines starting with `#` are skipped.
/// - Every rejection names the file and the line: a key shorter than ``minimumKeyLength`` bytes,
///   a key beginning or ending with a space or tab, a third key, or no key at all.
public enum CoalitionKeyFile {
    /// The shortest key accepted, in bytes. 16.
    public static let minimumKeyLength = 16
    /// The most keys a file may hold: the current one and the previous one.
    public static let maximumKeys = 2
    /// The random bytes behind a key `node keygen` makes. 32 (256 bits).
    public static let generatedKeyBytes = 32

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(WireKeyError) -> CoalitionKeys {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WireKeyError(path: path, reason: "the file cannot be read (missing, or no permission)")
        }
        return try parse(Array(data), path: path)
    }

    /// Parses the contents of a key file; `path` only names it in errors.
    public static func parse(_ contents: [UInt8], path: String) throws(WireKeyError) -> CoalitionKeys {
        var keys: [[UInt8]] = []
        for (index, rawLine) in contents.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Array(rawLine)
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) || line.first == UInt8(ascii: "#") { continue }
            if isBlank(line.first) || isBlank(line.last) {
                throw WireKeyError(
                    path: path, line: number,
                    reason: "the key begins or ends with a space or tab; a key is its line's exact bytes, so remove them")
            }
            guard line.count >= minimumKeyLength else {
                throw WireKeyError(
                    path: path, line: number,
                    reason: "the key has \(line.count) bytes; at least \(minimumKeyLength) are needed (make one with `node keygen`)")
            }
            guard keys.count < maximumKeys else {
                throw WireKeyError(
                    path: path, line: number,
                    reason: "a third key; the file holds at most two (first line: the current key, second: the previous one)")
            }
            keys.append(line)
        }
        guard let current = keys.first else {
            throw WireKeyError(path: path, reason: "the file holds no key (make one with `node keygen \(path)`)")
        }
        return CoalitionKeys(current: current, previous: keys.count > 1 ? keys[1] : nil)
    }

    /// A new key line: ``generatedKeyBytes`` bytes from the system's cryptographically secure
    /// generator (`getrandom` on Linux), in base64, followed by a newline.
    public static func generateLine() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<generatedKeyBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString() + "\n"
    }

    private static func isBlank(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 }
}
