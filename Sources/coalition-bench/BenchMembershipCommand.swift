import ArgumentParser
import Foundation
import Profiler

/// `coalition-bench membership`: failure detection and idle cost, ours beside HashiCorp Serf
/// (`serf agent -profile=lan`), on the same lab hosts in the same run (needs root and the lab).
///
/// For each host count: N hosts; `node join` on each; idle traffic (the host's interface
/// counters), CPU share of one core (all threads' schedstat) and RssAnon of the daemons;
/// then `--trials` link cuts of one host, timing until every other host reports it dead
/// (`node status --watch` events; Serf's `member-failed` handler), healing in between; then
/// optionally `--loss-seconds` at `--loss-percent` random loss on every host, counting deaths.
/// The same again with Serf, then figures and ratios. Every node runs keyed (a random 32-byte
/// coalition key written to the lab directory, `--key-file`).
struct BenchMembershipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership",
        abstract: "Failure detection time, false deaths under loss, traffic, idle CPU and memory, against Serf, in the lab.",
        discussion: """
            Needs root, the lab (scripts/lab) and, for the comparison, serf on PATH. Per host count it \
            prints: a cut host seen dead by every other host (p50/p99 over --trials cuts), false \
            deaths over --loss-seconds at --loss-percent random loss on every host, idle CPU (% of \
            one core) and RssAnon per daemon, traffic in and out per host (bytes on the host's \
            bridge port), each beside Serf's with the ratio.

            The full run (release build, on a quiet machine). Each host count runs Coalition \
            then Serf, each with --loss-seconds of loss, --trials cuts and the idle window: \
            about 25 min at 5 and 20 hosts, 30 at 50, 45 or more at 100 (starting 100 hosts took \
            12 min here on a loaded machine: every host resolves every other through mDNS), so \
            2 to 2.5 h in all:
              swift build -c release && sudo .build/release/coalition-bench membership \\
                --hosts 5,20,50,100 --trials 10 --loss-seconds 600 --loss-percent 5
            A smoke run (about 10 min at 50 hosts, 25 at 100):
              sudo .build/release/coalition-bench membership --hosts 50,100 --trials 3 --loss-seconds 30 --idle-seconds 60
            Traffic only, one build against another (e.g. before a change):
              sudo .build/release/coalition-bench membership --no-serf --idle-only --hosts 5,20,50,100 \\
                --settle-seconds 300 --idle-seconds 120 --node-binary OTHER/node
            """
    )

    @Option(help: "Host counts to run, comma-separated (3...200; 100 hosts fit the lab's /24).", transform: { $0.split(separator: ",").compactMap { Int($0) } })
    var hosts: [Int] = [5, 20, 50, 100]

    @Option(help: "Link cuts timed per host count and system.")
    var trials: Int = 10

    /// Long enough to hold the periodic mDNS traffic: Avahi refreshes a record it watches at
    /// 80-95% of its TTL, 120 s for SRV and A records.
    @Option(name: .customLong("idle-seconds"), help: "Length of the idle measurement window, seconds (120 covers the refresh of 120 s mDNS records).")
    var idleSeconds: Int = 120

    /// Start-up sends mDNS probes, announcements and one resolution per pair of hosts, all
    /// multicast, so traffic in grows with N for a while after everyone is alive: the idle
    /// window starts this long after that.
    @Option(name: .customLong("settle-seconds"), help: "Seconds to wait, once every member sees every other alive, before the idle window. Start-up mDNS queries last minutes and grow with N: at 50 hosts, in-traffic 150 s after start was 27% above its level after 300 s.")
    var settleSeconds: Int = 300

    @Option(name: .customLong("loss-seconds"), help: "Seconds at random loss on every host, counting false deaths (0 skips).")
    var lossSeconds: Int = 600

    @Option(name: .customLong("loss-percent"), help: "Random loss each way on every host, percent.")
    var lossPercent: Double = 5

    @Flag(name: .customLong("no-serf"), help: "Measure only Coalition.")
    var noSerf = false

    @Option(name: .customLong("node-binary"), help: ArgumentHelp(
        "The `node` run on the lab hosts. Default: the `node` beside this binary (another build, to compare before and after a change).",
        valueName: "path"))
    var nodeBinary: String?

    @Flag(name: .customLong("idle-only"), help: "Measure only the idle window (no cuts, no loss), for traffic comparisons.")
    var idleOnly = false

    @Option(name: .customLong("lab-script"), help: "The lab script. Default: scripts/lab above the binary or the current directory.")
    var labScript: String?

    func validate() throws {
        guard !hosts.isEmpty, hosts.allSatisfy({ (3...200).contains($0) }) else {
            throw ValidationError("--hosts must list host counts in 3...200")
        }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard idleSeconds >= 1, lossSeconds >= 0, settleSeconds >= 0 else {
            throw ValidationError("--idle-seconds must be >= 1, --loss-seconds and --settle-seconds >= 0")
        }
        guard (0...100).contains(lossPercent) else { throw ValidationError("--loss-percent must be in 0...100") }
    }

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("the lab needs root: run `sudo coalition-bench membership`") }
        let script = try labScript ?? Self.findLabScript()
        let binary = nodeBinary
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("node").path
        let serf = noSerf ? nil : Self.which("serf")
        if !noSerf, serf == nil { say("serf is not installed (apt-get install serf): measuring Coalition only") }
        var rows: [(Int, MembershipFigures, MembershipFigures?)] = []
        for count in hosts {
            let lab = try BenchLab(script: script, hosts: count)
            defer { lab.down() }
            say("\n== \(count) hosts")
            let ours = CoalitionUnderTest(lab: lab, binary: binary)
            let oursFigures = try measure(ours, in: lab, label: "coalition")
            ours.stop()
            var serfFigures: MembershipFigures?
            if let serf {
                let theirs = try SerfUnderTest(lab: lab, binary: serf)
                serfFigures = try measure(theirs, in: lab, label: "serf")
                theirs.stop()
            }
            rows.append((count, oursFigures, serfFigures))
            say(MembershipFigures.table([(count, oursFigures, serfFigures)], lossPercent: lossPercent, lossSeconds: lossSeconds))
        }
        say("\n" + MembershipFigures.table(rows, lossPercent: lossPercent, lossSeconds: lossSeconds))
    }

    private func measure(_ system: some SystemUnderTest, in lab: BenchLab, label: String) throws -> MembershipFigures {
        var figures = MembershipFigures()
        let started = Date()
        try system.start()
        // Starting takes longer with more hosts on two cores (every host resolves every other
        // through mDNS, each query multicast to all: 116 s at 50 hosts): 60 s plus 4 s per host.
        let convergence = 60 + 4 * Double(lab.count)
        guard poll(within: convergence, every: 0.5, { system.everyoneSeesEveryoneAlive() }) else {
            throw BenchFailure("\(label): the \(lab.count) members never saw each other alive within \(Int(convergence)) s")
        }
        say("\(label): \(lab.count) members all alive everywhere \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the first start")
        Thread.sleep(forTimeInterval: Double(settleSeconds))
        let idle = try lab.idle(pids: system.pids(), seconds: idleSeconds)
        figures.cpuShare = idle.cpuShare
        figures.rssAnonKiB = idle.rssAnonKiB
        figures.bytesPerSecondOut = idle.bytesOut
        figures.bytesPerSecondIn = idle.bytesIn
        say("\(label): idle CPU \(String(format: "%.3f", idle.cpuShare * 100))% of a core, RssAnon \(idle.rssAnonKiB) KiB, traffic out \(Int(idle.bytesOut)) B/s in \(Int(idle.bytesIn)) B/s per host")
        for trial in 0..<(idleOnly ? 0 : trials) {
            let victim = 2 + trial % (lab.count - 1)
            let cutAt = Date()
            try lab.do("cut", "\(victim)")
            let seen = poll(within: 30, { system.allOthersReportDead(victim, since: cutAt) != nil })
            guard seen, let detected = system.allOthersReportDead(victim, since: cutAt) else {
                try lab.do("heal", "\(victim)")
                say("\(label): trial \(trial + 1): cut h\(victim) NOT reported dead by every other host within 30 s; missing: \(system.missingDeathReports(victim, since: cutAt))")
                figures.undetected += 1
                _ = poll(within: 90, every: 0.5, { system.everyoneSeesEveryoneAlive() })
                continue
            }
            figures.detections.append(detected.timeIntervalSince(cutAt))
            say("\(label): trial \(trial + 1): cut h\(victim), dead everywhere after \(String(format: "%.3f", detected.timeIntervalSince(cutAt))) s")
            try lab.do("heal", "\(victim)")
            guard poll(within: 90, every: 0.5, { system.everyoneSeesEveryoneAlive() }) else {
                throw BenchFailure("\(label): host \(victim) did not come back within 90 s of healing")
            }
        }
        if lossSeconds > 0, !idleOnly {
            let start = Date()
            for host in 1...lab.count { try lab.do("loss", "\(host)", "\(lossPercent)") }
            Thread.sleep(forTimeInterval: Double(lossSeconds))
            for host in 1...lab.count { try lab.do("loss", "\(host)", "0") }
            figures.falseDeaths = system.deaths(since: start)
            say("\(label): \(lossSeconds) s at \(lossPercent)% loss on every host: \(figures.falseDeaths!) false deaths")
        }
        return figures
    }

    private func poll(within seconds: Double, every interval: Double = 0.02, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: interval)
        }
        return condition()
    }

    static func findLabScript() throws -> String {
        let starts = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        ]
        for start in starts {
            var directory = start
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("scripts/lab").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                directory.deleteLastPathComponent()
            }
        }
        throw ValidationError("cannot find scripts/lab above the binary or the current directory: give --lab-script")
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// Prints a line and flushes it at once, so each figure shows as it is measured, also when the
/// output goes to a file or a pipe (where stdio would hold it until exit).
func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// What one system measured at one host count.
struct MembershipFigures {
    var detections: [Double] = []
    /// Cuts not reported dead by every other host within 30 s.
    var undetected = 0
    var falseDeaths: Int?
    var cpuShare = 0.0
    var rssAnonKiB = 0
    var bytesPerSecondOut = 0.0
    var bytesPerSecondIn = 0.0

