import Crypto
import Foundation
import Synchronization

/// The coalition keys and what they do: tags frames with HMAC-SHA256 (truncated to 128 bits,
/// as RFC 4868 allows) under the current key, and checks tags against every accepted key (the
/// current one and, during a rotation, the previous one), in constant time.
///
/// A member without a key cannot make a frame the others accept, so a device that merely
/// answers mDNS cannot join or poison the coalition. Replays are refused by ``ReplayGuard``.
public struct WireAuthenticator: Sendable {
    /// The shortest key accepted, in bytes (``CoalitionKeyFile/minimumKeyLength``).
    public static let minimumKeyLength = CoalitionKeyFile.minimumKeyLength

    /// The keys, current first. SymmetricKey is not Sendable; it is rebuilt per use.
    public let keys: CoalitionKeys

    /// One key of at least ``minimumKeyLength`` bytes, both current and the only one accepted.
    public init(key bytes: some Sequence<UInt8>) throws(WireKeyError) {
        try self.init(keys: CoalitionKeys(current: Array(bytes)))
    }

    /// A current key and optionally a previous one, each of at least ``minimumKeyLength`` bytes.
    public init(keys: CoalitionKeys) throws(WireKeyError) {
        for key in keys.accepted where key.count < Self.minimumKeyLength {
            throw WireKeyError(path: nil, reason: "the key has \(key.count) bytes; at least \(Self.minimumKeyLength) are needed")
        }
        self.keys = keys
    }

    /// Reads the keys from a file (`--key-file`) in the format of ``CoalitionKeyFile``.
    /// Make one with `node keygen FILE`.
    public init(keyFile path: String) throws(WireKeyError) {
        try self.init(keys: CoalitionKeyFile.load(path: path))
    }

    /// How many keys a frame is accepted under: 1, or 2 during a rotation.
    public var acceptedKeyCount: Int { keys.accepted.count }

    /// Short names of the keys, current first, to compare boards without showing a key: the
    /// first 4 bytes of each key's SHA-256, in hex (e.g. `3fa2c901`).
    public var fingerprints: [String] { keys.accepted.map(Self.fingerprint) }

    /// The fingerprint of one key (see ``fingerprints``).
    public static func fingerprint(of key: [UInt8]) -> String {
        SHA256.hash(data: key).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The tag of `bytes` (the frame up to and including timestamp and nonce) under the current key.
    public func tag(of bytes: some DataProtocol) -> [UInt8] {
        Self.tag(of: bytes, key: keys.current)
    }

    /// Whether `tag` is the tag of `bytes` under any accepted key. Every key is tried and every
    /// byte compared whatever matched, so the time taken says nothing about the tag or the key.
    public func verify(tag candidate: some Collection<UInt8>, of bytes: some DataProtocol) -> Bool {
        let candidate = Array(candidate)
        var matches: UInt8 = 0
        for key in keys.accepted {
            let expected = Self.tag(of: bytes, key: key)
            var difference: UInt8 = candidate.count == expected.count ? 0 : 1
            for (a, b) in zip(expected, candidate) { difference |= a ^ b }
            matches |= difference == 0 ? 1 : 0
        }
        return matches != 0
    }

    private static func tag(of bytes: some DataProtocol, key: [UInt8]) -> [UInt8] {
        let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))
        return Array(Array(code).prefix(WireFormat.tagLength))
    }
}

/// A key that cannot be used, naming the file, the line and the reason.
public struct WireKeyError: Error, CustomStringConvertible, Sendable {
    public var path: String?
    /// The 1-based line of the file the problem is on, when it is on one.
    public var line: Int?
    public var reason: String

    public init(path: String?, line: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String {
        switch (path, line) {
        case let (path?, line?): "coalition key file \(path), line \(line): \(reason)"
        case let (path?, nil): "coalition key file \(path): \(reason)"
        case let (nil, line?): "coalition key, line \(line): \(reason)"
        case (nil, nil): "coalition key: \(reason)"
        }
    }
}

/// Refuses a tagged frame whose timestamp is outside ±`window` of our clock, or whose
/// (timestamp, nonce) was already seen within the window. Pure: the clock is passed in.
///
/// Memory is bounded by `capacity`, and an entry leaves it only once its timestamp has left the
/// window (at most 2 × `window` after it was accepted), never to make room: a memory full of
/// frames still inside the window refuses the next frame (`replayMemoryFull`) instead of
/// forgetting one, so nobody can flush it with a burst of fresh frames and then replay a
/// forgotten one. The default bound (16 384 in any 10 s, about 1 600 frames a second) is far
/// above what a board receives; only a key holder can fill it (a frame is remembered only once
/// its tag verified).
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
    ///   - capacity: how many frames accepted within the window are remembered. Default 16 384
    ///     (about 1 600 frames a second; a board receives a few dozen).
    public init(window: Duration = .seconds(5), capacity: Int = 16_384) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// How many frames are remembered now.
    public var count: Int { seen.count }

    /// Checks and remembers a frame; nil if acceptable, else why not.
    public mutating func admit(timestamp: UInt64, nonce: UInt64, nowMilliseconds: UInt64) -> WireDropReason? {
        let windowMilliseconds = UInt64(max(0, window.nanoseconds / 1_000_000))
        let distance = timestamp > nowMilliseconds ? timestamp - nowMilliseconds : nowMilliseconds - timestamp
        guard distance <= windowMilliseconds else { return .staleTimestamp }
        let entry = Entry(timestamp: timestamp, nonce: nonce)
        guard !seen.contains(entry) else { return .replayed }
        forgetExpired(nowMilliseconds: nowMilliseconds, windowMilliseconds: windowMilliseconds)
        guard seen.count < capacity else { return .replayMemoryFull }
        seen.insert(entry)
        order.append(entry)
        return nil
    }

    /// Forgets the entries whose timestamp left the window: a replay of them is refused by the
    /// timestamp check from now on. Entries leave in the order they came; one still inside the
    /// window holds back those after it, which are at most 2 × `window` old.
    private mutating func forgetExpired(nowMilliseconds: UInt64, windowMilliseconds: UInt64) {
        while head < order.count, order[head].timestamp &+ windowMilliseconds < nowMilliseconds {
            seen.remove(order[head])
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

/// One ``ReplayGuard`` shared by every connection of a listener (or a client), so a frame
/// captured on one TCP connection is refused on every other one within the window, not only on
/// its own. Thread-safe: connections decode on several event loops.
public final class SharedReplayGuard: Sendable {
    private let memory: Mutex<ReplayGuard>

    /// - Parameter replayGuard: the window and the bound (default ``ReplayGuard/init(window:capacity:)``'s).
    public init(_ replayGuard: ReplayGuard = ReplayGuard()) {
        memory = Mutex(replayGuard)
    }

    /// The window and bound in force.
    public var window: Duration { memory.withLock { $0.window } }
    public var capacity: Int { memory.withLock { $0.capacity } }
    /// How many frames are remembered now.
    public var count: Int { memory.withLock { $0.count } }

    /// ``ReplayGuard/admit(timestamp:nonce:nowMilliseconds:)`` under the lock.
    public func admit(timestamp: UInt64, nonce: UInt64, nowMilliseconds: UInt64) -> WireDropReason? {
        memory.withLock { $0.admit(timestamp: timestamp, nonce: nonce, nowMilliseconds: nowMilliseconds) }
    }
}
