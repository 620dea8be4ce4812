import ChildProcess
import Coalition
import Foundation
import LabKit
import MediaCore
import Testing

/// The service work end to end: real `node join` daemons in lab hosts, `node request --input`
/// on host 1, real members decoding real H.264 in `node worker decode` processes, and the real
/// ffmpeg CLI as the reference for every frame.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct StreamLabTests {
    /// A 20 s 720p24 clip with B-frames (3), a keyframe every second, and AAC audio without
    /// noise substitution (which no cut can reproduce exactly: see Media's README).
    static let clip: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("coalition-stream-lab-hd20.mp4").path
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? ChildProcess.run(Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg", [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "20", "-c:v", "libx264", "-bf", "3", "-g", "24",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-aac_pns", "0", "-shortest", path + ".tmp.mp4",
            ])
            try? FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
        }
        return path
    }()

    /// The hashes of `ffmpeg -i clip -map 0:v:0 -f framemd5 -`, in order.
    static func ffmpegVideoHashes(_ clip: String) throws -> [String] {
        let output = try ChildProcess.run(Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", clip, "-map", "0:v:0", "-f", "framemd5", "-"])
        return hashes(output.stdout, stream: "0")
    }

    /// The last field of every frame line of `stream` in a framemd5 text.
    static func hashes(_ text: String, stream: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } == stream }
            .compactMap { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func join(_ lab: Lab, host: Int, idleCores: Double) throws {
        try lab.joinBoard(host: host, idleCores: idleCores)
    }

    func waitForPeers(_ lab: Lab, _ count: Int) throws {
        let listed = Lab.poll(within: 15, every: 0.1) {
            (Lab.nodeStatus(socket: "\(lab.host(1).directory)/node.sock")?.membership?.peers.filter { $0.state == .alive }.count ?? 0) >= count
        }
        try #require(listed, "host 1 does not see \(count) live peers")
    }

    func request(_ lab: Lab, _ arguments: [String], timeout: Double = 120) throws -> CommandOutput {
        try lab.run(host: 1, timeout: timeout, [Lab.nodeBinary, "request"] + arguments + ["--control-socket", "\(lab.host(1).directory)/node.sock"])
    }

    func report(_ directory: String) throws -> StreamReport {
        try JSONDecoder().decode(StreamReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/report.json")))
    }

    /// Three members, each lending about half of what an HD stream takes (with headroom), so
    /// that any two can carry it.
    func coalition(_ name: String) throws -> Lab {
        let lab = try Lab.up(hosts: 4, name: name)
        try join(lab, host: 1, idleCores: 0)
        for host in 2...4 { try join(lab, host: host, idleCores: 0.07) }
        try waitForPeers(lab, 3)
        return lab
    }

    @Test func threeMembersDecodeAnHDClipWithBFrames_everyVideoFrameEqualsFFmpegs() throws {
        let expected = try Self.ffmpegVideoHashes(Self.clip)
        try #require(expected.count == 480, "the reference clip has \(expected.count) frames")
        let lab = try coalition("stream-hd")
        defer { lab.down() }
        let out = "\(lab.directory)/out"
        let output = try request(lab, ["--input", Self.clip, "--output", out, "--batch"])
        #expect(output.status == 0, "\(output)")
        let frames = try String(contentsOfFile: "\(out)/frames.md5", encoding: .utf8)
        let video = Self.hashes(frames, stream: "0")
        #expect(video.count == expected.count)
        #expect(video == expected, "frames differ from ffmpeg's from frame \(zip(video, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
        #expect(Self.hashes(frames, stream: "1").count > 900, "the audio frames are there too")
        let report = try report(out)
        #expect(report.complete && report.frames.lost == 0, "\(report.frames)")
        #expect(report.members.filter { $0.unitsDone > 0 }.count >= 2, "the units were spread: \(report.members.map { "\($0.member.prefix(8)): \($0.unitsDone)" })")
    }

    @Test func aMemberCutOffMidStream_losesNoFrame_andTheOutputStillEqualsFFmpegs() throws {
        let expected = try Self.ffmpegVideoHashes(Self.clip)
        let lab = try coalition("stream-cut")
        defer { lab.down() }
        let out = "\(lab.directory)/out"
        // Live: 20 s at the media's pace; host 3 loses its link 6 s in.
        let requester = lab.process(host: 1, [Lab.nodeBinary, "request", "--input", Self.clip, "--output", out, "--control-socket", "\(lab.host(1).directory)/node.sock"])
        let captured = FileManager.default.temporaryDirectory.appendingPathComponent("stream-cut-\(UUID().uuidString).log")
        try #require(FileManager.default.createFile(atPath: captured.path, contents: nil), "cannot create \(captured.path)")
        defer { try? FileManager.default.removeItem(at: captured) }
        requester.standardOutput = try FileHandle(forWritingTo: captured)
        requester.standardError = requester.standardOutput
        try requester.run()
        Thread.sleep(forTimeInterval: 6)
        try lab.cut(host: 3)
        let ended = Lab.poll(within: 90, every: 0.5) { !requester.isRunning }
        if !ended { requester.terminate() }
        requester.waitUntilExit()
        try #require(ended, "the stream did not end within 90 s")
        let log = (try? String(contentsOf: captured, encoding: .utf8)) ?? ""
        #expect(requester.terminationStatus == 0, "\(log)")
        let video = Self.hashes(try String(contentsOfFile: "\(out)/frames.md5", encoding: .utf8), stream: "0")
        #expect(video == expected, "\(video.count) of \(expected.count) frames; log:\n\(log)")
        let report = try report(out)
        #expect(report.frames.lost == 0 && report.complete, "\(report.frames)")
        print("streams: cut a member 6 s in: \(report.frames.late) late of \(report.frames.delivered), \(report.units.redispatched) unit(s) re-dispatched")
    }

    @Test func inputsThatAreNotMedia_orAreDamaged_areRefusedNamingThem_andEveryDaemonLives() throws {
        let lab = try coalition("stream-bad")
        defer { lab.down() }
        let text = "\(lab.directory)/notes.txt"
        try Data("not a video at all\n".utf8).write(to: URL(fileURLWithPath: text))
        let refused = try request(lab, ["--input", text, "--batch"])
        #expect(refused.status == 4, "the input failed: \(refused)")
        #expect(refused.stderr.contains("notes.txt") && refused.stderr.contains("not media"), "\(refused)")

        // An MPEG-TS cut off and overwritten in its middle: what came before is delivered, the
        // damage is named with its position, and the exit status says the input failed.
        let ts = "\(lab.directory)/damaged.ts"
        _ = try ChildProcess.run(Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", Self.clip, "-t", "6", "-c", "copy", ts])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: ts))
        let middle = bytes.count / 2
        bytes.replaceSubrange(middle..<middle + 4000, with: Data(repeating: 0x47, count: 4000))
        try bytes.write(to: URL(fileURLWithPath: ts))
        let damaged = try request(lab, ["--input", ts, "--batch", "--output", "\(lab.directory)/damaged"])
        #expect(damaged.status != 0, "\(damaged)")
        #expect(damaged.combined.contains("damaged.ts"), "\(damaged)")

        // More than the coalition can carry: said plainly, exit status 2, nothing decoded.
        let tooMuch = try request(lab, ["--input", Self.clip, "--video", "FHD", "--batch"])
        #expect(tooMuch.status == 2 && tooMuch.stderr.contains("cannot serve"), "\(tooMuch)")

        for host in 1...4 {
            #expect(Lab.nodeStatus(socket: "\(lab.host(host).directory)/node.sock") != nil, "board \(host)'s daemon died")
        }
    }
}
