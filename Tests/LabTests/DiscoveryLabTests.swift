import Foundation
import Coalition
import LabKit
import Testing

/// Discovery end to end: real `node join` processes in lab hosts, each host with its own
/// avahi-daemon, observed through `node status --json` on their control sockets.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct DiscoveryLabTests {
    @Test func threeNodesEachListTheOtherTwoWithinFiveSeconds() throws {
        let lab = try Lab.up(hosts: 3, name: "disc-join")
        defer { lab.down() }
        let start = Date()
        let nodes = try (1...3).map { try LabNode.start(in: lab, host: $0, name: "board-\($0)") }

        var listedAfter: [Int: Double] = [:]
        let allListed = Lab.poll(within: 5, every: 0.05) {
            for node in nodes where listedAfter[node.host] == nil {
                let others = Set(nodes.filter { $0.host != node.host }.map(\.name))
                if let status = node.status(), Set(status.peers.map(\.name)) == others {
                    listedAfter[node.host] = Date().timeIntervalSince(start)
                }
            }
            return listedAfter.count == nodes.count
        }
        print("discovery: join -> listed by all, per host (s): \(listedAfter.sorted { $0.key < $1.key }.map { "h\($0.key)=\(String(format: "%.2f", $0.value))" }.joined(separator: " "))")
        #expect(allListed, "not every node listed the other two within 5 s: \(nodes.map { $0.describe() }.joined(separator: "\n"))")
        for node in nodes {
            // The daemon never decodes: the Profiler opens FFmpeg with dlopen only when it
            // profiles, so none of FFmpeg's ~100 libraries (and their private memory) is mapped.
            let libraries = try node.mappedLibraries()
            #expect(libraries.contains { $0.contains("libavahi-client") }, "the maps of board-\(node.host) were not read")
            let ffmpeg = libraries.filter { $0.contains("libavcodec") || $0.contains("libavformat") }
            #expect(ffmpeg.isEmpty, "board-\(node.host) maps \(ffmpeg)")
            let status = try #require(node.status())
            #expect(status.avahi == "running")
            #expect(status.node.published)
            for peer in status.peers {
                let host = try #require(Int(peer.name.dropFirst("board-".count)))
                #expect(peer.address == lab.address(host: host), "\(peer.name) listed at \(peer.address)")
            }
        }
    }

    @Test func aCleanStopIsSeenByTheOthersWithinTwoSecondsAndExitsZero() throws {
        let lab = try Lab.up(hosts: 3, name: "disc-stop")
        defer { lab.down() }
        let nodes = try (1...2).map { try LabNode.start(in: lab, host: $0, name: "board-\($0)") }
        let leaving = try LabNode.startChild(in: lab, host: 3, name: "board-3")
        defer { if leaving.process.isRunning { leaving.process.terminate() } }

        let joined = Lab.poll(within: 5, every: 0.05) { nodes.allSatisfy { $0.lists("board-3") } }
        try #require(joined, "board-3 never listed: \(nodes.map { $0.describe() }.joined(separator: "\n"))")

        let stop = Date()
        leaving.process.terminate()  // SIGTERM
        var goneAfter: [Int: Double] = [:]
        let gone = Lab.poll(within: 2, every: 0.02) {
            for node in nodes where goneAfter[node.host] == nil && !node.lists("board-3") {
                goneAfter[node.host] = Date().timeIntervalSince(stop)
            }
            return goneAfter.count == nodes.count
        }
        print("discovery: SIGTERM -> vanished, per host (s): \(goneAfter.sorted { $0.key < $1.key }.map { "h\($0.key)=\(String(format: "%.2f", $0.value))" }.joined(separator: " "))")
        #expect(gone, "the stopped node was still listed 2 s after SIGTERM: \(nodes.map { $0.describe() }.joined(separator: "\n"))")

        let exited = Lab.poll(within: 5, every: 0.05) { !leaving.process.isRunning }
        try #require(exited, "node join did not exit within 5 s of SIGTERM")
        #expect(leaving.process.terminationReason == .exit && leaving.process.terminationStatus == 0)
        #expect(leaving.log().contains("withdrew _coalition._udp record"), "\(leaving.log())")
    }

    @Test func twoNodesWithTheSameNameAreBothListedUnderDistinctNames() throws {
        let lab = try Lab.up(hosts: 3, name: "disc-twin")
        defer { lab.down() }
        let twins = try (1...2).map { try LabNode.start(in: lab, host: $0, name: "twin") }
        let observer = try LabNode.start(in: lab, host: 3, name: "observer")

        var names: [String] = []
        let resolved = Lab.poll(within: 8, every: 0.1) {
            guard let peers = observer.status()?.peers else { return false }
            names = peers.map(\.name).sorted()
            return peers.count == 2 && Set(names).count == 2
        }
        #expect(resolved, "observer lists \(names): \(observer.describe())")
        #expect(names.allSatisfy { $0.hasPrefix("twin") })
        let renamed = twins.filter { $0.log().contains("service name 'twin' is taken on the network: renaming to") }
        #expect(!renamed.isEmpty, "a twin must rename: \(twins.map { $0.describe() }.joined(separator: "\n"))")
        // Each twin publishes under its own name and lists the other under that name.
        let settled = Lab.poll(within: 5, every: 0.1) {
            let statuses = twins.compactMap { $0.status() }
            guard statuses.count == 2, statuses.allSatisfy(\.node.published) else { return false }
            let own = statuses.map(\.node.name)
            return own[0] != own[1] && statuses[0].peers.contains { $0.name == own[1] }
                && statuses[1].peers.contains { $0.name == own[0] }
        }
        #expect(settled, "\(twins.map { $0.describe() }.joined(separator: "\n"))")
    }

    @Test func aBogusRecordIsRejectedWithItsReasonAndTheOthersStayListed() throws {
        let lab = try Lab.up(hosts: 3, name: "disc-bogus")
        defer { lab.down() }
        let nodes = try (1...3).map { try LabNode.start(in: lab, host: $0, name: "board-\($0)") }
        let listed = Lab.poll(within: 5, every: 0.05) { nodes.allSatisfy { $0.status()?.peers.count == 2 } }
        try #require(listed, "\(nodes.map { $0.describe() }.joined(separator: "\n"))")

        try lab.spawn(
            host: 2, logFile: "\(lab.host(2).directory)/bogus.log",
            "avahi-publish", "-s", "bogus", "_coalition._udp", "7000", "txtvers=9", "id=0123456789abcdef")
        try lab.spawn(
            host: 2, logFile: "\(lab.host(2).directory)/absurd.log",
            "avahi-publish", "-s", "absurd", "_coalition._udp", "7000", "txtvers=1", "pv=1", "id=0123456789abcdef",
            "inc=1", "n=absurd", "c=0", "m=1024", "p=none", "hb=7000", "q=7001")

        for node in [nodes[0], nodes[2]] {
            let rejected = Lab.poll(within: 5, every: 0.1) {
                let log = node.log()
                return log.contains("rejected _coalition._udp record 'bogus': unknown-txtvers: txtvers 9 is unknown")
                    && log.contains("rejected _coalition._udp record 'absurd': out-of-range: key c is 0")
            }
            #expect(rejected, "\(node.describe())")
        }
        for node in nodes {
            let status = try #require(node.status())
            #expect(status.peers.count == 2, "\(node.describe())")
            #expect(!status.peers.contains { $0.name == "bogus" || $0.name == "absurd" })
        }
    }

    @Test func aNodeWithoutAProfileMeasuresOneInAPipedProcessThenAnnouncesIt() throws {
        let lab = try Lab.up(hosts: 2, name: "disc-profile")
        defer { lab.down() }
        let directory = "\(lab.host(1).directory)/profiles"
        let measuring = try LabNode.start(
            in: lab, host: 1, name: "board-1", profiling: ["--profiles-dir", directory, "--quick-profile"])
        let watcher = try LabNode.start(in: lab, host: 2, name: "board-2")

        // The daemon announces once its profile is measured (2 s clips; longer on a first run,
        // which synthesises them).
        var announced: String?
        let listed = Lab.poll(within: 300, every: 0.5) {
            announced = watcher.status()?.peers.first { $0.name == "board-1" }?.profile
            return announced != nil
        }
        #expect(listed, "\(measuring.describe())")
        let written = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        #expect(written.count == 1, "profiles written: \(written)")
        let file = try #require(written.first)
        #expect(announced == String(file.dropLast(".json".count)), "announced \(announced ?? "nothing") for \(file)")
        #expect(measuring.log().contains("measured and loaded the capability profile"), "\(measuring.describe())")
        // The decoding happened in the child: the daemon still maps no FFmpeg library.
        let libraries = try measuring.mappedLibraries()
        #expect(libraries.contains { $0.contains("libavahi-client") })
        #expect(!libraries.contains { $0.contains("libavcodec") }, "the daemon maps \(libraries.filter { $0.contains("libav") })")
    }

    @Test func aNodeRestartedAfterACrashKeepsItsId() throws {
        let lab = try Lab.up(hosts: 2, name: "disc-restart")
        defer { lab.down() }
        let watcher = try LabNode.start(in: lab, host: 1, name: "board-1")
        _ = try LabNode.start(in: lab, host: 2, name: "board-2")
        func listedID() -> String? { watcher.status()?.peers.first { $0.name == "board-2" }?.id }
        var before: String?
        try #require(Lab.poll(within: 5, every: 0.1) { before = listedID(); return before != nil }, "\(watcher.describe())")

        try lab.kill(host: 2)  // SIGKILL: the kernel drops the state directory's lock with the process
        #expect(Lab.poll(within: 10, every: 0.1) { listedID() == nil }, "board-2 still listed after the crash")
        let restarted = try LabNode.start(in: lab, host: 2, name: "board-2")
        var after: String?
        let back = Lab.poll(within: 5, every: 0.1) { after = listedID(); return after != nil }
        #expect(back, "\(restarted.describe())")
        #expect(after == before, "restarted as \(after ?? "nothing"), was \(before ?? "nothing")")
    }

    /// A board that loses power says no goodbye: when it comes back, its records are announced
    /// anew over the ones the others still cache, and only the TXT record differs (a new
    /// incarnation). The browser reports nothing then; the TXT watcher must.
    @Test func aNodeBackAfterAPowerCutIsReportedChangedWithItsNewIncarnation() throws {
        let lab = try Lab.up(hosts: 2, name: "disc-power")
        defer { lab.down() }
        let watcher = try LabNode.start(in: lab, host: 1, name: "board-1")
        _ = try LabNode.start(in: lab, host: 2, name: "board-2")
        func listed() -> (id: String, incarnation: UInt64)? {
            watcher.status()?.peers.first { $0.name == "board-2" }.map { ($0.id, $0.incarnation) }
        }
        var before: (id: String, incarnation: UInt64)?
        try #require(Lab.poll(within: 5, every: 0.1) { before = listed(); return before != nil }, "\(watcher.describe())")

        try lab.avahiStop(host: 2, crash: true)  // no goodbye leaves host 2
        try lab.kill(host: 2)
        try lab.avahiStart(host: 2)
        let restarted = try LabNode.start(in: lab, host: 2, name: "board-2")
        var after: (id: String, incarnation: UInt64)?
        // Membership hears the new incarnation, a jump no refutation makes (a restart), and the
        // daemon asks Discovery to resolve the peer again at once (RecordRefreshPolicy).
        let changed = Lab.poll(within: 20, every: 0.1) {
            after = listed()
            return after.map { $0.incarnation > before!.incarnation } ?? false
        }
        #expect(changed, "board-2 listed as \(String(describing: after)), was \(before!): \(watcher.describe())\n\(restarted.describe())")
        #expect(after?.id == before?.id)
        let log = watcher.log()
        #expect(log.contains("peer changed: 'board-2'"), "\(log)")
        #expect(!log.contains("peer vanished: 'board-2'"), "the record was not announced anew over a cached one: \(log)")
    }

    @Test func withoutAvahiNodeJoinSaysSoAndRecoversWhenTheDaemonReturns() throws {
        let lab = try Lab.up(hosts: 2, name: "disc-avahi")
        defer { lab.down() }
        try lab.avahiStop(host: 2)
        let peer = try LabNode.start(in: lab, host: 1, name: "board-1")
        let orphan = try LabNode.start(in: lab, host: 2, name: "board-2")

        let reported = Lab.poll(within: 5, every: 0.1) { orphan.log().contains("avahi-daemon is not running: start it or") }
        #expect(reported, "\(orphan.describe())")
        let waiting = try #require(orphan.status(), "node join must keep running without avahi: \(orphan.describe())")
        #expect(waiting.avahi == "unavailable")
        #expect(!waiting.node.published)

        try lab.avahiStart(host: 2)
        let recovered = Lab.poll(within: 10, every: 0.1) { orphan.lists("board-1") && peer.lists("board-2") }
        #expect(recovered, "\(orphan.describe())\n\(peer.describe())")
        #expect(orphan.status()?.avahi == "running")

        // And again: the daemon goes away under a running node and comes back.
        try lab.avahiStop(host: 2)
        let lost = Lab.poll(within: 5, every: 0.1) { orphan.status()?.avahi == "unavailable" }
        #expect(lost, "\(orphan.describe())")
        try lab.avahiStart(host: 2)
        let republished = Lab.poll(within: 10, every: 0.1) {
            orphan.status()?.node.published == true && peer.lists("board-2")
        }
        #expect(republished, "\(orphan.describe())\n\(peer.describe())")
    }
}

