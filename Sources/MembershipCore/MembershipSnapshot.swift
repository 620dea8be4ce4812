import QoSModel

/// One member's view of the coalition at an instant, for `node status`.
public struct MembershipSnapshot: Hashable, Sendable {
    public var member: MemberID
    public var incarnation: UInt64
    /// Our local-health score: 0 when our ticks have run on time lately; each late tick raises it
    /// (see `LocalHealth`). A diagnostic: the detector credits late ticks' lateness instead.
    public var healthScore: Int
    /// The members we send heartbeats to.
    public var monitors: [MemberID]
    /// The members we watch.
    public var subjects: [MemberID]
    public var peers: [PeerStatus]

    public struct PeerStatus: Hashable, Sendable {
        public var member: MemberID
        public var address: PeerAddress
        public var state: MemberState
        public var incarnation: UInt64
        /// Time since any message from it arrived; nil if never.
        public var lastHeard: Duration?
        /// Time in its current state.
        public var inStateFor: Duration
        /// Its spare capacity from its last heartbeat or ack; nil if none reached us.
        public var capacity: SpareCapacity?
        /// Whether we watch it (it is one of our subjects).
        public var watched: Bool
        /// The silence after which we would suspect it, when watched.
        public var suspicionTimeout: Duration?
    }
}
