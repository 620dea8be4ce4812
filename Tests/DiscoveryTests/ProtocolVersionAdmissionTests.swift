import Testing
@testable import Discovery

/// A board announcing a protocol version (`pv`) this build does not speak is refused by
/// Discovery (`unsupported-pv`), once per record, and never reported as a peer: before, it was
/// admitted to membership and its frames were then all dropped as `unsupportedVersion`.
@Suite struct ProtocolVersionAdmissionTests {
    let me = NodeID(rawValue: 1)
    let other = NodeID(rawValue: 2)
    let key = PeerTable.Key(interfaceIndex: 2, serviceName: "future")

    func txt(pv: Int, cores: Int = 4) -> [[UInt8]] {
        let announcement = Announcement(
            protocolVersion: pv, nodeID: other, incarnation: 10, name: "future", cores: cores, memoryMiB: 1024,
            profileID: "none", heartbeatPort: 7000, queryPort: 7001)
        return try! TXTRecord.encode(announcement).map { Array($0.utf8) }
    }

    @Test func aRecordOfAnotherProtocolVersionIsRefusedOnceAndNeverAppears() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(pv: 2))
        guard case .rejected(let name, let reason)? = events.first, events.count == 1 else {
            Issue.record("expected one rejection, got \(events)")
            return
        }
        #expect(name == "future")
        #expect(reason.code == .unsupportedProtocolVersion && reason.key == "pv")
        #expect(reason.description == "unsupported-pv: node \(other) speaks protocol version 2; this node speaks only 1, so it is not admitted")
        #expect(table.peers.isEmpty)
        // The same record resolved again says nothing more: one log line per peer.
        let again = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(pv: 2))
        #expect(again.isEmpty)
        #expect(table.peers.isEmpty)
    }

    @Test func aKnownPeerThatMovesToAnotherVersionIsRefusedAndVanishes() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        let first = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(pv: 1))
        #expect(first.count == 1 && { if case .appeared = first[0] { true } else { false } }())
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(pv: 3))
        #expect(events.count == 2, "\(events)")
        #expect(events.contains { if case .rejected(_, let reason) = $0 { reason.code == .unsupportedProtocolVersion } else { false } })
        #expect(events.contains { if case .vanished(let peer) = $0 { peer.nodeID == other } else { false } })
        #expect(table.peers.isEmpty)
    }

    @Test func aBuildThatAcceptsSeveralVersionsAdmitsEach() {
        var table = PeerTable(ownNodeID: me, acceptedProtocolVersions: 1...2)
        _ = table.browseNew(key)
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(pv: 2))
        #expect(events.count == 1 && { if case .appeared = events[0] { true } else { false } }())
        #expect(Announcement.acceptedProtocolVersions == 1...1)
        #expect(DiscoveryAgent.Configuration().acceptedProtocolVersions == Announcement.acceptedProtocolVersions)
    }
}
