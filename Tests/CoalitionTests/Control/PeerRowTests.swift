import Foundation
import MembershipCore
import Testing
@testable import Coalition

/// `node status`'s one row per peer: the DNS-SD and membership views merged on the peer's id.
@Suite struct PeerRowTests {
    private func discovered(_ name: String, _ id: String, address: String = "10.0.0.9", lastSeen: Double = 2.5, profile: String = "pi4")
        -> PeerSummary
    {
        PeerSummary(
            name: name, id: id, incarnation: 1, address: address, host: "\(name).local", cores: 4, memoryMiB: 3800,
            profile: profile, protocolVersion: 1, heartbeatPort: 7946, queryPort: 7947, firstSeenSecondsAgo: 30,
            lastSeenSecondsAgo: lastSeen)
    }

    private func status(_ peers: [PeerSummary]) -> StatusReport {
        StatusReport(
            node: NodeSummary(
                name: "board-1", id: "00000000000000a1", incarnation: 1, cores: 4, memoryMiB: 3800, profile: "pi4",
                heartbeatPort: 7946, queryPort: 7947, published: true, uptimeSeconds: 60),
            avahi: "running", peers: peers)
    }

    /// The membership result as the daemon sends it (its init takes a live snapshot).
    private func membership(_ peers: String) throws -> MembershipReport {
        try JSONDecoder().decode(MembershipReport.self, from: Data(#"""
            {"id":"00000000000000a1","incarnation":1,"healthScore":0,"monitors":[],"subjects":[],"peers":[\#(peers)],
             "datagramsSent":0,"bytesSent":0,"datagramsReceived":0,"bytesReceived":0,"drops":{}}
            """#.utf8))
    }

    @Test func aPeerBothViewsKnow_isOneRow_nameAndProfileFromDNSSD_theRestFromMembership() throws {
        let rows = PeerRow.rows(
            status: status([discovered("board-2", "00000000000000b2", lastSeen: 40)]),
            membership: try membership(#"""
                {"id":"00000000000000b2","address":"10.0.0.2:7946","state":"alive","incarnation":3,"lastHeardMs":412,
                 "inStateMs":9000,"spareCores":1.25,"memoryAvailableMiB":2100,"watched":true}
                """#))
        #expect(rows == [
            PeerRow(
                name: "board-2", id: "00000000000000b2", address: "10.0.0.2:7946", state: .member(.alive), lastHeardSeconds: 0.412,
                spareCores: 1.25, spareMemoryMiB: 2100, profile: "pi4")
        ])
    }

    @Test func aPeerOnlyDNSSDKnows_isDiscovered_heardAtItsLastSighting_withNoSpareCapacity() {
        let rows = PeerRow.rows(status: status([discovered("board-3", "00000000000000c3", address: "10.0.0.3", lastSeen: 2.5)]), membership: nil)
        #expect(rows == [
            PeerRow(
                name: "board-3", id: "00000000000000c3", address: "10.0.0.3:7946", state: .discovered, lastHeardSeconds: 2.5,
                spareCores: nil, spareMemoryMiB: nil, profile: "pi4")
        ])
        #expect(rows[0].state.description == "discovered")
    }

    @Test func aPeerOnlyMembershipKnows_hasNoNameNorProfile_andKeepsItsState() throws {
        let rows = PeerRow.rows(
            status: status([]),
            membership: try membership(#"""
                {"id":"00000000000000d4","address":"[fd00::4]:7946","state":"dead","incarnation":2,"inStateMs":100,"watched":false}
                """#))
        #expect(rows == [
            PeerRow(
                name: nil, id: "00000000000000d4", address: "[fd00::4]:7946", state: .member(.dead), lastHeardSeconds: nil,
                spareCores: nil, spareMemoryMiB: nil, profile: nil)
        ])
    }

    @Test func everyMembershipStateShowsByItsWireName() throws {
        let peers = [("01", "alive"), ("02", "suspect"), ("03", "dead"), ("04", "left")].map { id, state in
            #"{"id":"00000000000000\#(id)","address":"10.0.0.1:7946","state":"\#(state)","incarnation":1,"inStateMs":0,"watched":false}"#
        }
        let rows = PeerRow.rows(status: status([]), membership: try membership(peers.joined(separator: ",")))
        #expect(rows.map(\.state) == [.member(.alive), .member(.suspect), .member(.dead), .member(.left)])
        #expect(rows.map(\.state.description) == ["alive", "suspect", "dead", "left"])
    }

    @Test func rowsAreByName_thenTheUnnamedById_whateverTheirStates() throws {
        let rows = PeerRow.rows(
            status: status([
                discovered("board-9", "0000000000000009"), discovered("board-10", "0000000000000010"),
                discovered("board-2", "0000000000000002"),
            ]),
            membership: try membership(#"""
                {"id":"00000000000000ff","address":"10.0.0.8:7946","state":"alive","incarnation":1,"inStateMs":0,"watched":false},
                {"id":"0000000000000002","address":"10.0.0.2:7946","state":"dead","incarnation":1,"inStateMs":0,"watched":false},
                {"id":"00000000000000ee","address":"10.0.0.7:7946","state":"suspect","incarnation":1,"inStateMs":0,"watched":false}
                """#))
        #expect(rows.map(\.id) == ["0000000000000010", "0000000000000002", "0000000000000009", "00000000000000ee", "00000000000000ff"])
        #expect(rows.map { $0.name ?? "-" } == ["board-10", "board-2", "board-9", "-", "-"])
    }

    @Test func twoServicesWithOneId_makeOneRow_theFirstByName() {
        // A collision rename can leave two names for one id for a moment; the id is the peer.
        let rows = PeerRow.rows(
            status: status([discovered("board-2", "0000000000000002"), discovered("board-2 (2)", "0000000000000002")]), membership: nil)
        #expect(rows.map(\.name) == ["board-2"])
    }

    @Test func theStatusDocumentGivesTheSameRows() throws {
        let membership = try membership(#"""
            {"id":"0000000000000002","address":"10.0.0.2:7946","state":"suspect","incarnation":1,"inStateMs":0,"watched":true}
            """#)
        let report = status([discovered("board-2", "0000000000000002")])
        let document = StatusDocument(status: report, services: nil, membership: membership)
        #expect(document.peerRows == PeerRow.rows(status: report, membership: membership))
        #expect(document.peerRows.map(\.state) == [.member(.suspect)])
    }
}
