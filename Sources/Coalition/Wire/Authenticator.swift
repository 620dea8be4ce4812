import Crypto
import Foundation

/// The coalition key and what it does: tags frames with HMAC-SHA256 (truncated to 128 bits,
/// as RFC 4868 allows) and checks tags, in constant time.
///
/// A member without the key cannot make a frame the others accept, so a device that merely
/// answers mDNS cannot join or poison the coalition. Replays are refused by ``ReplayGuard``.
public struct WireAuthenticator: Sendable {
    /// The shortest key file accepted, in bytes.
    public static let minimumKeyLength = 16

    private let key: [UInt8]  // SymmetricKey is not Sendable; it is rebuilt per use

    /// A key of at least ``minimumKeyLength`` bytes.
    public init(key bytes: some Sequence<UInt8>) throws(WireKeyError) {
        let bytes = Array(bytes)
        guard bytes.count >= Self.minimumKeyLength else {
            throw WireKeyError(path: nil, reason: "the key has \(bytes.count) bytes; at least \(Self.minimumKeyLength) are needed")
        }
        key = bytes
    }

    /// Reads the key from a file (`--key-file`): its bytes, without a trailing newline.
    /// Generate one with `head -c 32 /dev/urandom | base64 > coalition.key`.
    public init(keyFile path: String) throws(WireKeyError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WireKeyError(path: path, reason: "the file cannot be read (missing, or no permission)")
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        do {
            try self.init(key: bytes)
        } catch {
            throw WireKeyError(path: path, reason: error.reason)
        }
    }

    /// The tag of `bytes` (the frame up to and including timestamp and nonce).
    public func tag(of bytes: some DataProtocol) -> [UInt8] {
        let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))
        return Array(Array(code).prefix(WireFormat.tagLength))
    }

    /// Whether `tag` is the tag of `bytes`, compared in constant time.
    public func verify(tag candidate: some Collection<UInt8>, of bytes: some DataProtocol) -> Bool {
        let expected = tag(of: bytes)
        guard candidate.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, candidate) { difference |= a ^ b }
        return difference == 0
    }
}

/// A key that cannot be used, naming the file and the reason.
public struct WireKeyError: Error, CustomStringConvertible, Sendable {
    public var path: String?
    public var reason: String
    public var description: String {
        if let path { "coalition key file \(path): \(reason)" } else { "coalition key: \(reason)" }
    }
}

/// Refuses a tagged frame whose timestamp is outside ±`window` of our clock, or whose
/// (timestamp, nonce) was already seen within the window. Memory is bounded by `capacity`;
/// when full, the oldest entries go first (a replay older than them is still refused by the
/// timestamp check once the window has passed them).
public struct ReplayGuard: Sendable {
    public let window: Duration
    public let capacity: Int
    private var seen: Set<Entry> = []
    private var order: [Entry] = []
    private var head = 0

    private struct Entry: Hashable, Sendable {
        var timestamp: UInt64
        var nonce: UInt64
    }

    /// - Parameters:
    ///   - window: how far a sender's clock may be from ours. Default 5 s.
    ///   - capacity: how many recent frames are remembered. Default 16 384 (about 4 minutes of
    ///     membership traffic; far more than the window holds).
    public init(window: Duration = .seconds(5), capacity: Int = 16_384) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// Checks and remembers a frame; nil if acceptable, else why not.
    public mutating func admit(timestamp: UInt64, nonce: UInt64, nowMilliseconds: UInt64) -> WireDropReason? {
        let windowMilliseconds = UInt64(max(0, window.nanoseconds / 1_000_000))
        let distance = timestamp > nowMilliseconds ? timestamp - nowMilliseconds : nowMilliseconds - timestamp
        guard distance <= windowMilliseconds else { return .staleTimestamp }
        let entry = Entry(timestamp: timestamp, nonce: nonce)
        guard !seen.contains(entry) else { return .replayed }
        // Drop entries that left the window, then the oldest if still full.
        while head < order.count, order[head].timestamp &+ windowMilliseconds < nowMilliseconds || order.count - head >= capacity {
            seen.remove(order[head])
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        seen.insert(entry)
        order.append(entry)
        return nil
    }
}
