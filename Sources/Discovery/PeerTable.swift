/// The pure core of browsing: browser and resolver results in, peer events out.
///
/// One node may be seen under several keys (several interfaces, or its old and new service
/// name during a collision rename), so events are per node id: `appeared` when its first key
/// resolves, `vanished` when its last key goes away, `changed` when what we report changes.
/// Our own node id is never reported. No I/O and no clock: times are passed in.
///
/// Resolution is one-shot: the shell resolves a key when the browser first lists it, frees the
/// resolver once it answered, and resolves again only when the table says so: after a failure
/// (capped exponential backoff, `dueRetries(at:)`), or when asked (`resolveAgain`, at most once
/// per key per `Timing.resolveAgainInterval`): the daemon asks when membership hears a member at
/// a new incarnation or declares it dead. Nothing watches a peer's records meanwhile: every
/// querier Avahi keeps open re-queries the network, and every answer is multicast to every host.
public struct PeerTable: Sendable {
    /// When failed resolutions are retried and how often `resolveAgain` may resolve a key.
    public struct Timing: Sendable, Equatable {
        /// The delay before the first retry of a failed resolution. Default 5 s.
        public var retryInitial: Duration = .seconds(5)
        /// The longest delay between retries of a resolution that keeps failing. Default 80 s.
        public var retryMaximum: Duration = .seconds(80)
        /// The shortest time between two resolutions `resolveAgain` starts for one key.
        /// Default 10 s.
        public var resolveAgainInterval: Duration = .seconds(10)

        public init() {}
    }

    /// What `resolveAgain` did.
    public enum ResolveAgainOutcome: Hashable, Sendable {
        /// Resolvers are to be started for these keys now (the shell starts them).
        case started([Key])
        /// Every key is already being resolved (first resolution, or a retry after a failure).
        case alreadyResolving
        /// Asked again too soon: the resolution is deferred to this time (a retry that
        /// `dueRetries(at:)` hands the shell then), so a request is never lost.
        case deferred(until: ContinuousClock.Instant)
        /// No listed service carries that node id or name.
        case notListed
    }
    /// A browse result: which interface and which service instance.
    public struct Key: Hashable, Sendable, Comparable {
        public var interfaceIndex: Int32
        public var serviceName: String
        public init(interfaceIndex: Int32, serviceName: String) {
            self.interfaceIndex = interfaceIndex
            self.serviceName = serviceName
        }
        public static func < (a: Key, b: Key) -> Bool {
            (a.serviceName, a.interfaceIndex) < (b.serviceName, b.interfaceIndex)
        }
    }

    /// Our own node id: records carrying it are ignored.
    public let ownNodeID: NodeID
    /// Resolved, valid records by key.
    private var resolved: [Key: Peer] = [:]
    /// The last rejection reported per key, so a repeated bad record is reported once.
    private var rejectedKeys: [Key: TXTRecordError] = [:]
    /// Keys the browser currently lists (resolved or not).
    private var browsed: Set<Key> = []
    /// What was last reported per node id.
    private var reported: [NodeID: Peer] = [:]
    /// Listed keys with a resolver running (started and neither answered nor failed yet).
    private var resolving: Set<Key> = []
    /// Listed keys whose resolver failed: when to resolve them again.
    private var retryDue: [Key: ContinuousClock.Instant] = [:]
    /// The retry backoff per key, kept from its first failure until it resolves.
    private var failureBackoff: [Key: Backoff] = [:]
    /// When `resolveAgain` last started a resolution per key.
    private var resolvedAgainAt: [Key: ContinuousClock.Instant] = [:]
    /// Retry and rate-limit delays.
    public let timing: Timing
    /// The protocol versions a peer may announce (`pv`); a record with another is refused
    /// (`unsupported-pv`) like an invalid one, so its node is never admitted.
    public let acceptedProtocolVersions: ClosedRange<Int>

    /// - Parameter acceptedProtocolVersions: default ``Announcement/acceptedProtocolVersions``.
    public init(
        ownNodeID: NodeID, timing: Timing = Timing(),
        acceptedProtocolVersions: ClosedRange<Int> = Announcement.acceptedProtocolVersions
    ) {
        self.ownNodeID = ownNodeID
        self.timing = timing
        self.acceptedProtocolVersions = acceptedProtocolVersions
    }

