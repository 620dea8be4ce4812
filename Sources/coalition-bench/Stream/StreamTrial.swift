import Coalition
import Foundation
import LabKit
import MediaCore

/// One run of the stream benchmark: a lab of a requester and `members` boards under a CPU
/// quota, `node request --input CLIP` on the requester at the media's pace, optionally one
/// member's daemon SIGKILLed partway; the report.json it wrote and what the lab's cgroups saw.
struct StreamTrial {
    var members: Int
    var quota: Double
    var binary: String
    var clip: String
    var name: String
    /// Media seconds of the clip.
    var mediaSeconds: Double
    /// Seconds of the idle baseline measured before the request (the fleet up, everyone listed).
    var baselineSeconds: Double
    /// Seconds the fleet runs, listed and polled as in the baseline, before the baseline starts.
    var settleSeconds: Double

    /// What a run measured.
    struct Outcome {
        var report: StreamReport
        var exitStatus: Int32
        /// CPU seconds of every process of every host's cgroup (daemons, demux and decode
        /// workers, the requester's CLI) since the lab came up: the fleet's start and its wait
        /// to be listed count too. The hosts' avahi-daemon and dbus-daemon do not.
        var totalCPUSeconds: Double
        /// Per member: the last work record its daemon showed for the stream's service.
        var work: [String: HeldServiceWorkRecord]
        /// Seconds from the kill to the end of the late spell it caused (nil without a kill, or
        /// when nothing was late).
        var recoverySeconds: Double?
        var killedAt: Double?
        /// The node id of the member killed, which lends nothing after.
        var killedMember: String?
        /// Where the CPU went in the stream's window, against the idle baseline.
        var split: CPUSplit

        /// CPU seconds the members' decode workers reported per media second they decoded.
        var memberDecodeCPUPerMediaSecond: Double {
            report.members.reduce(0.0) { $0 + $1.cpuSeconds } / max(1e-9, report.members.reduce(0.0) { $0 + $1.mediaSecondsDecoded })
        }

        /// The CPU the members lent the stream at the end, in cores: their service cgroups'
        /// limits (the killed member's daemon is gone, and its lease with it).
        var lentCores: Double { work.filter { $0.key != killedMember }.values.reduce(0.0) { $0 + ($1.cpuLimitCores ?? 0) } }

        /// Streams reserved at the end by the members alive then.
        var reservedStreams: Double { report.members.filter { $0.member != killedMember }.reduce(0) { $0 + $1.reservedShare } }

        func print(title: String, reference: FFmpegReference, seconds: Double) {
            let f = report.frames
            let onTime = Double(f.onTime) / Double(max(1, f.expected))
            let reserved = reservedStreams
            let measured = memberDecodeCPUPerMediaSecond
            say(String(format: "%@: %d of %d frames on time (%.2f%%), %d late, %d lost; exit %d; %d units, %d re-dispatched",
                       title, f.onTime, f.expected, 100 * onTime, f.late, f.lost, exitStatus, report.units.cut, report.units.redispatched))
            say(String(format: "  reserved %.2f streams in all at the end, lent %.3f cores (the live members' cgroup limits; %.2fx the stream's measured demand %.3f)",
                       reserved, lentCores, lentCores / reference.cpuPerMediaSecond, reference.cpuPerMediaSecond))
            say(String(format: "  decode CPU %.3f s per media s at the members (%.2fx ffmpeg unthrottled); everything, every host: %.3f s per media s (%.2fx ffmpeg)",
                       measured, measured / reference.cpuPerMediaSecond,
                       totalCPUSeconds / seconds, totalCPUSeconds / seconds / reference.cpuPerMediaSecond))
            split.lines(reference: reference.cpuPerMediaSecond, decodeReported: report.members.reduce(0.0) { $0 + $1.cpuSeconds }).forEach(say)
            if let killedAt {
                let spells = report.lateSpells.map { String(format: "%d frames from %.1f s", $0.frames, $0.firstLateDue) }
                say(String(format: "  killed at %.1f s: back on schedule %@; late spells: %@", killedAt,
                           recoverySeconds.map { String(format: "%.2f s after the kill", $0) } ?? "at once (nothing late)",
                           spells.isEmpty ? "none" : spells.joined(separator: ", ")))
            }
            for member in report.members {
                let held = work[member.member]
                say(String(format: "  member %@: share %.2f reserved, %.2f measured (stream s per busy s), %d units, throttled %@",
                           String(member.member.prefix(8)), member.reservedShare, member.throughput, member.unitsDone,
                           held?.throttledSeconds.map { String(format: "%.1f s", $0) } ?? "n/a"))
                if let estimate = member.estimate {
                    say("    CPU s per media s: " + estimate.against(measured: member.measuredCPUPerMediaSecond))
                }
            }
        }
    }

