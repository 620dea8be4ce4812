import Coalition
import Foundation
import LabKit
import MembershipCore

/// Our `node join` on every host, each watched by `node status --watch --json`.
struct CoalitionUnderTest: SystemUnderTest {
    let lab: Lab
    let binary: String
    private let eventLogs: EventLogReader

    init(lab: Lab, binary: String) {
        self.lab = lab
        self.binary = binary
        eventLogs = EventLogReader(paths: (1...lab.count).map { Self.eventsPath(in: lab, host: $0) })
    }

    func id(_ host: Int) -> String { String(format: "%016x", 0xBE7C_0000 + host) }
    func socket(_ host: Int) -> String { "\(lab.host(host).directory)/bench-node.sock" }
    func events(_ host: Int) -> String { Self.eventsPath(in: lab, host: host) }
    static func eventsPath(in lab: Lab, host: Int) -> String { "\(lab.host(host).directory)/bench-membership-events.log" }

    func start() async throws -> [pid_t] {
        let pids = try (1...lab.count).map { host in
            try lab.spawn(host: host, logFile: "\(lab.host(host).directory)/bench-node.log", [
                binary, "join", "--name", "bench-\(host)", "--node-id", id(host), "--bind", lab.address(host: host),
                "--control-socket", socket(host), "--log-level", "warning", "--skip-profiling",
                "--profiles-dir", "/nonexistent", "--key-file", lab.keyFile,
            ])
        }
        try await startWatchers()
        return pids
    }

    /// `node status --watch --json` on every host's control socket, appending to its events
    /// log; those that exit at once (no daemon answering yet) are started again, for up to
    /// 30 s plus 0.2 s per host.
    private func startWatchers() async throws {
        let deadline = Date().addingTimeInterval(30 + 0.2 * Double(lab.count))
        var pending = Array(1...lab.count)
        while !pending.isEmpty {
            for host in pending {
                _ = try await Lab.wait(within: deadline.timeIntervalSinceNow, every: 0.05) {
                    FileManager.default.fileExists(atPath: socket(host))
                }
                try lab.spawn(host: host, logFile: events(host), [binary, "status", "--watch", "--json", "--control-socket", socket(host)])
            }
            try await Task.sleep(for: .seconds(1))
            pending = pending.filter { !watching($0) }
            guard Date() < deadline else { break }
        }
        guard pending.isEmpty else {
            throw BenchFailure("the membership watchers of hosts \(pending) never stayed connected to their control sockets")
        }
    }

    /// Whether host `host`'s `node status --watch` runs.
    private func watching(_ host: Int) -> Bool {
        ((try? lab.processes(host: host)) ?? []).contains { $0.command.contains("--watch") }
    }

    func stop() {
        for host in 1...lab.count { try? lab.kill(host: host) }
    }

    /// Asks each daemon over its control socket (no `node status` process per host: at 100
    /// hosts, 100 processes every half second saturated both cores).
    func everyoneSeesEveryoneAlive() async -> Bool {
        for host in 1...lab.count {
            guard let membership = try? await ControlClient(path: socket(host)).call(MembershipCall.self),
                membership.peers.filter({ $0.state == .alive }).count == lab.count - 1
            else { return false }
        }
        return true
    }

    func hostWithDegradedHealth() async -> Int? {
        for host in 1...lab.count {
            guard let membership = try? await ControlClient(path: socket(host)).call(MembershipCall.self) else { continue }
            // One is enough to wait for: asking all 100 every half second would load what it waits on.
            if membership.healthScore > 0 { return host }
        }
        return nil
    }

    /// Per host that does not list every other alive: the peers it lists otherwise (last two id
    /// digits and state), and how many it lists at all; at most 10 hosts.
    func notSeenAlive() async -> String {
        var lines: [String] = []
        for host in 1...lab.count where lines.count < 10 {
            guard let membership = try? await ControlClient(path: socket(host)).call(MembershipCall.self) else {
                lines.append("h\(host): no answer on its control socket")
                continue
            }
            let notAlive = membership.peers.filter { $0.state != .alive }
            guard !notAlive.isEmpty || membership.peers.count != lab.count - 1 else { continue }
            let listed = notAlive.prefix(8).map { "\($0.id.suffix(2)) \($0.state)" }.joined(separator: ", ")
            lines.append("h\(host) lists \(membership.peers.count) peers; not alive: \(listed)\(notAlive.count > 8 ? ", ..." : "")")
        }
        return lines.joined(separator: "; ")
    }

    func allOthersReportDead(_ victim: Int, since: Date) -> Date? {
        var latest = Date.distantPast
        for host in 1...lab.count where host != victim {
            guard let first = deaths(host, since: since).first(where: { $0.id == id(victim) }) else { return nil }
            latest = max(latest, first.date)
        }
        return latest
    }

    func deaths(since: Date) -> Int {
        (1...lab.count).reduce(0) { $0 + deaths($1, since: since).count }
    }

    func bystanderDeaths(around victim: Int, since: Date) -> BystanderDeaths? {
        let declaredByTheCutHost = Set(deaths(victim, since: since).map(\.id))
        var figures = BystanderDeaths()
        var members: Set<String> = []
        for host in 1...lab.count where host != victim {
            for death in deaths(host, since: since) where death.id != id(victim) {
                figures.reports += 1
                members.insert(death.id)
                if declaredByTheCutHost.contains(death.id) { figures.reportsOfTheCutHostsDeclarations += 1 }
            }
        }
        figures.members = members.count
        return figures
    }

    func missingDeathReports(_ victim: Int, since: Date) -> String {
        (1...lab.count).filter { host in
            host != victim && !deaths(host, since: since).contains { $0.id == id(victim) }
        }.map { host in
            let last = changes(host).suffix(3).map { "\($0.kind) \($0.id.suffix(2))" }.joined(separator: ", ")
            return "h\(host) (watcher \(watching(host) ? "running" : "gone"); last: \(last))"
        }.joined(separator: "; ")
    }

    private func deaths(_ host: Int, since: Date) -> [MembershipChangeReport] {
        changes(host).filter { $0.kind == .dead && $0.date >= since }
    }

    /// The changes host `host`'s watcher logged, oldest first.
    private func changes(_ host: Int) -> [MembershipChangeReport] { eventLogs.changes(host) }
}

extension MembershipChangeReport {
    /// When it happened, from `timeMs`.
    var date: Date { Date(timeIntervalSince1970: Double(timeMs) / 1000) }
}
