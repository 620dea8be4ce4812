import Coalition
import Foundation
import LabKit
import MembershipCore
import TestSupport
import Testing

/// The stranger's attack over real sockets: a sixth lab host that runs no node sends five
/// members 20 000 hostile datagrams (``HostileDatagrams``: random, empty and 65 kB datagrams,
/// mutated real frames, fresh ids, real members' ids from its own address) while a member's link
/// is cut. Nothing may come of it but counted drops: no phantom, no false death, the cut still
/// seen by every other member. Run insecure (admission is what stands) and keyed (the tag is).
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct MembershipAdmissionLabTests {
    static let members = 5
    static let stranger = 6
    static let victim = 3
    static let datagrams = 20_000
    /// Datagrams per second the stranger sends (about 10 s of flood).
    static let rate = 2_000

    @Test(arguments: [true, false])
    func aStrangersFloodCreatesNoPhantomKillsNoOneAndHidesNoCut(insecure: Bool) throws {
        let lab = try Lab.up(hosts: Self.stranger, name: insecure ? "adm-open" : "adm-keyed")
        defer { lab.down() }
        let nodes = try (1...Self.members).map {
            try MembershipLabNode.start(in: lab, host: $0, nodeID: String(format: "%016x", 0xAD00_0000 + $0), insecure: insecure)
        }
        let formed = Lab.poll(within: 15, every: 0.2) {
            nodes.allSatisfy { node in
                let peers = node.membership()?.peers ?? []
                return peers.count == Self.members - 1 && peers.allSatisfy { $0.state == .alive }
            }
        }
        try #require(formed, "the coalition never formed: \(nodes.map { $0.describe() }.joined(separator: "\n"))")

        // The stranger's datagrams, made from the members' real ids, replayed by a plain UDP sender
        // (`coalition-lab send-datagrams`).
        let real = nodes.map(\.nodeID)
        var hostile = HostileDatagrams(seed: insecure ? 14 : 41, members: real.map { MemberID($0)! })
        let payload = DatagramFile.encode((0..<Self.datagrams).map { _ in hostile.next() })
        let directory = lab.host(Self.stranger).directory
        let payloadFile = "\(directory)/hostile.bin"
        try payload.write(to: URL(fileURLWithPath: payloadFile))
        let targets = (1...Self.members).map { "\(lab.address(host: $0)):7946" }.joined(separator: ",")
        let senderLog = "\(directory)/sender.log"
        let floodStart = Date()
        try lab.spawn(host: Self.stranger, logFile: senderLog, [Lab.labToolBinary, "send-datagrams", payloadFile, "--to", targets, "--rate", String(Self.rate)])

        // A real cut in the middle of the flood is still seen by every other member.
        Thread.sleep(forTimeInterval: 3)
        try lab.cut(host: Self.victim)
        try MembershipLabTests.expectDead(Self.victim, seenBy: nodes, fault: "link cut during the flood")
        let finished = Lab.poll(within: 30, every: 0.5) {
            ((try? String(contentsOfFile: senderLog, encoding: .utf8)) ?? "").contains("sent ")
        }
        let senderReport = (try? String(contentsOfFile: senderLog, encoding: .utf8)) ?? ""
        try #require(finished, "the stranger's sender did not finish: \(senderReport)")
        print("admission (\(insecure ? "insecure" : "keyed")): \(senderReport.trimmingCharacters(in: .whitespacesAndNewlines)) in \(String(format: "%.1f", Date().timeIntervalSince(floodStart))) s")

        var drops: [String: Int] = [:]
        for node in nodes where node.host != Self.victim {
            guard let view = node.membership() else {
                Issue.record("host \(node.host) does not answer after the flood: \(node.describe())")
                continue
            }
            let phantoms = view.peers.map(\.id).filter { !real.contains($0) }
            #expect(phantoms.isEmpty, "host \(node.host) lists phantoms: \(phantoms)")
            #expect(view.peers.count <= Self.members - 1, "host \(node.host) lists \(view.peers.count) members")
            let flood = Int(Date().timeIntervalSince(floodStart) * 1000)
            for peer in view.peers where peer.id != nodes[Self.victim - 1].nodeID {
                #expect(peer.state == .alive && peer.inStateMs >= flood, "host \(node.host) saw \(peer.id) \(peer.state) for \(peer.inStateMs) ms of the \(flood) ms since the flood began")
            }
            for (reason, count) in view.drops { drops[reason, default: 0] += count }
        }
        print("admission (\(insecure ? "insecure" : "keyed")): drops at the four surviving members: \(drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        if insecure {
            for reason in ["unknownSender", "unexpectedAddress", "malformedBody", "badMagic", "truncated"] {
                #expect(drops[reason, default: 0] > 0, "no datagram was dropped as \(reason): \(drops)")
            }
        } else {
            // Untagged, the stranger's frames stop at the tag check (a few unknownSender drops are
            // real members' first heartbeats, sent before the receiver resolved them).
            #expect(drops["missingTag", default: 0] >= Self.datagrams / 4, "\(drops)")
        }
        #expect(drops.values.reduce(0, +) >= Self.datagrams * 3 / 5, "the four survivors (of five targets) counted only \(drops.values.reduce(0, +)) drops")
    }
}
