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

    @Flag(help: "Print the daemon's answer as JSON.")
    var json = false

    @Flag(help: "Then keep running and print membership changes (alive, suspect, dead, rejoined, left) as they happen (with --json: JSON lines, the status first).")
    var watch = false

    func run() async throws {
        let path = controlSocket ?? ControlProtocol.defaultSocketPath()
        let report: StatusReport
        do {
            report = try await ControlClient(path: path).call("status", as: StatusReport.self)
        } catch let error as ControlClientError {
            throw NodeNotRunning(path: path, detail: error.reason)
        }
        let membership = try? await ControlClient(path: path).call("membership", as: MembershipReport.self)
        let services = try? await ControlClient(path: path).call("services", parameters: Empty(), as: ServicesReport.self)
        if json {
            let encoder = JSONEncoder()
            // With --watch the output is JSON lines: the status on one line, then one per change.
            encoder.outputFormatting = watch ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(StatusWithServices(status: report, services: services, membership: membership)), as: UTF8.self))
        } else {
            print(StatusTable.render(report))
            if let membership { print("\n" + membership.render()) }
            if let services { print(ServiceOutput.table(services)) }
        }
        if watch { try await MembershipWatch.run(path: path, json: json) }
    }
}

/// What `node status --json` prints: the daemon's status and its services.
struct StatusWithServices: Encodable {
    var status: StatusReport
    var services: ServicesReport?
    var membership: MembershipReport?

    func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(services, forKey: .services)
        try container.encodeIfPresent(membership, forKey: .membership)
    }

    enum Key: String, CodingKey { case services, membership }
}

/// `node status` found no daemon at the control socket.
struct NodeNotRunning: Error, CustomStringConvertible {
    let path: String
    let detail: String
    var description: String { "no node is running at \(path): start one with `node join` (\(detail))" }
}

/// The human form of a `StatusReport`.
enum StatusTable {
    static func render(_ report: StatusReport) -> String {
        let me = report.node
        var lines = [
            "node \(me.name) (\(me.id)), \(me.cores) cores, \(me.memoryMiB) MiB, profile \(me.profile); "
                + "avahi \(report.avahi), \(me.published ? "published" : "not published"); "
                + "\(report.peers.count) peer\(report.peers.count == 1 ? "" : "s")"
        ]
        if let authentication = report.authentication {
            lines.append("authentication: \(authentication.summary)")
            if let failure = authentication.lastReloadError {
                lines.append("  the last re-read of the key file failed (these keys stayed in force): \(failure)")
            }
        }
        guard !report.peers.isEmpty else { return lines.joined(separator: "\n") }
        let header = ["NAME", "ID", "ADDRESS", "CORES", "MEMORY", "LAST SEEN"]
        let rows = report.peers.map { p in
            [p.name, p.id, p.address, "\(p.cores)", "\(p.memoryMiB) MiB", ago(p.lastSeenSecondsAgo)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        lines.append("")
        lines.append(line(header))
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }

    static func ago(_ seconds: Double) -> String {
        switch seconds {
        case ..<1: return "just now"
        case ..<120: return "\(Int(seconds)) s ago"
        case ..<7200: return "\(Int(seconds / 60)) min ago"
        default: return "\(Int(seconds / 3600)) h ago"
        }
    }
}
