import QoSModel

/// Everything one member knows about one peer.
struct PeerRecord: Hashable, Sendable {
    var id: MemberID
    var address: PeerAddress
    var incarnation: UInt64
    var state: MemberState = .alive
    var stateSince: MembershipInstant
    /// Last time any message from it arrived.
    var lastHeard: MembershipInstant?
    /// Last heartbeat (to us) and its sequence number.
    var lastHeartbeat: MembershipInstant?
    var lastSequence: UInt32?
    var interArrival: InterArrivalEstimator
    /// Since when we watch it (nil when it is not one of our subjects).
    var watchedSince: MembershipInstant?
    var capacity: SpareCapacity?
    /// Whether Discovery currently announces it.
    var announced = false
    /// When we next ask it, while dead in our view, whether it is back.
    var nextDeadProbe: MembershipInstant?
    /// When we last told it that it is dead in our view (rate limit).
    var lastDeadNotice: MembershipInstant?

    init(id: MemberID, address: PeerAddress, incarnation: UInt64, now: MembershipInstant, window: Int) {
        self.id = id
        self.address = address
        self.incarnation = incarnation
        self.stateSince = now
        self.interArrival = InterArrivalEstimator(window: window)
    }

    var isLive: Bool { state == .alive || state == .suspect }
}
