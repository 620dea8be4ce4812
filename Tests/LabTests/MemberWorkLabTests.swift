import ChildProcess
import Coalition
import Foundation
import LabKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The member side of service work with real processes: a `node join` in lab host 1 under a
/// `lab cpu` quota decodes the units of a real H.264 clip (made by the ffmpeg CLI, B-frames)
/// that `coalition-bench member-units` in host 2 sends it with the public `ServiceClient`
/// under a lease it reserved (no requester daemon). The hashes must equal ffmpeg's framemd5,
/// the worker must run in the service's cgroup and use no more CPU than was lent, a worker
/// killed mid-unit must cost only that attempt, and the lease's expiry (the requester left
/// without a word) must take the workers and the cgroup away.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct MemberWorkLabTests {
    /// What `member-units` writes (the fields this test reads).
    struct Figures: Decodable {
        struct Unit: Decodable {
            var sequence: UInt32
            var attempts: [String]
            var frames: Int
        }

        struct Phase: Decodable {
            var share: Double
            var seconds: Double
            var units: [Unit]
            var lines: [String]
            var before: HeldServiceWorkRecord?
            var after: HeldServiceWorkRecord?
        }

        var service: String
        var phases: [Phase]
    }

    /// The `coalition-bench` built beside `node`.
    static let bench = URL(fileURLWithPath: Lab.nodeBinary).deletingLastPathComponent().appendingPathComponent("coalition-bench").path

    /// Runs ffmpeg (no network: it only reads and writes files); its standard output.
    static func ffmpeg(_ arguments: [String]) throws -> String {
        let ffmpeg = try #require(Executables.find("ffmpeg"), "ffmpeg not found: run scripts/install-deps")
        let output = try ChildProcess.run(ffmpeg, ["-v", "error", "-nostdin"] + arguments)
        try #require(output.succeeded, "ffmpeg \(arguments.joined(separator: " ")): \(output)")
        return output.stdout
    }

    /// The hash column of framemd5 lines (`#` lines skipped).
    static func hashes(_ text: [String]) -> [String] {
        text.filter { !$0.hasPrefix("#") && !$0.isEmpty }.compactMap { $0.split(separator: ",").last?.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The pids listed in a cgroup directory.
    static func pids(in directory: String) -> [Int32] {
        ((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    @Test func aMemberUnderAQuota_decodesRealUnitsInItsServiceCgroup_withinTheLentShare_andSurvivesAWorkerKilledMidUnit() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("member-work-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let clip = scratch.appendingPathComponent("clip.mp4").path
        _ = try Self.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24", "-t", "6", "-c:v", "libx264", "-preset", "veryfast", "-g", "24",
            "-bf", "2", "-pix_fmt", "yuv420p", "-y", clip,
        ])
        let expected = Self.hashes(try Self.ffmpeg(["-i", clip, "-map", "0:v:0", "-f", "framemd5", "-"]).split(separator: "\n").map(String.init))
        try #require(expected.count == 144, "6 s at 24 fps")

        let lab = try Lab.up(hosts: 2, name: "member-work")
        defer { lab.down() }
        try lab.cpu(host: 1, fraction: 0.5)
        let directory = lab.host(1).directory
        let socket = lab.boardSocket(host: 1)
        let daemon = try lab.joinBoard(host: 1, idleCores: 0.5)
        // The requester's host runs a node too: a member serves only members, from their own address.
        let requesterSocket = lab.boardSocket(host: 2)
        try lab.joinBoard(host: 2, idleCores: 0)
        func log() -> String { (try? String(contentsOfFile: "\(directory)/node.log", encoding: .utf8)) ?? "" }
        func work() -> MemberWorkReport? { Lab.nodeStatus(socket: socket)?.services?.work }
        var enforcement: WorkEnforcement?
        try #require(Lab.poll(within: 15, every: 0.1) {
            enforcement = work()?.enforcement
            return enforcement != nil
        }, "the member never answered: \(log())")
        try #require(enforcement?.enabled == true, "enforcement is off: \(String(describing: enforcement))")
        try #require(Lab.poll(within: 15, every: 0.1) {
            Lab.nodeStatus(socket: socket).map { StatusQuestions.alivePeers($0) == 1 } ?? false
        }, "the member never admitted the requester's node: \(log())")

        // Phase 1: the whole clip at one HD stream's share; phase 2: the first two units again at
        // a quarter of it (the lease resized), slow enough to kill the worker mid-unit.
        let output = "\(lab.host(2).directory)/units.json"
        let client = lab.process(host: 2, [
            Self.bench, "member-units", "--address", lab.address(host: 1), "--control-socket", socket, "--key-file", lab.keyFile,
            "--requester-control-socket", requesterSocket, "--input", clip, "--phases", "1:all,0.25:2", "--output", output, "--no-release",
        ])
        let clientLog = scratch.appendingPathComponent("client.log")
        FileManager.default.createFile(atPath: clientLog.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: clientLog)
        client.standardOutput = logHandle
        client.standardError = logHandle
        try client.run()
        defer { if client.isRunning { client.terminate() } }

        // While phase 2 decodes: the worker is in the service cgroup (every hierarchy); kill it.
        var killed: Int32?
        var held: HeldServiceWorkRecord?
        let sawPhase2 = Lab.poll(within: 45, every: 0.05) {
            guard let record = work()?.services.first, let limit = record.cpuLimitCores, limit < 0.05, record.busy == 1,
                  let pid = record.workerPids.first
            else { return !client.isRunning }
            held = record
            #expect(!record.cgroup.isEmpty && record.cgroup.allSatisfy { Self.pids(in: $0).contains(pid) },
                    "worker \(pid) is not in its service cgroup \(record.cgroup)")
            Thread.sleep(forTimeInterval: 0.3)
            kill(pid, SIGKILL)
            killed = pid
            return true
        }
        #expect(sawPhase2 && killed != nil, "never saw phase 2's worker busy: \(String(describing: held))\n\(log())")
        let ended = Lab.poll(within: 45, every: 0.1) { !client.isRunning }
        try #require(ended && client.terminationStatus == 0, "member-units failed: \((try? String(contentsOf: clientLog, encoding: .utf8)) ?? "")\n\(log())")
        let figures = try JSONDecoder().decode(Figures.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        try #require(figures.phases.count == 2)
        let (whole, slow) = (figures.phases[0], figures.phases[1])

        // Bit-exact, in order: every frame of the clip decoded once by the member's workers.
        #expect(whole.units.allSatisfy { $0.attempts == ["ok"] }, "\(whole.units)")
        #expect(Self.hashes(whole.lines) == expected, "phase 1: \(whole.lines.count) lines for \(expected.count) frames")

        // Within the lent share: CPU used by the service cgroup over the phase, against its limit.
        let after = try #require(whole.after)
        let limit = try #require(after.cpuLimitCores)
        let used = (after.cpuSeconds ?? 0) - (whole.before?.cpuSeconds ?? 0)
        let cores = used / whole.seconds
        print(String(
            format: "member work: phase 1 (share 1 HD, %d units): %.3f cores used of %.3f lent over %.2f s; throttled %d/%d periods, %.2f s; memory peak %d MiB of %d",
            whole.units.count, cores, limit, whole.seconds, after.throttledPeriods ?? 0, after.periods ?? 0, after.throttledSeconds ?? 0,
            (after.memoryPeakBytes ?? 0) >> 20, (after.memoryLimitBytes ?? 0) >> 20))
        #expect(cores <= limit * 1.25 + 0.01, "used \(cores) cores with \(limit) lent")
        #expect(after.oomKills ?? 0 == 0)

        // The worker killed mid-unit: that attempt is workerDied, sent again it succeeds, and so
        // does the next unit; the hashes are still ffmpeg's.
        let slowAfter = try #require(slow.after)
        let slowLimit = try #require(slowAfter.cpuLimitCores)
        let slowUsed = (slowAfter.cpuSeconds ?? 0) - (slow.before?.cpuSeconds ?? 0)
        print(String(
            format: "member work: phase 2 (share 0.25, resized): %.3f cores used of %.3f lent over %.2f s; throttled %d more periods, %.2f s more; attempts %@",
            slowUsed / slow.seconds, slowLimit, slow.seconds, (slowAfter.throttledPeriods ?? 0) - (slow.before?.throttledPeriods ?? 0),
            (slowAfter.throttledSeconds ?? 0) - (slow.before?.throttledSeconds ?? 0), "\(slow.units.map(\.attempts))"))
        #expect(slow.units.flatMap(\.attempts).filter { $0 == "failed:workerDied" }.count == 1, "\(slow.units)")
        #expect(slow.units.allSatisfy { $0.attempts.last == "ok" }, "\(slow.units)")
        #expect(Self.hashes(slow.lines) == Array(expected.prefix(slow.lines.count)) && slow.units.count == 2)
        #expect(slowUsed / slow.seconds <= slowLimit * 1.25 + 0.01)
        #expect((slowAfter.throttledPeriods ?? 0) > (slow.before?.throttledPeriods ?? 0), "a quarter share must be throttled")
        #expect(slowAfter.workersDied >= 1)

        // The requester left without releasing: once its lease expires (3 s), the workers and the
        // cgroup are gone, with nobody asking the member anything.
        let directories = after.cgroup
        let left = Date()
        let retired = Lab.poll(within: 8, every: 0.1) {
            work()?.services.isEmpty == true && directories.allSatisfy { !FileManager.default.fileExists(atPath: $0) }
        }
        print(String(format: "member work: the abandoned lease's workers and cgroup gone %.2f s after the requester left (lease 3 s)", Date().timeIntervalSince(left)))
        #expect(retired, "the abandoned service's workers or cgroup remain: \(String(describing: work()))\n\(log())")
        #expect(log().contains("retired a service's workers"))

        // A member killed while it holds a service cgroup: the cgroup lies inside the host's lab
        // cgroups in every hierarchy, so taking the lab down takes it too.
        let again = "\(lab.host(2).directory)/units-again.json"
        let run = try lab.run(host: 2, timeout: 60, [
            Self.bench, "member-units", "--address", lab.address(host: 1), "--control-socket", socket, "--key-file", lab.keyFile,
            "--requester-control-socket", requesterSocket, "--input", clip, "--phases", "1:1", "--output", again, "--no-release",
        ])
        try #require(run.succeeded, "\(run)")
        let held2 = try #require(try JSONDecoder().decode(Figures.self, from: Data(contentsOf: URL(fileURLWithPath: again))).phases.first?.after?.cgroup)
        #expect(!held2.isEmpty && held2.allSatisfy { $0.contains("/coalition-lab-") }, "service cgroups outside the lab's: \(held2)")
        try lab.kill(host: 1, pids: [daemon])
        lab.down()
        let hostCgroups = held2.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        #expect((held2 + hostCgroups).allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "left behind: \(held2 + hostCgroups)")
    }
}