    func run(kill: Double?) async throws -> Outcome {
        let lab = try Lab.up(hosts: members + 1, name: name, node: binary)
        defer { lab.down() }
        for host in 2...(members + 1) { try lab.cpu(host: host, fraction: quota) }
        let fleet = try LabNodes(in: lab, count: members + 1, binary: binary) { $0.host == 1 ? 0 : quota }
        let requester = fleet.nodes[0]
        if !(try await fleet.waitUntilEveryoneIsListed(by: requester, within: 30)) { say("not every board listed after 30 s") }
        let daemons = fleet.nodes.map { StreamCPUProbe.Daemon(name: $0.name, host: $0.host, pid: $0.pid) }
        var work: [String: HeldServiceWorkRecord] = [:]

        // Settling first: the daemons and avahi-daemon still work off their start once everyone
        // is listed (a first short run's baseline fell by a fifth between its halves).
        let settleStart = Date()
        while Date().timeIntervalSince(settleStart) < settleSeconds {
            try await Task.sleep(for: .milliseconds(500))
            poll(fleet, work: &work)
        }
        // The idle baseline: the same fleet and the same status polls, no stream, in two halves.
        var baseline: [CPUSplit.Window] = []
        for _ in 0..<2 {
            var baselineProbe = StreamCPUProbe(lab: lab, daemons: daemons)
            let baselineStart = Date()
            while Date().timeIntervalSince(baselineStart) < baselineSeconds / 2 {
                try await Task.sleep(for: .milliseconds(500))
                poll(fleet, work: &work)
                baselineProbe.observe()
            }
            let half = baselineProbe.finish()
            baseline.append(CPUSplit.Window(seconds: half.seconds, hosts: half.hosts))
        }
        work = [:]

        let out = "\(lab.directory)/out"
        let process = lab.process(host: 1, [binary, "request", "--input", clip, "--output", out, "--unit-seconds", "0.5", "--control-socket", requester.socket])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var probe = StreamCPUProbe(lab: lab, daemons: daemons)
        let start = Date()
        try process.run()
        probe.follow(requester: process.processIdentifier, host: requester.host)
        var killedAt: Double?
        var killedMember: String?
        while process.isRunning {
            try await Task.sleep(for: .milliseconds(500))
            /// The hosts whose daemons decode the stream now (they hold work for it).
            let decoding = poll(fleet, work: &work)
            probe.observe()
            // A member is killed, not a board the formation left spare.
            if let kill, killedAt == nil, Date().timeIntervalSince(start) >= kill, let victim = decoding.first {
                try lab.kill(host: victim.host)
                killedAt = Date().timeIntervalSince(start)
                killedMember = victim.id
            }
        }
        let streamed = probe.finish()
        let report = try JSONDecoder().decode(StreamReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/report.json")))
        let recovery = killedAt.flatMap { killed in
            // Spell times count from the stream's start, a fraction of a second after the
            // request began (its formation): the figure is an upper bound by that much.
            report.lateSpells.compactMap { spell -> Double? in
                guard let end = spell.backOnTimeAt, end >= killed - 1 else { return nil }
                return end - killed
            }.max()
        }
        return Outcome(
            report: report, exitStatus: process.terminationStatus, totalCPUSeconds: Self.cpuSeconds(of: lab), work: work,
            recoverySeconds: recovery, killedAt: killedAt, killedMember: killedMember,
            split: CPUSplit(
                baselineWindows: baseline, streamWindow: CPUSplit.Window(seconds: streamed.seconds, hosts: streamed.hosts),
                mediaSeconds: mediaSeconds))
    }

    /// Asks every member's daemon for its status, noting the work each holds; returns the hosts
    /// whose daemons hold work for the stream (those decoding it now) and their node ids.
    @discardableResult
    private func poll(_ fleet: LabNodes, work: inout [String: HeldServiceWorkRecord]) -> [(host: Int, id: String)] {
        var decoding: [(host: Int, id: String)] = []
        for node in fleet.nodes.dropFirst() {
            guard let status = fleet.status(node), let held = status.services?.work?.services.first else { continue }
            work[status.status.node.id] = held
            decoding.append((node.host, status.status.node.id))
        }
        return decoding
    }

    /// CPU seconds used by every host's processes since the lab came up (the fleet's start and
    /// its wait to be listed too), from the lab's per-host cgroups.
    static func cpuSeconds(of lab: Lab) -> Double { lab.hostCPUSeconds().values.reduce(0, +) }
}
