/// What the membership instance did since it started, for the metrics endpoint: counted by the
/// pure instance as it decides, read by the shell (``MembershipInstance/counters``).
public struct MembershipCounters: Hashable, Sendable {
    /// Heartbeats sent (one per monitor per tick, plus those to members that asked for them).
    public var heartbeatsSent = 0
    /// Heartbeats received from admitted members (duplicates and reordered ones included).
    public var heartbeatsReceived = 0
    /// Members we began to suspect (silent beyond their bound).
    public var suspicions = 0
    /// Suspicions cleared because the member answered (directly or through a relay).
    public var suspicionsRefuted = 0
    /// Members we declared dead ourselves (no answer to probes within the confirmation timeout).
    public var deathsDeclared = 0
    /// Deaths we accepted from another member's declaration.
    public var deathsLearned = 0
    /// Times we refuted a declaration of our own death (raising our incarnation).
    public var refutations = 0
    /// From the last message heard of a member to our declaring it dead, in seconds: the
    /// failure-detection time as this member saw it.
    public var detection = DurationHistogram(bounds: DurationHistogram.subsecond)

    public init() {}
}
