import MembershipCore

/// Everything the metrics endpoint and the live page show, taken at one moment: the status
/// document `node status --json` prints, and the counters and timings it does not carry.
public struct DaemonObservation: Sendable {
    /// What `node status --json` prints: this node, its peers, services, work, membership.
    public var status: StatusDocument
    /// Heartbeats, suspicions, refutations, deaths and detection times of the membership instance.
    public var membershipCounters: MembershipCounters
    /// Formation and rebuild times and service events by kind, of services requested here.
    public var serviceTimings: ServiceTimings
    /// Recent membership and service events, oldest first.
    public var events: [JournalEntry]

    public init(
        status: StatusDocument, membershipCounters: MembershipCounters, serviceTimings: ServiceTimings,
        events: [JournalEntry]
    ) {
        self.status = status
        self.membershipCounters = membershipCounters
        self.serviceTimings = serviceTimings
        self.events = events
    }
}
