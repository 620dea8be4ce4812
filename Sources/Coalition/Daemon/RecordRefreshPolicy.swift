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
/// - **A rejoin** (back at a higher incarnation) means a restart only when the incarnation
///   jumped: a live member refuting a death raises it by one, a restarted one starts at its
///   start time in milliseconds. Only a restart can have changed the record (ports, profile),
///   so only then is it resolved again, at once.
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
        /// The most members remembered as dead or gone at once; beyond it the oldest is
        /// forgotten (its rejoin is then taken for a restart). Default 1024, membership's own
        /// table bound.
        public var maximumTracked: Int = 1024

        public init() {}
    }

    /// What to do about an event now.
    public enum Decision: Hashable, Sendable {
        /// Nothing now (perhaps later: see ``due(at:)``).
        case none
        /// Resolve the member's record again now: it restarted.
        case resolveNow
    }

    /// A member dead or gone in our view.
    private struct Absence: Sendable {
        /// Its incarnation when it died or left.
        var incarnation: UInt64
        /// When its record is to be resolved again; nil once done, or for a member that left
        /// (it withdrew its record, so Discovery sees it go and come back by itself).
        var resolveDue: ContinuousClock.Instant?
        /// When it went, for forgetting the oldest beyond the bound.
        var since: ContinuousClock.Instant
    }

    public let configuration: Configuration
    private var absent: [MemberID: Absence] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// How many members are remembered as dead or gone.
    public var trackedCount: Int { absent.count }

    /// MUST be called with every membership event, in order. `random` draws the jitter.
    public mutating func observe(
        _ event: MembershipEvent, at now: ContinuousClock.Instant, using random: inout some RandomNumberGenerator
    ) -> Decision {
        switch event.kind {
        case .dead, .left:
            var due: ContinuousClock.Instant? = nil
            if event.kind == .dead {
                let jitter = configuration.deadJitter > .zero
                    ? Duration.nanoseconds(Int64.random(in: 0...configuration.deadJitter.nanoseconds, using: &random))
                    : .zero
                due = now + configuration.deadDelay + jitter
            }
            if absent[event.member] == nil, absent.count >= configuration.maximumTracked,
                let oldest = absent.min(by: { $0.value.since < $1.value.since })?.key
            {
                absent[oldest] = nil
            }
            absent[event.member] = Absence(incarnation: event.incarnation, resolveDue: due, since: now)
            return .none
        case .rejoined, .alive:
            guard let previous = absent.removeValue(forKey: event.member) else {
                // A rejoin of a member we never saw go (forgotten beyond the bound): a restart
                // cannot be ruled out.
                return event.kind == .rejoined ? .resolveNow : .none
            }
            let jump = event.incarnation >= previous.incarnation ? event.incarnation - previous.incarnation : 0
            return jump > configuration.refutationAllowance ? .resolveNow : .none
        case .suspect:
            return .none
        }
    }

    /// The members whose record is due to be resolved again at `now` (each once per death).
    public mutating func due(at now: ContinuousClock.Instant) -> [MemberID] {
        var members: [MemberID] = []
        for (member, absence) in absent {
            guard let due = absence.resolveDue, due <= now else { continue }
            absent[member]?.resolveDue = nil
            members.append(member)
        }
        return members.sorted()
    }
}

