/// The pure core of browsing: browser and resolver results in, peer events out.
///
/// One node may be seen under several keys (several interfaces, or its old and new service
/// name during a collision rename), so events are per node id: `appeared` when its first key
/// resolves, `vanished` when its last key goes away, `changed` when what we report changes.
/// Our own node id is never reported. No I/O, no clock.
public struct PeerTable: Sendable {
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

    public init(ownNodeID: NodeID) { self.ownNodeID = ownNodeID }

    /// The peers currently known, by node id.
    public var peers: [Peer] { reported.values.sorted { $0.nodeID < $1.nodeID } }

    /// The browser lists a service: returns true when the shell should start a resolver for it.
    public mutating func browseNew(_ key: Key) -> Bool {
        browsed.insert(key).inserted
    }

    /// The browser says a service is gone (goodbye or expiry).
    public mutating func browseRemove(_ key: Key) -> [DiscoveryEvent] {
        browsed.remove(key)
        rejectedKeys[key] = nil
        guard let old = resolved.removeValue(forKey: key) else { return [] }
        return report(old.nodeID)
    }

    /// A resolver found the service's host, address, port and TXT strings.
    public mutating func resolvedRecord(
        _ key: Key, hostName: String, address: String, port: Int, txt: [[UInt8]]
    ) -> [DiscoveryEvent] {
        guard browsed.contains(key) else { return [] }
        let announcement: Announcement
        do {
            announcement = try TXTRecord.decode(txt)
        } catch {
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
