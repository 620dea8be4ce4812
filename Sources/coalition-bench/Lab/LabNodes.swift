import Coalition
import Foundation
import LabKit

/// `node join` daemons a benchmark runs in a lab, keyed with the lab's key and lending by the
/// committed capability profile; more nodes than hosts are spread round-robin, each extra node
/// of a host on ports of its own.
struct LabNodes {
    /// One daemon.
    struct Node {
        /// The lab host it runs in (1-based).
        var host: Int
        /// Its number on that host (1 for the first).
        var slot: Int
        var socket: String
        var address: String
        /// Its daemon's pid (the lab keeps the pid through its exec into `node join`).
        var pid: pid_t
        /// Its name (`--name`), `b<host>-<slot>`.
        var name: String { "b\(host)-\(slot)" }
    }

    let lab: Lab
    let binary: String
    /// Every node, host 1's first node first (the requester of the benchmarks).
    let nodes: [Node]

    /// Starts `count` nodes; `idleCores` says how many idle cores each emulates.
    init(in lab: Lab, count: Int, binary: String, idleCores: (Node) -> Double) throws {
        self.lab = lab
        self.binary = binary
        let profile = try Lab.committedProfile()
        var nodes: [Node] = []
        for index in 0..<count {
            let host = 1 + index % lab.count, slot = 1 + index / lab.count
            let directory = lab.host(host).directory
            var node = Node(host: host, slot: slot, socket: "\(directory)/node-\(slot).sock", address: lab.address(host: host), pid: 0)
            node.pid = try lab.spawn(host: host, logFile: "\(directory)/node-\(slot).log", [
                binary, "join", "--name", node.name, "--bind", node.address,
                "--heartbeat-port", "\(7000 + 2 * slot)", "--query-port", "\(7001 + 2 * slot)",
                "--control-socket", node.socket, "--state-dir", "\(directory)/state-\(slot)", "--profile", profile,
                "--emulate-idle-cores", "\(idleCores(node))", "--key-file", lab.keyFile, "--log-level", "warning",
            ])
            nodes.append(node)
        }
        self.nodes = nodes
    }

    /// `node status --json` of a node; nil while it does not answer.
    func status(_ node: Node) -> StatusDocument? { Lab.nodeStatus(socket: node.socket, node: binary) }

    /// Waits until `node` lists every other node as a peer; false after `seconds`.
    func waitUntilEveryoneIsListed(by node: Node, within seconds: Double) async throws -> Bool {
        try await Lab.wait(within: seconds, every: 0.5) { (status(node)?.status.peers.count ?? 0) >= nodes.count - 1 }
    }
}
