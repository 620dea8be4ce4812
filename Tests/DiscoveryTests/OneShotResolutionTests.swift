import Testing
@testable import Discovery

/// One-shot resolution in `PeerTable`: when a listed service is resolved, retried, resolved
/// again on request, and updated from its watched TXT record. Times are passed in.
@Suite struct OneShotResolutionTests {
    private let me = NodeID(rawValue: 1)
    private let peerID = NodeID(rawValue: 2)
    private let key = PeerTable.Key(interfaceIndex: 2, serviceName: "board-2")
    private let t0 = ContinuousClock.now

    private func announcement(incarnation: UInt64 = 10, cores: Int = 4) -> Announcement {
        Announcement(
            nodeID: peerID, incarnation: incarnation, name: "board-2", cores: cores, memoryMiB: 1024,
            profileID: "none", heartbeatPort: 7000, queryPort: 7001)
    }

    private func strings(incarnation: UInt64 = 10) -> [[UInt8]] {
        try! TXTRecord.encode(announcement(incarnation: incarnation)).map { Array($0.utf8) }
    }

    /// A table listing `key`, resolved to 10.0.0.2.
    private func resolvedTable() -> PeerTable {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        _ = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.2", port: 7000, txt: strings())
        return table
    }

    @Test func aListedServiceIsResolvedOnceAndItsResolverIsNotKept() {
        var table = PeerTable(ownNodeID: me)
        let start = table.browseNew(key)
        #expect(start)
        #expect(table.keysBeingResolved == [key])
        let events = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.2", port: 7000, txt: strings())
        #expect(events.count == 1)
        #expect(table.keysBeingResolved.isEmpty)
        let again = table.browseNew(key)
        #expect(!again, "a service still listed is not resolved again")
    }

    @Test func aServiceListedAnewAfterItsRemovalIsResolvedAgain() {
        var table = resolvedTable()
        _ = table.browseRemove(key)
        let start = table.browseNew(key)
        #expect(start)
        #expect(table.keysBeingResolved == [key])
    }

    @Test func aFailedResolutionIsRetriedWithADoublingCappedDelayThatResetsOnSuccess() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        var delays: [Duration] = []
        var now = t0
        for _ in 0..<6 {
            let due = table.resolveFailed(key, at: now)!
            delays.append(due - now)
            #expect(table.nextRetry == due)
            #expect(table.dueRetries(at: due - .milliseconds(1)).isEmpty)
            #expect(table.dueRetries(at: due) == [key])
            #expect(table.nextRetry == nil)
            now = due
        }
        #expect(delays == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(80)])
        _ = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.2", port: 7000, txt: strings())
        #expect(table.resolveFailed(key, at: now).map { $0 - now } == .seconds(5))
    }

    @Test func aFailureOfAServiceNoLongerListedIsNotRetried() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        _ = table.browseRemove(key)
        #expect(table.resolveFailed(key, at: t0) == nil)
        #expect(table.nextRetry == nil)
    }

    @Test func resolveAgainByNodeIDStartsOnceThenDefersARequestThatComesTooSoon() {
        var table = resolvedTable()
        #expect(table.resolveAgain(nodeID: NodeID(rawValue: 99), at: t0) == .notListed)
        #expect(table.resolveAgain(nodeID: peerID, at: t0) == .started([key]))
        #expect(table.resolveAgain(nodeID: peerID, at: t0) == .alreadyResolving)
        _ = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.2", port: 7000, txt: strings())
        let limit = table.timing.resolveAgainInterval
        #expect(table.resolveAgain(nodeID: peerID, at: t0 + .seconds(1)) == .deferred(until: t0 + limit))
        #expect(table.resolveAgain(nodeID: peerID, at: t0 + .seconds(2)) == .alreadyResolving, "deferred once, not twice")
        #expect(table.dueRetries(at: t0 + limit - .milliseconds(1)).isEmpty)
        #expect(table.dueRetries(at: t0 + limit) == [key], "the deferred request is resolved when its interval has passed")
        _ = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.2", port: 7000, txt: strings())
        #expect(table.resolveAgain(nodeID: peerID, at: t0 + limit + .seconds(1)) == .deferred(until: t0 + limit * 2))
    }

    @Test func resolveAgainReportsAMovedPeerAsChanged() {
        var table = resolvedTable()
        #expect(table.resolveAgain(nodeID: peerID, at: t0) == .started([key]))
        let events = table.resolvedRecord(key, hostName: "h2.local", address: "10.0.0.7", port: 7000, txt: strings())
        guard case .changed(let peer)? = events.first, events.count == 1 else { Issue.record("expected one changed, got \(events)"); return }
        #expect(peer.address == "10.0.0.7")
    }

    @Test func resolveAgainLeavesAServiceWaitingForItsRetryAlone() {
        var table = resolvedTable()
        #expect(table.resolveAgain(serviceName: "board-2", at: t0) == .started([key]))
        _ = table.resolveFailed(key, at: t0)
        #expect(table.resolveAgain(serviceName: "board-2", at: t0 + .seconds(60)) == .alreadyResolving)
    }

    @Test func resolveAgainByServiceNameReachesARefusedRecordButNotAnUnlistedName() {
        var table = PeerTable(ownNodeID: me)
        _ = table.browseNew(key)
        let refused = table.resolvedRecord(key, hostName: "h", address: "10.0.0.2", port: 7000, txt: [Array("txtvers=9".utf8)])
        guard case .rejected? = refused.first else { Issue.record("expected rejected, got \(refused)"); return }
        #expect(table.resolveAgain(nodeID: peerID, at: t0) == .notListed, "a refused record carries no node id")
        #expect(table.resolveAgain(serviceName: "board-2", at: t0) == .started([key]))
        #expect(table.resolveAgain(serviceName: "board-3", at: t0) == .notListed)
    }

}