    /// The nearest-rank percentile (`p` in 0...1) of the detection times; NaN when there are none.
    func percentile(_ p: Double) -> Double {
        detections.isEmpty ? .nan : Percentiles.nearestRank(p * 100, of: detections.sorted())
    }

    static func table(_ rows: [(Int, MembershipFigures, MembershipFigures?)], lossPercent: Double, lossSeconds: Int) -> String {
        var lines = ["membership bench (ratio = Coalition / Serf; lower is better)"]
        func cell(_ ours: Double, _ theirs: Double?, _ format: String) -> String {
            let mine = String(format: format, ours)
            guard let theirs else { return mine }
            let ratio = theirs == 0 ? "-" : String(format: "%.2fx", ours / theirs)
            return "\(mine) vs \(String(format: format, theirs)) (\(ratio))"
        }
        for (count, ours, serf) in rows {
            lines.append("\(count) hosts, \(ours.detections.count + ours.undetected) cuts (undetected within 30 s: \(ours.undetected)\(serf.map { " vs \($0.undetected)" } ?? "")):")
            lines.append("  detection p50 s        \(cell(ours.percentile(0.5), serf?.percentile(0.5), "%.3f"))")
            lines.append("  detection p99 s        \(cell(ours.percentile(0.99), serf?.percentile(0.99), "%.3f"))")
            if let deaths = ours.falseDeaths {
                lines.append("  false deaths (\(lossSeconds) s at \(lossPercent)%)  \(deaths)\(serf?.falseDeaths.map { " vs \($0)" } ?? "")")
            }
            lines.append("  traffic out B/s/host   \(cell(ours.bytesPerSecondOut, serf?.bytesPerSecondOut, "%.0f"))")
            lines.append("  traffic in B/s/host    \(cell(ours.bytesPerSecondIn, serf?.bytesPerSecondIn, "%.0f"))")
            lines.append("  traffic in+out B/s/host \(cell(ours.bytesPerSecondIn + ours.bytesPerSecondOut, serf.map { $0.bytesPerSecondIn + $0.bytesPerSecondOut }, "%.0f")) (target <= 8192)")
            lines.append("  idle CPU % of a core   \(cell(ours.cpuShare * 100, serf.map { $0.cpuShare * 100 }, "%.3f"))")
            lines.append("  RssAnon KiB            \(cell(Double(ours.rssAnonKiB), serf.map { Double($0.rssAnonKiB) }, "%.0f"))")
        }
        if let first = rows.min(by: { $0.0 < $1.0 }), let last = rows.max(by: { $0.0 < $1.0 }), first.0 != last.0 {
            func growth(_ a: Double, _ b: Double) -> String { a == 0 ? "-" : String(format: "%+.0f%%", (b / a - 1) * 100) }
            lines.append(
                "traffic per host from \(first.0) to \(last.0) hosts (target within 15%): in \(growth(first.1.bytesPerSecondIn, last.1.bytesPerSecondIn)), out \(growth(first.1.bytesPerSecondOut, last.1.bytesPerSecondOut))")
        }
        return lines.joined(separator: "\n")
    }
}

