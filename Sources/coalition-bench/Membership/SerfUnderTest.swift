import Foundation
import LabKit

/// `serf agent -profile=lan` on every host, with a `member-failed` handler logging times.
struct SerfUnderTest: SystemUnderTest {
    let lab: Lab
    let binary: String

    func events(_ host: Int) -> String { "\(lab.host(host).directory)/serf-events.log" }

    /// The event handler: Serf runs it with `/bin/sh -c` and hands it the event's members on
    /// standard input, one per line; it appends `<ms since epoch> <event> <member line>` to
    /// host `host`'s events log. The time is taken as the handler starts.
    func handler(_ host: Int) -> String {
        #"now=$(date +%s%3N); while read -r line; do echo "$now $SERF_EVENT $line"; done >> "# + events(host)
    }

    func start() async throws -> [pid_t] {
        let pids = try (1...lab.count).map { host in
            let directory = lab.host(host).directory
            // A short reconnect interval only speeds up healing between trials, not detection.
            try #"{"reconnect_interval": "1s"}"#.write(toFile: "\(directory)/serf.json", atomically: true, encoding: .utf8)
            return try lab.spawn(host: host, logFile: "\(directory)/serf.log", [
                binary, "agent", "-node=h\(host)", "-bind=\(lab.address(host: host)):7946",
                "-rpc-addr=127.0.0.1:7373", "-profile=lan", "-log-level=warn", "-config-file=\(directory)/serf.json",
                "-event-handler=member-failed,member-join=\(handler(host))",
            ])
        }
        try await Task.sleep(for: .seconds(1))
        // A join may fail while the lab is busy (ARP unanswered: "no route to host"); each is
        // tried for up to 90 s (at 50 hosts 30 s was too short on a busy machine).
        for host in 2...lab.count {
            let joined = try await Lab.wait(within: 90, every: 1) {
                try lab.run(host: host, [binary, "join", "-rpc-addr=127.0.0.1:7373", lab.address(host: 1)]).succeeded
            }
            guard joined else { throw BenchFailure("serf on host \(host) could not join host 1 within 90 s") }
        }
        return pids
    }

    func stop() {
        for host in 1...lab.count { try? lab.kill(host: host) }
    }

    func everyoneSeesEveryoneAlive() async -> Bool {
        (1...lab.count).allSatisfy { host in
            let output = try? lab.run(host: host, [binary, "members", "-rpc-addr=127.0.0.1:7373", "-status=alive"])
            return output?.succeeded == true && output!.stdout.split(separator: "\n").count == lab.count
        }
    }

    func allOthersReportDead(_ victim: Int, since: Date) -> Date? {
        var latest = Date.distantPast
        for host in 1...lab.count where host != victim {
            guard let first = failures(host).first(where: { $0.node == "h\(victim)" && $0.date >= since }) else { return nil }
            latest = max(latest, first.date)
        }
        return latest
    }

    func deaths(since: Date) -> Int {
        (1...lab.count).reduce(0) { $0 + failures($1).filter { $0.date >= since }.count }
    }

    func bystanderDeaths(around victim: Int, since: Date) -> BystanderDeaths? {
        let declaredByTheCutHost = Set(failures(victim).filter { $0.date >= since }.map(\.node))
        var figures = BystanderDeaths()
        var members: Set<String> = []
        for host in 1...lab.count where host != victim {
            for failure in failures(host) where failure.date >= since && failure.node != "h\(victim)" {
                figures.reports += 1
                members.insert(failure.node)
                if declaredByTheCutHost.contains(failure.node) { figures.reportsOfTheCutHostsDeclarations += 1 }
            }
        }
        figures.members = members.count
        return figures
    }

    func missingDeathReports(_ victim: Int, since: Date) -> String {
        (1...lab.count).filter { host in
            host != victim && !failures(host).contains { $0.node == "h\(victim)" && $0.date >= since }
        }.map { "h\($0)" }.joined(separator: ", ")
    }

    private func failures(_ host: Int) -> [(node: String, date: Date)] {
        let text = (try? String(contentsOfFile: events(host), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, fields[1] == "member-failed", let ms = Double(fields[0]) else { return nil }
            return (String(fields[2]), Date(timeIntervalSince1970: ms / 1000))
        }
    }
}
