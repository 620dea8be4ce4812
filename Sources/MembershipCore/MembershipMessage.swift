import QoSModel

/// A message of the membership protocol, as the instance sees it (the codec in
/// `MembershipMessage+Wire.swift` turns it into a frame and back).
///
/// Every message names its sender and the sender's current incarnation, so any message
/// refutes an older suspicion or death of its sender.
public struct MembershipMessage: Hashable, Sendable {
    public var sender: MemberID
    public var incarnation: UInt64
    public var body: Body

    /// The largest incarnation accepted from the wire or Discovery: 2^53. Incarnations start at
    /// the process's start time in milliseconds since the epoch (about 2^41) and grow by one per
    /// refutation, so a larger one can only come from a corrupted or forged frame; the bound
    /// also keeps `incarnation + 1` from overflowing.
    public static let maximumIncarnation: UInt64 = 1 << 53

    public init(sender: MemberID, incarnation: UInt64, body: Body) {
        self.sender = sender
        self.incarnation = incarnation
        self.body = body
    }

    public enum Body: Hashable, Sendable {
        /// "I am alive": sent every heartbeat interval to each of the sender's monitors.
        case heartbeat(sequence: UInt32, capacity: SpareCapacity)
        /// "Are you alive?": the receiver answers with ``ack(nonce:capacity:)``.
        case probe(nonce: UInt32)
        /// The answer to a ``probe(nonce:)``.
        case ack(nonce: UInt32, capacity: SpareCapacity)
        /// "Probe `target` for me": sent by a monitor that suspects `target` to a few other
        /// members, which answer with ``indirectAck(nonce:target:targetIncarnation:)`` if it acks.
        case probeRequest(nonce: UInt32, target: MemberID, targetAddress: PeerAddress)
        /// "`target` answered my probe at this incarnation": relayed to the requester.
        case indirectAck(nonce: UInt32, target: MemberID, targetIncarnation: UInt64)
        /// "I am alive at this (new) incarnation": a refutation, broadcast to every peer.
        case alive
        /// "`subject` at `subjectIncarnation` is dead": a declaration, broadcast to every peer.
        case dead(subject: MemberID, subjectIncarnation: UInt64)
        /// "I am leaving on purpose": sent to every peer on a clean shutdown.
        case leave
    }
}

extension SpareCapacity {
    /// Nothing to lend (or nothing known yet): what heartbeats carry before the first sample.
    public static let zero = SpareCapacity(cores: 0, memoryAvailableBytes: 0)
}
