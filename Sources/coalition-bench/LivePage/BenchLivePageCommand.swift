import ArgumentParser
import Foundation
import LabKit
import Profiler

/// `coalition-bench live-page`: three boards in the lab, board 1 serving the live page
/// (`--metrics-address`), a real headless Chromium inside board 1's namespace showing it; the
/// link of board 2 or 3 is cut and the time from the cut to the page showing that board dead
/// is taken (the page polled every 20 ms through the DevTools protocol); then the link heals
/// and the page must show it alive again before the next trial.
struct BenchLivePageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live-page",
        abstract: "Time from a member's link cut to the live page showing it dead, in a real headless browser in the lab.",
        discussion: """
            Needs root, the lab (scripts/lab) and chromium. Target (issue 18): <= 2000 ms.
              swift build -c release && sudo .build/release/coalition-bench live-page --trials 10
            """
    )

    @Option(help: "Link cuts timed.")
    var trials: Int = 10

    @Option(help: "The node executable.")
    var node: String = Lab.nodeBinary

    @Option(help: "Where the screenshots of the first trial go.")
    var artifacts: String = "/tmp/coalition-artifacts"

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
    }

    func run() async throws {
        if let reason = Lab.unavailableReason { throw ValidationError(reason) }
        guard HeadlessBrowser.executable != nil else { throw ValidationError("chromium not found: run scripts/install-deps") }
        let lab = try Lab.up(hosts: 3, name: "bench-page", node: node)
        defer { lab.down() }
        var ids: [String] = []
        for host in 1...3 {
            let id = String(format: "%016x", 0x0B5E_0100 + host)
            let directory = lab.host(host).directory
            try lab.spawn(
                host: host, logFile: "\(directory)/node.log",
                [node, "join", "--name", "board-\(host)", "--node-id", id, "--bind", lab.address(host: host),
                 "--control-socket", "\(directory)/node.sock", "--skip-profiling", "--profiles-dir", "/nonexistent",
                 "--key-file", lab.keyFile, "--log-level", "warning"]
                    + (host == 1 ? ["--metrics-address", "\(lab.address(host: 1)):9464"] : []))
            ids.append(id)
        }
        let browser = try HeadlessBrowser(
            prefix: try lab.execPrefix(host: 1), profileDirectory: "\(lab.host(1).directory)/chromium",
            logFile: "\(lab.host(1).directory)/chromium.log")
        defer { browser.close() }
        try browser.open("http://\(lab.address(host: 1)):9464/")
        func state(_ id: String) -> String? {
            (try? browser.evaluate("document.querySelector('tr[data-member=\"\(id)\"]')?.dataset.state ?? null")) as? String
        }
        func allAlive() -> Bool { state(ids[1]) == "alive" && state(ids[2]) == "alive" }
        guard try await Lab.wait(within: 30, every: 0.1, until: allAlive) else {
            throw BenchFailure("the page never showed both peers alive")
        }
        var millis: [Double] = []
        for trial in 1...trials {
            let victim = 2 + (trial - 1) % 2
            let cutAt = Date()
            try lab.cut(host: victim)
            var shownAt: Date?
            _ = try await Lab.wait(within: 10, every: 0.02) {
                if state(ids[victim - 1]) == "dead" { shownAt = Date() }
                return shownAt != nil
            }
            if trial == 1 { try? browser.screenshot(to: "\(artifacts)/live-page-bench-dead.png") }
            try lab.heal(host: victim)
            if let shownAt {
                millis.append(shownAt.timeIntervalSince(cutAt) * 1000)
            } else {
                say("trial \(trial): board \(victim) not shown dead within 10 s")
            }
            if !(try await Lab.wait(within: 20, every: 0.1, until: allAlive)) { say("trial \(trial): board \(victim) not alive again on the page after 20 s") }
        }
        let sorted = millis.sorted()
        func figure(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "n/a" }
        say(
            "live page: link cut -> shown dead, 3 boards, \(millis.count)/\(trials) trials: p50 \(figure(sorted.isEmpty ? nil : Percentiles.nearestRank(50, of: sorted))) ms, "
                + "p99 \(figure(sorted.isEmpty ? nil : Percentiles.nearestRank(99, of: sorted))) ms, max \(figure(sorted.last)) ms (target: <= 2000 ms)")
        say(jsonLine(["livePageDetectionMillis": millis]))
    }
}