    /// The keys whose resolver is running: the shell holds one open resolver for each, and no
    /// other.
    public var keysBeingResolved: Set<Key> { resolving }

    /// The earliest time a failed resolution is due to be retried; nil when none is waiting.
    public var nextRetry: ContinuousClock.Instant? { retryDue.values.min() }

    /// The peers currently known, by node id.
    public var peers: [Peer] { reported.values.sorted { $0.nodeID < $1.nodeID } }

    /// The browser lists a service: returns true when the shell should start a resolver for it
    /// (the service was not listed, or was listed anew after the browser removed it).
    public mutating func browseNew(_ key: Key) -> Bool {
        guard browsed.insert(key).inserted else { return false }
        retryDue[key] = nil
        resolving.insert(key)
        return true
    }

    /// The browser says a service is gone (goodbye or expiry). The shell frees its resolver.
    public mutating func browseRemove(_ key: Key) -> [DiscoveryEvent] {
        browsed.remove(key)
        forgetResolution(key)
        rejectedKeys[key] = nil
        guard let old = resolved.removeValue(forKey: key) else { return [] }
        return report(old.nodeID)
    }

    /// The resolver of a listed key failed (timeout, or it could not be created): returns when
    /// to retry it (capped exponential backoff from `Timing.retryInitial`), nil when the key is
    /// no longer listed. What was resolved before stays known.
    public mutating func resolveFailed(_ key: Key, at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        resolving.remove(key)
        guard browsed.contains(key) else { return nil }
        var backoff = failureBackoff[key]
            ?? Backoff(initial: timing.retryInitial, maximum: max(timing.retryInitial, timing.retryMaximum), multiplier: 2)
        let due = now + backoff.next()
        failureBackoff[key] = backoff
        retryDue[key] = due
        return due
    }

    /// The failed resolutions due at `now`, which the shell resolves again now (in key order).
    public mutating func dueRetries(at now: ContinuousClock.Instant) -> [Key] {
        let due = retryDue.filter { $0.value <= now }.map(\.key).sorted()
        for key in due {
            retryDue[key] = nil
            resolving.insert(key)
        }
        return due
    }

    /// Asks for every listed key of `nodeID` to be resolved again (its address may have changed,
    /// or membership declared it dead while it is still listed). At most one resolution per key
    /// per `Timing.resolveAgainInterval` (one asked sooner is deferred, not dropped); keys
    /// already being resolved or waiting for a retry are left alone.
    public mutating func resolveAgain(nodeID: NodeID, at now: ContinuousClock.Instant) -> ResolveAgainOutcome {
        resolveAgain(keys: resolved.filter { $0.value.nodeID == nodeID }.map(\.key), at: now)
    }

    /// Asks for the listed service `serviceName` (on every interface it is listed on) to be
    /// resolved again, resolved before or not. Same limits as `resolveAgain(nodeID:at:)`.
    public mutating func resolveAgain(serviceName: String, at now: ContinuousClock.Instant) -> ResolveAgainOutcome {
        resolveAgain(keys: browsed.filter { $0.serviceName == serviceName }, at: now)
    }

    private mutating func resolveAgain(keys: some Collection<Key>, at now: ContinuousClock.Instant) -> ResolveAgainOutcome {
        let listed = keys.filter { browsed.contains($0) }.sorted()
        guard !listed.isEmpty else { return .notListed }
        let idle = listed.filter { !resolving.contains($0) && retryDue[$0] == nil }
        guard !idle.isEmpty else { return .alreadyResolving }
        let allowed = idle.filter { key in resolvedAgainAt[key].map { now >= $0 + timing.resolveAgainInterval } ?? true }
        guard !allowed.isEmpty else {
            // Too soon: each key is resolved once its interval has passed, and that deferred
            // resolution starts the next interval.
            for key in idle {
                let due = resolvedAgainAt[key]! + timing.resolveAgainInterval
                retryDue[key] = due
                resolvedAgainAt[key] = due
            }
            return .deferred(until: idle.compactMap { retryDue[$0] }.min()!)
        }
        for key in allowed {
            resolving.insert(key)
            resolvedAgainAt[key] = now
        }
        return .started(allowed)
    }

