import Discovery
import Testing
@testable import Coalition

private func peer(_ id: UInt64, name: String, cores: Int = 2) -> Peer {
    Peer(
        serviceName: name, hostName: "\(name).local", address: "10.0.0.\(id)", port: 7946, interfaceIndex: 2,
        announcement: Announcement(
            nodeID: NodeID(rawValue: id), incarnation: 5, name: name, cores: cores, memoryMiB: 1024,
            profileID: "none", heartbeatPort: 7946, queryPort: 7947))
}

@Suite struct PeerDirectoryTests {
    @Test func appearedPeersAreListedByNameWithFirstAndLastSeen() {
        var directory = PeerDirectory()
        directory.apply(.appeared(peer(2, name: "b")), now: 10)
        directory.apply(.appeared(peer(1, name: "a")), now: 11)
        directory.apply(.changed(peer(2, name: "b", cores: 4)), now: 15)
        let summaries = directory.summaries(now: 20)
        #expect(summaries.map(\.name) == ["a", "b"])
        #expect(summaries[1].cores == 4)
        #expect(summaries[1].firstSeenSecondsAgo == 10 && summaries[1].lastSeenSecondsAgo == 5)
    }

    @Test func aVanishedPeerIsNoLongerListed() {
        var directory = PeerDirectory()
        directory.apply(.appeared(peer(2, name: "b")), now: 1)
        directory.apply(.vanished(peer(2, name: "b")), now: 2)
        #expect(directory.summaries(now: 3).isEmpty)
    }

    @Test func theDaemonGoingAwayKeepsTheNameButClearsPublished() {
        var directory = PeerDirectory()
        directory.apply(.published(serviceName: "me #2"), now: 1)
        directory.apply(.daemonUnavailable(reason: "stopped"), now: 2)
        #expect(directory.publishedName == "me #2")
        #expect(!directory.published)
        #expect(directory.avahiRunning == false)
    }
}
