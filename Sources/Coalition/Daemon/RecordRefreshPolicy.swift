import MembershipCore

/// When a member's DNS-SD record is resolved again because of what membership saw: the pure
/// core of the daemon's `RecordRefresher`. Membership events and `now` in; which members to
/// resolve, and when, out.
///
/// Discovery resolves each peer once and watches no records, so two events call for a fresh
/// look, and each is asked of every host in the coalition at once. Resolving at all of them in
/// the same instant makes N hosts multicast N queries that all N Avahi daemons answer and cache:
/// at 100 lab hosts on two cores, that burst after every death and rejoin starved the daemons,
/// and the late heartbeats it caused were declared deaths that caused more bursts. So:
/// - **A death** may mean the member moved (a new address): it is resolved again only if it
///   stays dead for ``Configuration/deadDelay`` plus a random part of
///   ``Configuration/deadJitter``. A member back before then (a healed link, a resumed
///   process; membership keeps probing its known address) costs no query at all, and the
///   hosts that do resolve are spread over the jitter, so the first answer, multicast, fills
///   the other hosts' Avahi caches.
/// - **A member back, or alive at a new incarnation** (a restart quicker than its death was
///   seen), means a restart only when the incarnation jumped: a live member refuting a death
///   raises it by one, a restarted one starts at its start time in milliseconds. Only a restart
///   can have changed the record (ports, profile), so only then is it resolved again, 3-5 s
///   later, once the new process has published it.
public struct RecordRefreshPolicy: Sendable {
    /// Delays and bounds, with their defaults.
    public struct Configuration: Hashable, Sendable {
        /// How long a member must stay dead before its record is resolved again. Default 10 s:
        /// ten of membership's probes of its known address (one a second) went unanswered.
        public var deadDelay: Duration = .seconds(10)
        /// The most random extra delay on top of ``deadDelay``, drawn per death. Default 10 s,
        /// which spreads 100 hosts' queries about 100 ms apart.
        public var deadJitter: Duration = .seconds(10)
        /// A rejoin whose incarnation is at most this far above the one the member had when it
        /// died or left is the same process refuting (each refutation adds one); further above,
        /// it restarted (a start incarnation is the start time in milliseconds, so a restart a
        /// second after the previous start is already 1000 above it). Default 1000.
        public var refutationAllowance: UInt64 = 1000
        /// How long after a restart was seen its record is resolved again. Default 3 s: a
        /// restarted node's heartbeats come before its record (Discovery starts last, and Avahi
        /// probes a name for 750 ms before it announces it); resolved at once, the answer is the
        /// old record, still in the cache.
        public var restartDelay: Duration = .seconds(3)
        /// The most random extra delay on top of ``restartDelay``. Default 2 s.
        public var restartJitter: Duration = .seconds(2)
        /// The most members remembered at once (their last incarnation, and whether a
        /// resolution is due); beyond it the one heard of longest ago is forgotten (its rejoin
        /// is then taken for a restart). Default 1024, membership's own table bound.
        public var maximumTracked: Int = 1024

        public init() {}
    }

    /// What an event changed.
    public enum Decision: Hashable, Sendable {
        /// No resolution for this event (a death's comes later: see ``due(at:)``).
        case none
        /// The member restarted: its record is resolved again at this time, once the new
        /// process has had time to publish it (``due(at:)`` hands it out then).
        case restarted(resolveAt: ContinuousClock.Instant)
    }

    /// What the policy remembers of a member.
    private struct Entry: Sendable {
        /// Its incarnation in the last event about it.
        var incarnation: UInt64
        /// When its record is to be resolved again (it stayed dead, or restarted); nil if not.
        var resolveDue: ContinuousClock.Instant?
        /// Whether it is dead or gone in our view: its coming back cancels a death's resolution.
        var isAbsent = false
        /// When it was last heard of in an event, for forgetting the oldest beyond the bound.
        var since: ContinuousClock.Instant
    }

    public let configuration: Configuration
    private var members: [MemberID: Entry] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// How many members are remembered.
    public var trackedCount: Int { members.count }

    /// MUST be called with every membership event, in order. `random` draws the jitter.
    public mutating func observe(
        _ event: MembershipEvent, at now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator
    ) -> Decision {
        let previous = members[event.member]
        if previous == nil, members.count >= configuration.maximumTracked,
            let oldest = members.min(by: { $0.value.since < $1.value.since })?.key
        {
            members[oldest] = nil
        }
        var entry = previous ?? Entry(incarnation: event.incarnation, since: now)
        entry.since = now
        defer { members[event.member] = entry }
        switch event.kind {
        case .dead:
            entry.incarnation = event.incarnation
            entry.isAbsent = true
            entry.resolveDue = now + configuration.deadDelay + Self.jitter(up: configuration.deadJitter, using: &random)
            return .none
        case .left:
            entry.incarnation = event.incarnation
            entry.isAbsent = true
            entry.resolveDue = nil
            return .none
        case .rejoined, .alive:
            // Back: a death's pending resolution is moot (a restart's still stands).
            if entry.isAbsent { entry.resolveDue = nil }
            entry.isAbsent = false
            let restarted: Bool
            if let previous {
                entry.incarnation = max(previous.incarnation, event.incarnation)
                let jump = event.incarnation >= previous.incarnation ? event.incarnation - previous.incarnation : 0
                restarted = jump > configuration.refutationAllowance
            } else {
                // A member back that we never heard of (forgotten beyond the bound): a restart
                // cannot be ruled out. One merely learned is resolved already.
                restarted = event.kind == .rejoined
            }
            guard restarted else { return .none }
            let at = now + configuration.restartDelay + Self.jitter(up: configuration.restartJitter, using: &random)
            entry.resolveDue = at
            return .restarted(resolveAt: at)
        case .suspect:
            return .none
        }
    }

    private static func jitter(up maximum: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        maximum > .zero ? .nanoseconds(Int64.random(in: 0...maximum.nanoseconds, using: &random)) : .zero
    }

    /// The members whose record is due to be resolved again at `now` (each once per death or
    /// restart).
    public mutating func due(at now: ContinuousClock.Instant) -> [MemberID] {
        var due: [MemberID] = []
        for (member, entry) in members {
            guard let at = entry.resolveDue, at <= now else { continue }
            members[member]?.resolveDue = nil
            due.append(member)
        }
        return due.sorted()
    }
}