/// The lab through `scripts/lab`, in a directory of its own.
final class BenchLab {
    let script: String
    let directory: String
    let count: Int
    private(set) var addresses: [Int: String] = [:]
    private(set) var directories: [Int: String] = [:]
    private(set) var interfaces: [Int: String] = [:]
    /// Each host's port on the bridge, and the bridge's namespace: the port's counters are the
    /// host's traffic seen from the switch (received = the host's out, sent = its in).
    private(set) var bridgePorts: [Int: String] = [:]
    private(set) var bridgeNamespace = ""
    /// The coalition key every node is given: 32 random bytes, base64, mode 0600.
    let keyFile: String

    init(script: String, hosts count: Int) throws {
        self.script = script
        self.count = count
        self.directory = "/tmp/coalition-lab-bench-membership-\(UUID().uuidString.prefix(8).lowercased())"
        self.keyFile = "\(directory)/coalition.key"
        _ = try self.do("up", "\(count)")
        var key = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in key.indices { key[index] = generator.next() }
        guard FileManager.default.createFile(
            atPath: keyFile, contents: Data((Data(key).base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw BenchFailure("cannot write the coalition key \(keyFile)") }
        for host in 1...count {
            let info = try self.do("info", "\(host)")
            var fields: [String: String] = [:]
            for line in info.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            guard let address = fields["address"], let dir = fields["dir"], let interface = fields["interface"],
                let port = fields["bridge_port"], let bridge = fields["bridge_namespace"]
            else {
                throw BenchFailure("lab info \(host) lacks address, dir, interface, bridge_port or bridge_namespace: \(info)")
            }
            bridgePorts[host] = port
            bridgeNamespace = bridge
            addresses[host] = address
            directories[host] = dir
            interfaces[host] = interface
        }
    }

    /// Runs `lab ARGS...`; throws with its output if it fails.
    @discardableResult
    func `do`(_ arguments: String...) throws -> String { try run(arguments) }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let (status, output) = Subprocess.run(script, arguments, environment: ["COALITION_LAB_DIR": directory, "COALITION_LAB_OWNER_PID": "\(getpid())"])
        guard status == 0 else { throw BenchFailure("lab \(arguments.joined(separator: " ")) failed (\(status)): \(output)") }
        return output
    }

    /// Takes the lab down and removes its directory (the lab leaves files it did not make).
    func down() {
        try? FileManager.default.removeItem(atPath: keyFile)
        _ = try? self.do("down")
    }

    /// Pids of the processes started on each host whose command line contains `marker`.
    func pids(matching marker: String) -> [Int32] {
        (1...count).flatMap { host -> [Int32] in
            let listing = (try? self.do("procs", "\(host)")) ?? ""
            return listing.split(separator: "\n").compactMap { line in
                line.contains(marker) ? Int32(line.split(separator: " ").first ?? "") : nil
            }
        }
    }

    struct Idle {
        var cpuShare: Double
        var rssAnonKiB: Int
        var bytesOut: Double
        var bytesIn: Double
    }

    /// Average CPU share of one core and RssAnon over `pids`, and bytes per second per host on
    /// the hosts' interfaces, over `seconds`.
    func idle(pids: [Int32], seconds: Int) throws -> Idle {
        func cpuNanoseconds(_ pid: Int32) -> Double {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return tasks.reduce(0) { sum, task in
                let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
                return sum + (Double(text.split(separator: " ").first ?? "") ?? 0)
            }
        }
        /// Every host's bytes out and in, read at one instant from the bridge's namespace (one
        /// read for all hosts, so every host is measured over the same window).
        func bytes() throws -> (Double, Double) {
            let (status, text) = Subprocess.run("/usr/sbin/ip", ["netns", "exec", bridgeNamespace, "cat", "/proc/net/dev"])
            guard status == 0 else { throw BenchFailure("cannot read the bridge's counters in \(bridgeNamespace): \(text)") }
            var out = 0.0, inbound = 0.0
            for host in 1...count {
                let port = bridgePorts[host]!
                let line = text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(port):") }
                let fields = line?.split(separator: ":", maxSplits: 1).last?.split(separator: " ").compactMap { Double($0) } ?? []
                // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes ...
                guard fields.count >= 9 else { throw BenchFailure("cannot read the counters of \(port) (host \(host)): \(text)") }
                out += fields[0]  // the port receives what the host sends
                inbound += fields[8]
            }
            return (out, inbound)
        }
        let cpuBefore = pids.map(cpuNanoseconds)
        let bytesBefore = try bytes()
        let start = Date()
        Thread.sleep(forTimeInterval: Double(seconds))
        let elapsed = Date().timeIntervalSince(start)
        let cpuAfter = pids.map(cpuNanoseconds)
        let bytesAfter = try bytes()
        let cpu = zip(cpuBefore, cpuAfter).map { ($1 - $0) / 1e9 / elapsed }
        let rss = pids.map { pid -> Int in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let hosts = Double(count)
        return Idle(
            cpuShare: cpu.reduce(0, +) / Double(max(1, cpu.count)),
            rssAnonKiB: rss.reduce(0, +) / max(1, rss.count),
            bytesOut: (bytesAfter.0 - bytesBefore.0) / elapsed / hosts,
            bytesIn: (bytesAfter.1 - bytesBefore.1) / elapsed / hosts)
    }
}

/// A membership system the bench drives the same way.
protocol SystemUnderTest {
    func start() throws
    func stop()
    func pids() -> [Int32]
    func everyoneSeesEveryoneAlive() -> Bool
    /// When the last other host reported `victim` dead after `since`, nil if not all have.
    func allOthersReportDead(_ victim: Int, since: Date) -> Date?
    /// Deaths reported by anyone after `since`.
    func deaths(since: Date) -> Int
    /// The hosts that have not reported `victim` dead since `since`, with what they last reported.
    func missingDeathReports(_ victim: Int, since: Date) -> String
}

/// Our `node join` on every host, each watched by `node status --watch --json`.
struct CoalitionUnderTest: SystemUnderTest {
    let lab: BenchLab
    let binary: String

    func id(_ host: Int) -> String { String(format: "%016x", 0xBE7C_0000 + host) }
    func socket(_ host: Int) -> String { "\(lab.directories[host]!)/bench-node.sock" }
    func events(_ host: Int) -> String { "\(lab.directories[host]!)/bench-membership-events.log" }

    func start() throws {
        for host in 1...lab.count {
            try lab.run([
                "spawn", "\(host)", "\(lab.directories[host]!)/bench-node.log", binary, "join", "--name", "bench-\(host)",
                "--node-id", id(host), "--bind", lab.addresses[host]!, "--control-socket", socket(host), "--log-level", "warning",
                "--skip-profiling", "--profiles-dir", "/nonexistent", "--key-file", lab.keyFile,
            ])
        }
        try startWatchers()
    }

    /// `node status --watch --json` on every host's control socket, appending to its events
    /// log; those that exit at once (no daemon answering yet) are started again, for up to
    /// 30 s plus 0.2 s per host.
    private func startWatchers() throws {
        let deadline = Date().addingTimeInterval(30 + 0.2 * Double(lab.count))
        var pending = Array(1...lab.count)
        while !pending.isEmpty {
            for host in pending {
                while !FileManager.default.fileExists(atPath: socket(host)), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
                try lab.run(["spawn", "\(host)", events(host), binary, "status", "--watch", "--json", "--control-socket", socket(host)])
            }
            Thread.sleep(forTimeInterval: 1)
            pending = pending.filter { !((try? lab.do("procs", "\($0)")) ?? "").contains("--watch") }
            guard Date() < deadline else { break }
        }
        guard pending.isEmpty else {
            throw BenchFailure("the membership watchers of hosts \(pending) never stayed connected to their control sockets")
        }
    }

    func stop() {
        for host in 1...lab.count { _ = try? lab.do("kill", "\(host)") }
    }

    func pids() -> [Int32] { lab.pids(matching: " join ") }

    func everyoneSeesEveryoneAlive() -> Bool {
        (1...lab.count).allSatisfy { host in
            let (status, output) = Subprocess.run(binary, ["status", "--json", "--control-socket", socket(host)])
            guard status == 0, let report = try? JSONDecoder().decode(Status.self, from: Data(output.utf8)).membership else { return false }
            return report.peers.filter { $0.state == "alive" }.count == lab.count - 1
        }
    }

    func allOthersReportDead(_ victim: Int, since: Date) -> Date? {
        var latest = Date.distantPast
        for host in 1...lab.count where host != victim {
            guard let first = changes(host).first(where: { $0.id == id(victim) && $0.kind == "dead" && $0.date >= since }) else { return nil }
            latest = max(latest, first.date)
        }
        return latest
    }

    func deaths(since: Date) -> Int {
        (1...lab.count).reduce(0) { $0 + changes($1).filter { $0.kind == "dead" && $0.date >= since }.count }
    }

    func missingDeathReports(_ victim: Int, since: Date) -> String {
        (1...lab.count).filter { host in
            host != victim && !changes(host).contains { $0.id == id(victim) && $0.kind == "dead" && $0.date >= since }
        }.map { host in
            let last = changes(host).suffix(3).map { "\($0.kind) \($0.id.suffix(2))" }.joined(separator: ", ")
            let running = ((try? lab.do("procs", "\(host)")) ?? "").contains("--watch")
            return "h\(host) (watcher \(running ? "running" : "gone"); last: \(last))"
        }.joined(separator: "; ")
    }

    private func changes(_ host: Int) -> [Change] {
        let text = (try? String(contentsOfFile: events(host), encoding: .utf8)) ?? ""
        // A change line may follow other output on the same line (the status printed before
        // watching): each line is read from its first `{"id"` on.
        return text.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "{\"id\"")?.lowerBound else { return nil }
            return try? JSONDecoder().decode(Change.self, from: Data(line[start...].utf8))
        }
    }