// MARK: - A `node join` in a lab host


/// One `node join` running in a lab host, with its log and control socket in the host's dir.
private struct LabNode {
    let host: Int
    let name: String
    let socket: String
    let logFile: String
    /// Set when the test is the node's parent (to read its exit status).
    var process: Process! = nil
    /// The daemon's pid, when started with `start` (the lab's spawn).
    var pid: pid_t? = nil

    /// Discovery needs no capability profile, so by default none is measured.
    static let withoutProfile = ["--skip-profiling", "--profiles-dir", "/nonexistent"]

    static func arguments(_ lab: Lab, host: Int, name: String, profiling: [String] = withoutProfile) -> [String] {
        [
            Lab.nodeBinary, "join", "--name", name, "--bind", lab.address(host: host),
            "--control-socket", "\(lab.host(host).directory)/node.sock",
            "--state-dir", "\(lab.host(host).directory)/state", "--key-file", lab.keyFile,
        ] + profiling
    }

    /// Spawns `node join` in the background (the lab records and reaps it).
    static func start(in lab: Lab, host: Int, name: String, profiling: [String] = withoutProfile) throws -> LabNode {
        var node = LabNode(host: host, name: name, lab: lab)
        node.pid = try lab.spawn(host: host, logFile: node.logFile, arguments(lab, host: host, name: name, profiling: profiling))
        return node
    }

