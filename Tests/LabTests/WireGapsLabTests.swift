import ChildProcess
import Coalition
import Foundation
import LabKit
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Testing

/// The wire's three closed gaps over real sockets, in a keyed coalition of three boards that
/// keeps serving throughout: a fourth lab host that runs no node (a key holder, but no member)
/// sends forged queries to a board's query port; a member's tagged query is replayed on a fresh
/// connection; and the fourth host announces a board of another protocol version. Everything is
/// refused and counted; the service formed before stays served, and a new one forms.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct WireGapsLabTests {
    static let stranger = 4
    static let target = 3

    func join(_ lab: Lab, host: Int, idleCores: Double) throws {
        try lab.joinBoard(host: host, idleCores: idleCores)
    }

    func status(_ lab: Lab, host: Int) -> StatusDocument? {
        Lab.nodeStatus(socket: "\(lab.host(host).directory)/node.sock")
    }

    func node(_ lab: Lab, host: Int = 1, _ arguments: [String]) throws -> CommandOutput {
        try lab.run(host: host, timeout: 30, [Lab.nodeBinary] + arguments + ["--control-socket", "\(lab.host(host).directory)/node.sock"])
    }

    func log(_ lab: Lab, host: Int) -> String {
        (try? String(contentsOfFile: "\(lab.host(host).directory)/node.log", encoding: .utf8)) ?? ""
    }

    /// A query tagged under the lab's key, in `sender`'s name, written to a file in `host`'s directory.
    func queryFile(_ lab: Lab, host: Int, name: String, sender: MemberID) throws -> String {
        let keyring = try WireKeyring(keyFile: lab.keyFile)
        let message = ServiceMessage.query(request: 1, sender: sender, service: ServiceID("wire-gaps"), ladder: [QoSLevel(video: .hd)], weight: nil)
        var buffer = ByteBuffer()
        WireFrameEncoder(keyring: keyring).encode(
            message.type, body: message.body(allocator: .init()), into: &buffer,
            timestampMilliseconds: WireFormat.nowMilliseconds(), nonce: UInt64.random(in: .min ... .max))
        let path = "\(lab.host(host).directory)/\(name).bin"
        try Data(buffer.readableBytesView).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `coalition-lab send-stream` from `host` to the target's query port; one line per connection.
    func sendStream(_ lab: Lab, from host: Int, file: String, connections: Int = 1) throws -> [String] {
        let output = try lab.run(
            host: host, timeout: 30,
            [Lab.labToolBinary, "send-stream", file, "--to", "\(lab.address(host: Self.target)):7947", "--connections", "\(connections)", "--wait", "1"])
        try #require(output.status == 0, "\(output)")
        return output.stdout.split(separator: "\n").map(String.init)
    }

    @Test func strangersForgedAndReplayedQueriesAndAnotherProtocolVersion_areRefusedAndCounted_whileTheCoalitionServes() throws {
        let lab = try Lab.up(hosts: 4, name: "wire-gaps")
        defer { lab.down() }
        try join(lab, host: 1, idleCores: 0)
        for host in 2...3 { try join(lab, host: host, idleCores: 4) }
        let formedMembership = Lab.poll(within: 15, every: 0.1) {
            (1...3).allSatisfy { host in status(lab, host: host).map { StatusQuestions.alivePeers($0) == 2 } ?? false }
        }
        try #require(formedMembership, "the coalition never formed:\n\(log(lab, host: 1))")
        let ids = try (1...3).map { host in try #require(status(lab, host: host)?.status.node.id).description }

        let first = try node(lab, ["request", "--video", "HD", "--json"])
        let line = first.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let served = try JSONDecoder().decode(ServiceRequestAnswer.self, from: Data(line.utf8))
        try #require(served.service.phase == .serving, "\(first)")

        // A key holder on a host of its own, in a member's name and in a stranger's.
        let forged = try queryFile(lab, host: Self.stranger, name: "forged", sender: try #require(MemberID(ids[1])))
        let unknown = try queryFile(lab, host: Self.stranger, name: "unknown", sender: MemberID("00000000000bad00")!)
        for file in [forged, unknown] {
            let lines = try sendStream(lab, from: Self.stranger, file: file)
            #expect(lines.count == 1 && lines[0].hasSuffix("received 0 B, closed by peer"), "\(lines)")
        }
        // A member's own query, captured and replayed on a fresh connection from its address.
        let captured = try queryFile(lab, host: 2, name: "captured", sender: try #require(MemberID(ids[1])))
        let replay = try sendStream(lab, from: 2, file: captured, connections: 2)
        #expect(replay.count == 2, "\(replay)")
        #expect(replay.first?.contains("received 0 B") == false, "the member's own query is answered: \(replay)")
        #expect(replay.last?.hasSuffix("received 0 B, closed by peer") == true, "the replay is refused: \(replay)")

        // A board announcing protocol version 2.
        try lab.spawn(
            host: Self.stranger, logFile: "\(lab.host(Self.stranger).directory)/future.log",
            "avahi-publish", "-s", "future", "_coalition._udp", "7946", "txtvers=1", "pv=2", "id=00000000000f0002",
            "inc=1", "n=future", "c=4", "m=1024", "p=none", "hb=7946", "q=7947")
        let refused = Lab.poll(within: 10, every: 0.1) {
            (1...3).allSatisfy { host in (status(lab, host: host)?.status.refusedRecords?["unsupported-pv"] ?? 0) >= 1 }
        }
        #expect(refused, "the boards did not refuse the pv=2 record:\n\(log(lab, host: 1))")
        for host in 1...3 {
            let log = log(lab, host: host)
            #expect(
                log.components(separatedBy: "rejected _coalition._udp record 'future': unsupported-pv: node 00000000000f0002 speaks protocol version 2").count == 2,
                "one log line per record at host \(host)")
            let document = try #require(status(lab, host: host))
            #expect(!document.peerRows.contains { $0.id == "00000000000f0002" }, "host \(host) admitted the pv=2 board")
        }

        let drops = status(lab, host: Self.target)?.services?.queryDrops ?? [:]
        print("wire gaps: query drops at host \(Self.target): \(drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(drops["unexpectedAddress", default: 0] >= 1, "\(drops)")
        #expect(drops["unknownSender", default: 0] >= 1, "\(drops)")
        #expect(drops["replayed", default: 0] >= 1, "\(drops)")

        // The coalition kept serving: the first service still is, and a second one forms.
        let still = status(lab, host: 1)?.services?.services.first { $0.id == served.service.id }
        #expect(still?.phase == .serving, "\(String(describing: still))")
        let second = try node(lab, ["request", "--video", "SD", "--json"])
        let secondLine = second.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let secondAnswer = try JSONDecoder().decode(ServiceRequestAnswer.self, from: Data(secondLine.utf8))
        #expect(secondAnswer.service.phase == .serving, "\(second)")
    }
}