    private mutating func forgetResolution(_ key: Key) {
        resolving.remove(key)
        retryDue[key] = nil
        failureBackoff[key] = nil
        resolvedAgainAt[key] = nil
    }

    /// A resolver found the service's host, address, port and TXT strings; the shell frees it.
    public mutating func resolvedRecord(
        _ key: Key, hostName: String, address: String, port: Int, txt: [[UInt8]]
    ) -> [DiscoveryEvent] {
        guard browsed.contains(key) else { return [] }
        resolving.remove(key)
        failureBackoff[key] = nil
        let versions = acceptedProtocolVersions
        let decoded = Result { () throws(TXTRecordError) in
            let announcement = try TXTRecord.decode(txt)
            guard versions.contains(announcement.protocolVersion) else {
                throw TXTRecordError(
                    .unsupportedProtocolVersion, key: "pv",
                    reason: "node \(announcement.nodeID) speaks protocol version \(announcement.protocolVersion); this node speaks "
                        + (versions.count == 1 ? "only \(versions.lowerBound)" : "\(versions.lowerBound)...\(versions.upperBound)")
                        + ", so it is not admitted")
            }
            return announcement
        }
        return apply(key, hostName: hostName, address: address, port: port, decoded: decoded)
    }

    /// Records what a key resolved to (or why it was refused) and says what changed.
    private mutating func apply(
        _ key: Key, hostName: String, address: String, port: Int, decoded: Result<Announcement, TXTRecordError>
    ) -> [DiscoveryEvent] {
        let announcement: Announcement
        switch decoded {
        case .success(let value):
            announcement = value
        case .failure(let error):
            var events: [DiscoveryEvent] = []
            if rejectedKeys[key] != error {
                rejectedKeys[key] = error
                events.append(.rejected(serviceName: key.serviceName, reason: error))
            }
            if let old = resolved.removeValue(forKey: key) { events += report(old.nodeID) }
            return events
        }
        rejectedKeys[key] = nil
        if announcement.nodeID == ownNodeID {
            resolved[key] = nil
            return []
        }
        let peer = Peer(
            serviceName: key.serviceName, hostName: hostName, address: address, port: port,
            interfaceIndex: key.interfaceIndex, announcement: announcement)
        let previous = resolved.updateValue(peer, forKey: key)
        var events: [DiscoveryEvent] = []
        if let previous, previous.nodeID != peer.nodeID { events += report(previous.nodeID) }
        return events + report(peer.nodeID)
    }

    /// The browser is being rebuilt (the daemon restarted): every key must be seen again.
    /// Peers stay known until `browseSettled()` says which were not seen again.
    public mutating func browseRestarted() {
        browsed.removeAll()
        rejectedKeys.removeAll()
        resolving.removeAll()
        retryDue.removeAll()
        failureBackoff.removeAll()
        resolvedAgainAt.removeAll()
    }

    /// The rebuilt browser listed everything it had cached (`ALL_FOR_NOW`): peers whose keys
    /// were not listed again vanish.
    public mutating func browseSettled() -> [DiscoveryEvent] {
        let stale = resolved.keys.filter { !browsed.contains($0) }.sorted()
        var ids: [NodeID] = []
        for key in stale {
            if let old = resolved.removeValue(forKey: key), !ids.contains(old.nodeID) { ids.append(old.nodeID) }
        }
        return ids.flatMap { report($0) }
    }

    /// Recomputes what to say about one node id after its keys changed.
    private mutating func report(_ id: NodeID) -> [DiscoveryEvent] {
        // A node under several keys is reported by its smallest key, so the choice is deterministic.
        let current = resolved.filter { $0.value.nodeID == id }.sorted { $0.key < $1.key }.first?.value
        let before = reported[id]
        reported[id] = current
        switch (before, current) {
        case (nil, let now?): return [.appeared(now)]
        case (let old?, nil): return [.vanished(old)]
        case (let old?, let now?) where old != now: return [.changed(now)]
        default: return []
        }
    }
}
