import Coalition
import Foundation
import LabKit
import MediaCore
import Testing

/// The demo's questions, asked of the JSON `node status --json` prints and of a report.json.
@Suite struct StatusQuestionsTests {
    /// A board's `node status --json`, as the daemon writes it.
    private func document(
        id: String, peers: [(id: String, name: String)] = [], members: [(id: String, state: String)] = [],
        services: String = "[]"
    ) throws -> StatusDocument {
        let announced = peers.map { p in
            #"{"name":"\#(p.name)","id":"\#(p.id)","incarnation":1,"address":"10.0.0.9","host":"h.local","cores":4,"memoryMiB":900,"#
                + #""profile":"pi4","protocolVersion":1,"heartbeatPort":7946,"queryPort":7947,"firstSeenSecondsAgo":9,"lastSeenSecondsAgo":1}"#
        }
        let watched = members.map { m in
            #"{"id":"\#(m.id)","address":"10.0.0.9:7946","state":"\#(m.state)","incarnation":1,"lastHeardMs":80,"inStateMs":900,"watched":true}"#
        }
        return try StatusDocument(json: #"""
            {"self":{"name":"board","id":"\#(id)","incarnation":1,"cores":4,"memoryMiB":900,"profile":"pi4","heartbeatPort":7946,
                     "queryPort":7947,"published":true,"uptimeSeconds":10},
             "avahi":"running","peers":[\#(announced.joined(separator: ","))],
             "membership":{"id":"\#(id)","incarnation":1,"healthScore":0,"monitors":[],"subjects":[],"peers":[\#(watched.joined(separator: ","))],
                           "datagramsSent":0,"bytesSent":0,"datagramsReceived":0,"bytesReceived":0,"drops":{}},
             "services":{"services":\#(services),"reservations":[],"spareCores":0,"spareMemoryMiB":0,"queryDrops":{}}}
            """#)
    }

    private func service(_ id: String, _ phase: String, members: [String]) -> String {
        let shares = members.map { #"{"peer":"\#($0)","share":0.5}"# }.joined(separator: ",")
        return #"{"id":"\#(id)","ladder":["HD+high"],"streams":1,"phase":"\#(phase)","level":"HD+high","members":[\#(shares)]}"#
    }

    @Test func onlyPeersAliveInMembershipCount() throws {
        let board = try document(
            id: "00000000000000a1", peers: [("00000000000000b2", "board-2"), ("00000000000000c3", "board-3"), ("00000000000000e5", "board-5")],
            members: [("00000000000000b2", "alive"), ("00000000000000c3", "suspect"), ("00000000000000d4", "alive")])
        // b2 and d4 are alive; c3 is suspect; e5 is only announced.
        #expect(StatusQuestions.alivePeers(board) == 2)
        #expect(StatusQuestions.alivePeers(try document(id: "00000000000000a1")) == 0)
    }

    @Test func theFirstServicesFirstMember_andTheLastServingOnes() throws {
        let board = try document(
            id: "00000000000000a1",
            services: "[" + [
                service("a1/1", "released", members: ["00000000000000b2"]),
                service("a1/2", "serving", members: ["00000000000000c3", "00000000000000b2"]),
                service("a1/3", "serving", members: ["00000000000000d4"]),
                service("a1/4", "unserved", members: []),
            ].joined(separator: ",") + "]")
        #expect(StatusQuestions.firstMember(of: .first, in: board) == "00000000000000b2")
        #expect(StatusQuestions.firstMember(of: .lastServing, in: board) == "00000000000000d4")
        let none = try document(id: "00000000000000a1", services: "[" + service("a1/1", "unserved", members: []) + "]")
        #expect(StatusQuestions.firstMember(of: .first, in: none) == nil)
        #expect(StatusQuestions.firstMember(of: .lastServing, in: none) == nil)
    }

    @Test func theBoardHoldingAMemberIsItsPositionAmongThoseGiven() throws {
        let boards: [StatusDocument?] = [
            try document(id: "00000000000000a1"), nil, try document(id: "00000000000000c3"), try document(id: "00000000000000d4"),
        ]
        #expect(StatusQuestions.board(holding: "00000000000000c3", among: boards) == 3)
        #expect(StatusQuestions.board(holding: "00000000000000a1", among: boards) == 1)
        #expect(StatusQuestions.board(holding: "00000000000000ff", among: boards) == nil)
    }

    @Test func aStreamReportIsOneLine() throws {
        var units = UnitCounts()
        units.cut = 20
        units.done = 20
        units.redispatched = 2
        var frames = FrameCounts()
        frames.expected = 480
        frames.delivered = 480
        frames.onTime = 477
        frames.late = 3
        var first = MemberReport(member: "1f2e3d4c5b6a7988", reservedShare: 0.6)
        first.unitsDone = 9
        var second = MemberReport(member: "5a6b7c8d9e0f1a2b", reservedShare: 0.6)
        second.unitsDone = 11
        let encoder = JSONEncoder()
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let report = #"""
            {"pacing":"live","latencyMilliseconds":2000,"elapsedSeconds":21.5,"units":\#(try json(units)),"frames":\#(try json(frames)),
             "streams":[],"deliveryChanges":[],"lateSpells":[],"lateSpellsNotKept":0,
             "members":[\#(try json(first)),\#(try json(second))],"lostUnits":[]}
            """#
        let read = try StatusQuestions.streamReport(json: Data(report.utf8))
        #expect(StatusQuestions.streamSummary(read) == "report.json: 477 frames on time, 3 late, 0 lost; 20 units, 2 re-dispatched; members: 1f2e3d4c 9 units, 5a6b7c8d 11 units")
        #expect(throws: DecodingError.self) { try StatusQuestions.streamReport(json: Data(#"{"frames":{}}"#.utf8)) }
    }
}

/// The file the lab's plain UDP sender reads: length-prefixed datagrams.
@Suite struct DatagramFileTests {
    @Test func datagramsRoundTrip_emptyAndLargeOnesIncluded() throws {
        let datagrams: [[UInt8]] = [[], [0xC0, 0xA1, 1], Array(repeating: 0xFF, count: 65_005), [7]]
        let file = DatagramFile.encode(datagrams)
        #expect(file.count == datagrams.reduce(0) { $0 + 4 + $1.count })
        #expect(Array(file.prefix(8)) == [0, 0, 0, 0, 0, 0, 0, 3])
        #expect(try DatagramFile.decode(Array(file)) == datagrams)
    }

    @Test func aFileCutShortIsAnErrorNamingTheByte() {
        let file = Array(DatagramFile.encode([[1, 2, 3], [4, 5, 6, 7]]))
        let datagramCut = #expect(throws: DatagramFileError.self) { try DatagramFile.decode(Array(file.dropLast())) }
        #expect(datagramCut?.description == "a datagram of 4 bytes cut short at byte 11")
        let lengthCut = #expect(throws: DatagramFileError.self) { try DatagramFile.decode(Array(file.prefix(9))) }
        #expect(lengthCut?.description == "a length cut short at byte 7")
    }
}
