import Coalition
import Foundation
import LabKit
import MembershipCore
import Testing

/// Failure detection end to end: five real `node join` processes in lab hosts, observed through
/// `node status --json` (its `membership` part). Each fault of one host (link cut, kill -9,
/// SIGSTOP) must be reported dead by all four others, and healing must bring the host back.
/// Times are printed, not asserted (the bench measures them); the bounds below only keep a
/// broken build from hanging.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct MembershipLabTests {
    static let hosts = 5
    static let victim = 3

    @Test func aCutLinkIsReportedDeadByAllOthersAndHealingBringsTheHostBack() throws {
        try Self.withCoalition(name: "memb-cut") { lab, nodes in
            try lab.cut(host: Self.victim)
            try Self.expectDead(Self.victim, seenBy: nodes, fault: "link cut")
            try lab.heal(host: Self.victim)
            try Self.expectAlive(Self.victim, seenBy: nodes, fault: "link cut")
        }
    }

    @Test func aKilledNodeIsReportedDeadByAllOthersAndARestartRejoins() throws {
        try Self.withCoalition(name: "memb-kill") { lab, nodes in
            try lab.kill(host: Self.victim)
            try Self.expectDead(Self.victim, seenBy: nodes, fault: "kill -9")
            nodes[Self.victim - 1] = try MembershipLabNode.start(in: lab, host: Self.victim, nodeID: nodes[Self.victim - 1].nodeID)
            try Self.expectAlive(Self.victim, seenBy: nodes, fault: "kill -9 and restart")
        }
    }

    @Test func aStoppedNodeIsReportedDeadByAllOthersAndResumingBringsItBack() throws {
        try Self.withCoalition(name: "memb-stop") { lab, nodes in
            try lab.pause(host: Self.victim)
            try Self.expectDead(Self.victim, seenBy: nodes, fault: "SIGSTOP")
            try lab.resume(host: Self.victim)
            try Self.expectAlive(Self.victim, seenBy: nodes, fault: "SIGSTOP and SIGCONT")
        }
    }

    // MARK: Helpers

    /// A lab of five hosts with a node each, all seeing each other alive.
    static func withCoalition(name: String, _ body: (Lab, inout [MembershipLabNode]) throws -> Void) throws {
        let lab = try Lab.up(hosts: hosts, name: name)
        defer { lab.down() }
        var nodes = try (1...hosts).map { try MembershipLabNode.start(in: lab, host: $0, nodeID: String(format: "%016x", 0xC0A1_0000 + $0)) }
        let formed = Lab.poll(within: 15, every: 0.2) {
            nodes.allSatisfy { node in
                let peers = node.membership()?.peers ?? []
                return peers.count == hosts - 1 && peers.allSatisfy { $0.state == .alive }
            }
        }
        try #require(formed, "the coalition never formed: \(nodes.map { $0.describe() }.joined(separator: "\n"))")
        try body(lab, &nodes)
    }

    static func expectDead(_ victim: Int, seenBy nodes: [MembershipLabNode], fault: String) throws {
        let start = Date()
        var seenAfter: [Int: Double] = [:]
        let id = nodes[victim - 1].nodeID
        let observers = nodes.filter { $0.host != victim }
        let allSaw = Lab.poll(within: 10, every: 0.05) {
            for node in observers where seenAfter[node.host] == nil {
                // Dead, or already forgotten: after kill -9 the victim's own avahi-daemon withdraws
                // its record at once (its client is gone), and a withdrawn member leaves the table.
                guard let peers = node.membership()?.peers else { continue }
                if let entry = peers.first(where: { $0.id == id }), entry.state != .dead { continue }
                seenAfter[node.host] = Date().timeIntervalSince(start)
            }
            return seenAfter.count == observers.count
        }
        print("membership: \(fault) -> dead, per host (s, polled): \(seenAfter.sorted { $0.key < $1.key }.map { "h\($0.key)=\(String(format: "%.2f", $0.value))" }.joined(separator: " "))")
        #expect(allSaw, "after \(fault), not every other host reported h\(victim) dead: \(observers.map { $0.describe() }.joined(separator: "\n"))")
    }

    static func expectAlive(_ victim: Int, seenBy nodes: [MembershipLabNode], fault: String) throws {
        let id = nodes[victim - 1].nodeID
        let start = Date()
        let back = Lab.poll(within: 15, every: 0.1) {
            nodes.filter { $0.host != victim }.allSatisfy { $0.membership()?.peers.first { $0.id == id }?.state == .alive }
                && nodes[victim - 1].membership()?.peers.filter { $0.state == .alive }.count == nodes.count - 1
        }
        print("membership: healed after \(fault) -> alive everywhere after \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        #expect(back, "after healing \(fault), h\(victim) is not alive everywhere: \(nodes.map { $0.describe() }.joined(separator: "\n"))")
    }
}

/// One `node join` in a lab host, read through `node status --json`.
struct MembershipLabNode {
    let host: Int
    let nodeID: String
    let socket: String
    let logFile: String

    /// - Parameter insecure: runs without a key (`--insecure`) instead of the lab's key file.
    static func start(in lab: Lab, host: Int, nodeID: String, insecure: Bool = false) throws -> MembershipLabNode {
        let directory = lab.host(host).directory
        let node = MembershipLabNode(
            host: host, nodeID: nodeID, socket: "\(directory)/node.sock", logFile: "\(directory)/node-\(nodeID).log")
        try? FileManager.default.removeItem(atPath: node.socket)
        try lab.spawn(
            host: host, logFile: node.logFile,
            [Lab.nodeBinary, "join", "--name", "board-\(host)", "--node-id", nodeID, "--bind", lab.address(host: host),
             "--control-socket", node.socket, "--skip-profiling", "--profiles-dir", "/nonexistent"] + (insecure ? ["--insecure"] : ["--key-file", lab.keyFile]))
        return node
    }

    /// The `membership` part of `node status --json`, nil when the daemon does not answer.
    func membership() -> MembershipReport? { Lab.nodeStatus(socket: socket)?.membership }

    func describe() -> String {
        let peers = membership().map { $0.peers.map { "\($0.id)=\($0.state)" }.joined(separator: " ") } ?? "no answer"
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return "host \(host) (\(nodeID)): \(peers)\n\(log.split(separator: "\n").suffix(15).joined(separator: "\n"))"
    }
}
