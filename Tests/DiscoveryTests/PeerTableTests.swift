import Testing
@testable import Discovery

private let me = NodeID(rawValue: 1)
private let other = NodeID(rawValue: 2)

private func txt(id: NodeID, name: String = "peer", cores: Int = 4) -> [[UInt8]] {
    let a = Announcement(
        nodeID: id, incarnation: 10, name: name, cores: cores, memoryMiB: 1024, profileID: "none",
        heartbeatPort: 7000, queryPort: 7001)
    return try! TXTRecord.encode(a).map { Array($0.utf8) }
}

private let key = PeerTable.Key(interfaceIndex: 2, serviceName: "peer")

@Suite struct PeerTableTests {
    @Test func aResolvedRecordAppearsOnceAndAnIdenticalOneIsSilent() {
        var table = PeerTable(ownNodeID: me)
        let r1 = table.browseNew(key)
        #expect(r1)
        let r2 = table.browseNew(key)
        #expect(!r2)
        let first = table.resolvedRecord(key, hostName: "h.local", address: "10.0.0.2", port: 7000, txt: txt(id: other))
        guard case .appeared(let peer)? = first.first else { Issue.record("expected appeared, got \(first)"); return }
        #expect(peer.nodeID == other && peer.address == "10.0.0.2")
        let r3 = table.resolvedRecord(key, hostName: "h.local", address: "10.0.0.2", port: 7000, txt: txt(id: other)).isEmpty
        #expect(r3)
    }

    @Test func aChangedRecordIsReportedAsChanged() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        _ = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other))
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other, cores: 8))
        guard case .changed(let peer)? = events.first else { Issue.record("expected changed, got \(events)"); return }
        #expect(peer.announcement.cores == 8)
    }

    @Test func ourOwnRecordIsIgnored() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        let r4 = table.resolvedRecord(key, hostName: "h", address: "10.0.0.1", port: 7000, txt: txt(id: me)).isEmpty
        #expect(r4)
        let r5 = table.peers.isEmpty
        #expect(r5)
    }

    @Test func aRemovedServiceVanishes() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        _ = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other))
        let events = table.browseRemove(key)
        guard case .vanished(let peer)? = events.first else { Issue.record("expected vanished, got \(events)"); return }
        #expect(peer.nodeID == other)
        let r6 = table.peers.isEmpty
        #expect(r6)
    }

    @Test func aBadRecordIsRejectedOnceWithItsReason() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        let bad = [Array("txtvers=9".utf8)]
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.9", port: 1, txt: bad)
        guard case .rejected(let name, let reason)? = events.first else { Issue.record("expected rejected, got \(events)"); return }
        #expect(name == "peer" && reason.code == .unknownTXTVers)
        let r7 = table.resolvedRecord(key, hostName: "h", address: "10.0.0.9", port: 1, txt: bad).isEmpty
        #expect(r7)
    }

    @Test func aPeerThatTurnsBadVanishesAndIsRejected() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        _ = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other))
        let events = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: [Array("txtvers=1".utf8)])
        #expect(events.count == 2)
        guard case .rejected = events.first, case .vanished = events.last else { Issue.record("got \(events)"); return }
    }

    @Test func aNodeSeenUnderTwoNamesVanishesOnlyWithItsLastName() {
        var table = PeerTable(ownNodeID: me)
        let renamed = PeerTable.Key(interfaceIndex: 2, serviceName: "peer #2")
        _ = table.browseNew(key)
        _ = table.browseNew(renamed)
        let r8 = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other)).count == 1
        #expect(r8)
        let second = table.resolvedRecord(renamed, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other, name: "peer #2"))
        #expect(second.allSatisfy { if case .appeared = $0 { false } else { true } })
        let first = table.browseRemove(key)
        guard case .changed(let peer)? = first.first else { Issue.record("expected changed, got \(first)"); return }
        #expect(peer.serviceName == "peer #2")
        guard case .vanished? = table.browseRemove(renamed).first else { Issue.record("expected vanished"); return }
    }

    @Test func afterADaemonRestartPeersNotListedAgainVanishWhenBrowsingSettles() {
        var table = PeerTable(ownNodeID: me)
        let kept = PeerTable.Key(interfaceIndex: 2, serviceName: "kept")
        _ = table.browseNew(key)
        _ = table.browseNew(kept)
        _ = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other))
        _ = table.resolvedRecord(kept, hostName: "k", address: "10.0.0.3", port: 7000, txt: txt(id: NodeID(rawValue: 3)))
        table.browseRestarted()
        let r9 = table.peers.count == 2
        #expect(r9)
        let r10 = table.browseNew(kept)
        #expect(r10)
        let events = table.browseSettled()
        #expect(events.count == 1)
        guard case .vanished(let peer)? = events.first else { Issue.record("got \(events)"); return }
        #expect(peer.nodeID == other)
        let r11 = table.peers.map(\.nodeID) == [NodeID(rawValue: 3)]
        #expect(r11)
    }

    @Test func aResolutionForAServiceNoLongerBrowsedIsIgnored() {
        var table = PeerTable(ownNodeID: me)
        let r12 = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: txt(id: other)).isEmpty
        #expect(r12)
    }
}

@Suite struct BackoffTests {
    @Test func delaysDoubleUpToTheCapAndResetAfterASuccess() {
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(2), multiplier: 2)
        let delays = (0..<6).map { _ in backoff.next() }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(250))
    }
}

@Suite struct ServiceNameTests {
    private let id = NodeID(rawValue: 0xabcd_0000_0000_0001)
    private func next(_ current: String, _ collisions: Int, original: String = "twin") -> String {
        ServiceName.afterCollision(original: original, current: current, collisions: collisions, nodeID: id) { $0 + "'" }
    }

    @Test func theFirstCollisionUsesTheConventionalAlternative() {
        #expect(next("twin", 1) == "twin'")
    }

    @Test func theSecondCollisionInARowUsesTheNodeIdSoTwinsStopMovingInLockstep() {
        #expect(next("twin #2", 2) == "twin #abcd")
    }

    @Test func laterCollisionsGoBackToTheAlternative() {
        #expect(next("twin #abcd", 3) == "twin #abcd'")
    }

    @Test func theIdSuffixedNameFitsADNSLabel() {
        let long = String(repeating: "é", count: 40)  // 80 bytes
        let name = next("x", 2, original: long)
        #expect(name.utf8.count <= TXTRecord.maximumNameBytes)
        #expect(name.hasSuffix(" #abcd"))
    }
}
