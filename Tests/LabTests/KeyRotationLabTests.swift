import Coalition
import Foundation
import LabKit
import MembershipCore
import Testing

/// Keys end to end: boards re-keyed one at a time by SIGHUP (no restart) while a service runs
/// on them, and a board on a key nobody else has kept out.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct KeyRotationLabTests {
    /// A board: `node join` with its own key file (`h<I>/key`), which the test rewrites.
    struct Board {
        let host: Int
        let pid: pid_t
        let keyFile: String
        let socket: String
        let logFile: String
    }

    func join(_ lab: Lab, host: Int, idleCores: Double, key: String) throws -> Board {
        let directory = lab.host(host).directory
        let keyFile = "\(directory)/key"
        try write(key, to: keyFile)
        let pid = try lab.joinBoard(host: host, idleCores: idleCores, keyFile: keyFile)
        let socket = lab.boardSocket(host: host)
        let logFile = "\(directory)/node.log"
        return Board(host: host, pid: pid, keyFile: keyFile, socket: socket, logFile: logFile)
    }

    /// Writes a key file as an operator would (owner-only).
    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    func status(_ board: Board) -> StatusDocument? { Lab.nodeStatus(socket: board.socket) }

    func describe(_ boards: [Board]) -> String {
        boards.map { board in
            let log = (try? String(contentsOfFile: board.logFile, encoding: .utf8)) ?? ""
            let peers = status(board)?.membership?.peers.map { "\($0.id.suffix(4))=\($0.state)" }.joined(separator: " ") ?? "no answer"
            return "board \(board.host): \(peers)\n" + log.split(separator: "\n").suffix(8).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The key a line of `node keygen` output holds (its text without the newline).
    func key(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    @Test func fourBoardsRekeyedOneByOneBySIGHUP_noneSeenDead_andTheServiceKeepsBeingServed() throws {
        let lab = try Lab.up(hosts: 4, name: "key-rotate")
        defer { lab.down() }
        let old = try key(lab.keyFile)
        let new = try key(lab.keygen("\(lab.directory)/new.key"))
        // Board 1 asks and lends nothing; boards 2-4 can each carry an SD stream.
        var boards = [try join(lab, host: 1, idleCores: 0, key: old + "\n")]
        for host in 2...4 { boards.append(try join(lab, host: host, idleCores: 1, key: old + "\n")) }

        let formed = Lab.poll(within: 15, every: 0.2) {
            boards.allSatisfy { board in
                let peers = status(board)?.membership?.peers ?? []
                return peers.count == 3 && peers.allSatisfy { $0.state == .alive }
            }
        }
        try #require(formed, "the coalition never formed:\n\(describe(boards))")
        let oldFingerprint = try #require(status(boards[0])?.status.authentication?.fingerprints.first)

        // Every board's membership changes, from now on, in its host's directory.
        var watchers: [String] = []
        for board in boards {
            let events = "\(lab.host(board.host).directory)/membership-events.log"
            try lab.spawn(host: board.host, logFile: events, [Lab.nodeBinary, "status", "--watch", "--json", "--control-socket", board.socket])
            watchers.append(events)
        }
        let watching = Lab.poll(within: 10, every: 0.1) {
            watchers.allSatisfy { ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains("\n") }
        }
        try #require(watching, "the membership watchers never printed their first line")

        let request = try lab.run(host: 1, timeout: 30, [Lab.nodeBinary, "request", "--video", "SD", "--accept", "SD", "--json", "--control-socket", boards[0].socket])
        let answer = try JSONDecoder().decode(
            ServiceRequestAnswer.self, from: Data((request.stdout.split(separator: "\n").first.map(String.init) ?? "").utf8))
        try #require(answer.service.phase == .serving, "\(request)")
        let members = answer.service.members.map(\.peer)

        /// The service as board 1 holds it, checked after every step.
        var interruptions: [String] = []
        func checkService(_ step: String) {
            let service = status(boards[0])?.services?.services.first { $0.id == answer.service.id }
            if service?.phase != .serving || service?.members.map(\.peer) != members {
                interruptions.append("\(step): \(String(describing: service))")
            }
        }

        // Pass 1: every board accepts `new` beside `old`, still sending under `old`.
        // Pass 2: every board sends under `new`, still accepting `old`. Pass 3: `old` is dropped.
        var newFingerprint: String?
        let passes: [(name: String, file: String, current: () -> String?, accepted: Int)] = [
            ("accept new", "\(old)\n\(new)\n", { oldFingerprint }, 2),
            ("send under new", "\(new)\n\(old)\n", { newFingerprint }, 2),
            ("drop old", "\(new)\n", { newFingerprint }, 1),
        ]
        for pass in passes {
            for board in boards {
                let step = "pass '\(pass.name)', board \(board.host)"
                try write(pass.file, to: board.keyFile)
                try lab.hup(host: board.host, pids: [board.pid])
                var seen: AuthenticationStatus?
                let rekeyed = Lab.poll(within: 5, every: 0.05) {
                    seen = status(board)?.status.authentication
                    if newFingerprint == nil, seen?.acceptedKeys == 2 { newFingerprint = seen?.fingerprints.last }
                    return seen?.acceptedKeys == pass.accepted && seen?.fingerprints.first == pass.current()
                }
                try #require(rekeyed, "\(step): the new keys are not in force: \(String(describing: seen))\n\(describe(boards))")
                // Long enough for a board that could no longer hear another to suspect it and
                // declare it dead (about 6.5 heartbeat intervals of 100 ms).
                Thread.sleep(forTimeInterval: 1.5)
                checkService(step)
            }
        }

        #expect(interruptions.isEmpty, "the service was interrupted: \(interruptions)\n\(describe(boards))")
        for (board, events) in zip(boards, watchers) {
            let lines = ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst()
            let changes = lines.compactMap { try? JSONDecoder().decode(MembershipChangeReport.self, from: Data($0.utf8)) }
            #expect(changes.count == lines.count, "board \(board.host)'s watcher printed lines that are not changes: \(lines)")
            let deaths = changes.filter { $0.kind == .dead || $0.kind == .left }
            #expect(deaths.isEmpty, "board \(board.host) saw \(deaths) during the rotation\n\(describe(boards))")
            let final = status(board)
            #expect(final?.status.authentication?.fingerprints == [newFingerprint ?? "?"])
            #expect((final?.membership?.drops["badTag"] ?? 0) == 0, "board \(board.host) dropped heartbeats for their tag: \(String(describing: final?.membership?.drops))")
            #expect((final?.services?.queryDrops["badTag"] ?? 0) == 0, "board \(board.host) dropped queries for their tag")
            #expect(final?.membership?.peers.allSatisfy { $0.state == .alive } == true, "\(describe(boards))")
        }
    }

    @Test func aBoardOnAKeyNobodyElseHas_isNeverAdmitted() throws {
        let lab = try Lab.up(hosts: 3, name: "key-stranger")
        defer { lab.down() }
        let key = try key(lab.keyFile)
        let stranger = try self.key(lab.keygen("\(lab.directory)/stranger.key"))
        let boards = [
            try join(lab, host: 1, idleCores: 0, key: key + "\n"),
            try join(lab, host: 2, idleCores: 1, key: key + "\n"),
            try join(lab, host: 3, idleCores: 4, key: stranger + "\n"),  // the strongest board, on its own key
        ]
        let ids = try boards.map { board in
            var id: String?
            _ = Lab.poll(within: 10, every: 0.1) { id = status(board)?.status.node.id; return id != nil }
            return try #require(id, "board \(board.host) never answered:\n\(describe(boards))")
        }
        let formed = Lab.poll(within: 15, every: 0.2) {
            status(boards[0])?.membership?.peers.contains { $0.id == ids[1] && $0.state == .alive } == true
        }
        try #require(formed, "boards 1 and 2 never saw each other:\n\(describe(boards))")

        // Board 3 finds boards 1 and 2 through discovery and heartbeats them under its own key:
        // wait until board 1 has refused such a frame, so that the check below is not passed
        // merely because board 3 had not spoken yet.
        var drops = 0
        _ = Lab.poll(within: 15, every: 0.2) {
            drops = status(boards[0])?.membership?.drops["badTag"] ?? 0
            return drops >= 1
        }
        #expect(drops >= 1, "board 1 must have dropped board 3's heartbeats for their tag\n\(describe(boards))")

        // Discovery names board 3, but none of its frames verifies: it is never heard, so never alive.
        var seen: String?
        let outcast = Lab.poll(within: 10, every: 0.2) {
            let views = boards[0...1].map { board in status(board)?.membership?.peers.first { $0.id == ids[2] } }
            seen = views.map { $0.map { "\($0.state)" } ?? "absent" }.joined(separator: ", ")
            return views.allSatisfy { $0 == nil || ($0?.state == .dead && $0?.lastHeardMs == nil) }
        }
        #expect(outcast, "board 3 (another key) is still counted by boards 1 and 2: \(seen ?? "")\n\(describe(boards))")

        let request = try lab.run(host: 1, timeout: 30, [Lab.nodeBinary, "request", "--video", "SD", "--json", "--control-socket", boards[0].socket])
        let answer = try JSONDecoder().decode(
            ServiceRequestAnswer.self, from: Data((request.stdout.split(separator: "\n").first.map(String.init) ?? "").utf8))
        #expect(answer.service.phase == .serving, "\(request)")
        #expect(answer.service.members.map(\.peer) == [ids[1]], "only board 2 may serve: \(request)")
    }
}
