import ArgumentParser
import Coalition
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show this node's peers and services, from the running daemon."
    )

    @Option(name: .customLong("control-socket"), help: ArgumentHelp(
        "The control socket of the running `node join`. Default: /run/coalition/node.sock as root, else under $XDG_RUNTIME_DIR.",
        valueName: "path"))
    var controlSocket: String?

    @Flag(help: "Print the daemon's answer as JSON (every view: DNS-SD, membership, services).")
    var json = false

    @Flag(name: .shortAndLong, help: "After the one peer table, show the two views it merges: the DNS-SD table and the membership table.")
    var verbose = false

    @Flag(help: "Then keep running and print membership changes (alive, suspect, dead, rejoined, left) as they happen (with --json: JSON lines, the status first).")
    var watch = false

    func run() async throws {
        let path = controlSocket ?? ControlProtocol.defaultSocketPath()
        let report: StatusReport
        do {
            report = try await ControlClient(path: path).call(StatusCall.self)
        } catch let error as ControlClientError {
            throw NodeNotRunning(path: path, detail: error.reason)
        }
        let membership = try? await ControlClient(path: path).call(MembershipCall.self)
        let services = try? await ControlClient(path: path).call(ServicesCall.self)
        let document = StatusDocument(status: report, services: services, membership: membership)
        if json {
            let encoder = JSONEncoder()
            // With --watch the output is JSON lines: the status on one line, then one per change.
            encoder.outputFormatting = watch ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        } else {
            print(Rendering.status(document, verbose: verbose))
        }
        if watch { try await MembershipWatch.run(path: path, json: json) }
    }
}

/// `node status` found no daemon at the control socket.
struct NodeNotRunning: Error, CustomStringConvertible {
    let path: String
    let detail: String
    var description: String { "no node is running at \(path): start one with `node join` (\(detail))" }
}
