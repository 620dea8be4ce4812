import ArgumentParser
import ChildProcess
import Foundation
import LabKit

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
            then Serf, each with --trials cuts and the idle window, Coalition with \
            --loss-seconds of loss and Serf with --serf-loss-seconds: with Serf's loss window \
            skipped, about 25 min at 5 and 20 hosts, 30 at 50, 40 or more at 100 (starting 100 \
            hosts took 12 min here on a loaded machine: every host resolves every other through \
            mDNS), so about 2 h in all:
              swift build -c release && sudo .build/release/coalition-bench membership \\
                --hosts 100,50,20,5 --trials 10 --loss-seconds 600 --serf-loss-seconds 0
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

    /// Serf starts no mDNS: its gossip is steady within seconds of joining.
    @Option(name: .customLong("serf-settle-seconds"), help: "Seconds to wait after Serf's members all see each other alive, before its idle window.")
    var serfSettleSeconds: Int = 60

    @Option(name: .customLong("loss-seconds"), help: "Seconds at random loss on every host, counting false deaths (0 skips).")
    var lossSeconds: Int = 600

    /// Serf's false deaths are context, not a goal: a shorter window for it saves 10 minutes a
    /// host count in the full run.
    @Option(name: .customLong("serf-loss-seconds"), help: "Seconds at random loss for Serf (default: --loss-seconds).")
    var serfLossSeconds: Int?

    @Option(name: .customLong("loss-percent"), help: "Random loss each way on every host, percent.")
    var lossPercent: Double = 5

    @Flag(name: .customLong("no-serf"), help: "Measure only Coalition.")
    var noSerf = false

    @Option(name: .customLong("node-binary"), help: ArgumentHelp(
        "The `node` run on the lab hosts. Default: the `node` beside this binary (another build, to compare before and after a change).",
        valueName: "path"))
    var nodeBinary: String?

    @Flag(name: .customLong("settled-cuts"), help: "Before each cut, wait (up to 30 s) until no host's ticks ran late lately (local health 0): cuts on a settled machine, not in the burst after the previous heal.")
    var settledCuts = false

    @Flag(name: .customLong("idle-only"), help: "Measure only the idle window (no cuts, no loss), for traffic comparisons.")
    var idleOnly = false

    @Option(name: .customLong("lab-script"), help: "The lab script. Default: scripts/lab of the checkout this binary was built from.")
    var labScript: String?

    func validate() throws {
        guard !hosts.isEmpty, hosts.allSatisfy({ (3...200).contains($0) }) else {
            throw ValidationError("--hosts must list host counts in 3...200")
        }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard idleSeconds >= 1, lossSeconds >= 0, settleSeconds >= 0, (serfLossSeconds ?? 0) >= 0, serfSettleSeconds >= 0 else {
            throw ValidationError("--idle-seconds must be >= 1, --loss-seconds and --settle-seconds >= 0")
        }
        guard (0...100).contains(lossPercent) else { throw ValidationError("--loss-percent must be in 0...100") }
    }

    func run() async throws {
        guard getuid() == 0 else { throw ValidationError("the lab needs root: run `sudo coalition-bench membership`") }
        let binary = nodeBinary ?? Lab.nodeBinary
        let serf = noSerf ? nil : Executables.find("serf")
        if !noSerf, serf == nil { say("serf is not installed (apt-get install serf): measuring Coalition only") }
        var rows: [(Int, MembershipFigures, MembershipFigures?)] = []
        for count in hosts {
            let lab = try Lab.up(hosts: count, name: "bench-membership", script: labScript ?? Lab.defaultScript, node: binary)
            defer { lab.down() }
            say("\n== \(count) hosts")
            let ours = CoalitionUnderTest(lab: lab, binary: binary)
            let oursFigures: MembershipFigures
            do {
                oursFigures = try await MembershipRun(lab: lab, label: "coalition", options: self, settleSeconds: settleSeconds, lossSeconds: lossSeconds).measure(ours)
            } catch {
                say("the hosts' logs are kept in \(keepLogs(of: lab))")
                throw error
            }
            // A cut seen late by someone is the tail to explain: keep what every host logged.
            if let slowest = oursFigures.detections.max(), slowest > 1 {
                say("a cut took \(String(format: "%.3f", slowest)) s to be seen by all: the hosts' logs are kept in \(keepLogs(of: lab))")
            }
            ours.stop()
            var serfFigures: MembershipFigures?
            if let serf {
                let theirs = SerfUnderTest(lab: lab, binary: serf)
                serfFigures = try await MembershipRun(lab: lab, label: "serf", options: self, settleSeconds: serfSettleSeconds, lossSeconds: serfLossSeconds ?? lossSeconds).measure(theirs)
                theirs.stop()
            }
            rows.append((count, oursFigures, serfFigures))
            say(MembershipFigures.table([(count, oursFigures, serfFigures)], lossPercent: lossPercent, lossSeconds: lossSeconds, serfLossSeconds: serfLossSeconds ?? lossSeconds))
        }
        say("\n" + MembershipFigures.table(rows, lossPercent: lossPercent, lossSeconds: lossSeconds, serfLossSeconds: serfLossSeconds ?? lossSeconds))
    }

    /// Copies every host's daemon log and membership events out of the lab before it is taken
    /// down, so a failed run, or one with a cut seen late, can be read afterwards; returns the
    /// directory.
    private func keepLogs(of lab: Lab) -> String {
        let stamp = Int(Date().timeIntervalSince1970)
        let directory = "/tmp/coalition-artifacts/membership-\(lab.count)-\(stamp)"
        for host in 1...lab.count {
            let target = "\(directory)/h\(host)"
            try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            for name in ["bench-node.log", "bench-membership-events.log"] {
                try? FileManager.default.copyItem(atPath: "\(lab.host(host).directory)/\(name)", toPath: "\(target)/\(name)")
            }
        }
        return directory
    }
}