    private struct Change: Decodable {
        var id: String
        var kind: String
        var timeMs: Int64
        var date: Date { Date(timeIntervalSince1970: Double(timeMs) / 1000) }
    }

    private struct Status: Decodable {
        struct Membership: Decodable {
            struct Peer: Decodable { var state: String }
            var peers: [Peer]
        }
        var membership: Membership?
    }
}

/// `serf agent -profile=lan` on every host, with a `member-failed` handler logging times.
struct SerfUnderTest: SystemUnderTest {
    let lab: BenchLab
    let binary: String

    func events(_ host: Int) -> String { "\(lab.directories[host]!)/serf-events.log" }

    func start() throws {
        for host in 1...lab.count {
            let directory = lab.directories[host]!
            let handler = "\(directory)/serf-handler.sh"
            try "#!/bin/sh\nnow=$(date +%s%3N)\nwhile read -r line; do echo \"$now $SERF_EVENT $line\"; done >> \(events(host))\n"
                .write(toFile: handler, atomically: true, encoding: .utf8)
            chmod(handler, 0o755)
            // A short reconnect interval only speeds up healing between trials, not detection.
            try "{\"reconnect_interval\": \"1s\"}".write(toFile: "\(directory)/serf.json", atomically: true, encoding: .utf8)
            try lab.run([
                "spawn", "\(host)", "\(directory)/serf.log", binary, "agent", "-node=h\(host)", "-bind=\(lab.addresses[host]!):7946",
                "-rpc-addr=127.0.0.1:7373", "-profile=lan", "-log-level=warn", "-config-file=\(directory)/serf.json",
                "-event-handler=member-failed,member-join=\(handler)",
            ])
        }
        Thread.sleep(forTimeInterval: 1)
        // A join may fail while the lab is busy (ARP unanswered: "no route to host"); each is
        // tried for up to 30 s.
        for host in 2...lab.count {
            let deadline = Date().addingTimeInterval(30)
            while true {
                do {
                    try lab.run(["run", "\(host)", binary, "join", "-rpc-addr=127.0.0.1:7373", lab.addresses[1]!])
                    break
                } catch where Date() < deadline {
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
    }

    func stop() {
        for host in 1...lab.count { _ = try? lab.do("kill", "\(host)") }
    }

    func pids() -> [Int32] { lab.pids(matching: " agent ") }

    func everyoneSeesEveryoneAlive() -> Bool {
        (1...lab.count).allSatisfy { host in
            let output = (try? lab.run(["run", "\(host)", binary, "members", "-rpc-addr=127.0.0.1:7373", "-status=alive"])) ?? ""
            return output.split(separator: "\n").count == lab.count
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

/// Runs a program to completion, stdout and stderr together through a temporary file.
enum Subprocess {
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        guard let handle = try? FileHandle(forWritingTo: file) else { return (-1, "cannot open \(file.path)") }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "cannot run \(path): \(error)")
        }
        process.waitUntilExit()
        try? handle.close()
        return (process.terminationStatus, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
    }
}