    /// Starts `node join` as a child of the test, so its exit status can be checked.
    static func startChild(in lab: Lab, host: Int, name: String) throws -> LabNode {
        var node = LabNode(host: host, name: name, lab: lab)
        FileManager.default.createFile(atPath: node.logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: node.logFile))
        let process = lab.process(host: host, arguments(lab, host: host, name: name))
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        node.process = process
        return node
    }

    private init(host: Int, name: String, lab: Lab) {
        self.host = host
        self.name = name
        self.socket = "\(lab.host(host).directory)/node.sock"
        self.logFile = "\(lab.host(host).directory)/node-\(name.replacingOccurrences(of: " ", with: "_")).log"
    }

    /// `node status --json`, or nil when the daemon does not answer.
    func status() -> StatusReport? { Lab.nodeStatus(socket: socket)?.status }

    /// The shared libraries mapped into the daemon (from `/proc/PID/maps`).
    func mappedLibraries() throws -> Set<String> {
        let pid = try #require(pid, "only a node started with `start` has a known pid")
        // Read to the end: /proc files report size 0, which String(contentsOfFile:) would trust.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/\(pid)/maps"), "node pid \(pid) is gone")
        defer { try? file.close() }
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        return Set(maps.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.flatMap { $0.hasSuffix(".so") || $0.contains(".so.") ? String($0) : nil }
        })
    }

    func lists(_ peerName: String) -> Bool { status()?.peers.contains { $0.name == peerName } ?? false }

    func log() -> String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The node's status and log, for a failure message.
    func describe() -> String {
        let peers = status().map { "\($0.avahi), peers \($0.peers.map(\.name))" } ?? "no answer"
        return "host \(host) '\(name)': \(peers)\n\(log())"
    }
}
