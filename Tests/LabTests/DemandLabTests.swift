import ChildProcess
import Coalition
import Foundation
import LabKit
import MediaCore
import QoSModel
import Testing

/// Demand from the input: `node request --input` sends the input's size and frame rate with its
/// queries and reservations, every member prices that input from its own profile, and
/// report.json shows each member's estimate beside the CPU per media second it measured.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct DemandLabTests {
    /// A 10 s H.264 clip (video only: the estimate and the measured CPU are then both per second
    /// of video) with B-frames and a keyframe every second, made by the ffmpeg CLI.
    static func clip(width: Int, height: Int, rate: Int) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("coalition-demand-\(width)x\(height)@\(rate).mp4").path
        if !FileManager.default.fileExists(atPath: path) {
            _ = try? ChildProcess.run(Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg", [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=\(rate)",
                "-t", "10", "-c:v", "libx264", "-bf", "3", "-g", "\(rate)", "-pix_fmt", "yuv420p", path + ".tmp.mp4",
            ])
            try? FileManager.default.moveItem(atPath: path + ".tmp.mp4", toPath: path)
        }
        return path
    }

    func join(_ lab: Lab, host: Int, idleCores: Double) throws {
        try lab.joinBoard(host: host, idleCores: idleCores)
    }

    /// Decodes `clip` on two members in batch and returns the report and what the committed
    /// profile estimates for the clip.
    func decode(_ clip: String, _ input: InputDescription, lab name: String) throws -> (StreamReport, DemandEstimate) {
        let profile = try CapabilityProfile.decode(Data(contentsOf: URL(fileURLWithPath: try Lab.committedProfile())))
        let estimate = try #require(profile.estimateDemand(for: input))
        let lab = try Lab.up(hosts: 3, name: name)
        defer { lab.down() }
        try join(lab, host: 1, idleCores: 0)
        for host in 2...3 { try join(lab, host: host, idleCores: 0.1) }
        let listed = Lab.poll(within: 15, every: 0.1) {
            (Lab.nodeStatus(socket: "\(lab.host(1).directory)/node.sock")?.membership?.peers.filter { $0.state == .alive }.count ?? 0) >= 2
        }
        try #require(listed, "host 1 does not see its 2 peers")
        let out = "\(lab.directory)/out"
        let output = try lab.run(host: 1, timeout: 120, [
            Lab.nodeBinary, "request", "--input", clip, "--output", out, "--batch", "--control-socket", "\(lab.host(1).directory)/node.sock",
        ])
        #expect(output.status == 0, "\(output)")
        let report = try JSONDecoder().decode(StreamReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/report.json")))
        #expect(report.complete, "\(report.frames)")
        return (report, estimate)
    }

    func check(_ report: StreamReport, _ estimate: DemandEstimate, _ label: String) {
        let working = report.members.filter { $0.unitsDone > 0 }
        #expect(!working.isEmpty)
        for member in report.members {
            // Every member priced the input itself: the committed profile's estimate, not a
            // preset's; once the requester measured the units (a recalibration), the profile's
            // decode figure times the calibration it asked for.
            let calibration = member.estimate?.calibration ?? 1
            let estimated: Double = member.estimatedCPUPerMediaSecond ?? -1
            let expected: Double = estimate.decodeCPUSecondsPerMediaSecond * calibration + (estimate.hash.cpuSecondsPerMediaSecond ?? 0)
            #expect(abs(estimated - expected) < 1e-9, "\(member.member): estimated \(estimated), the profile says \(expected)")
            // And what it is made of: decode, and the frame hash when the profile measured its rate.
            #expect(abs((member.estimate?.decodeCPUPerMediaSecond ?? -1) - estimate.decodeCPUSecondsPerMediaSecond * calibration) < 1e-9)
            #expect(member.estimate?.hashCPUPerMediaSecond == estimate.hash.cpuSecondsPerMediaSecond)
            if let measured = member.measuredCPUPerMediaSecond, member.estimate?.calibration != nil {
                // Calibrated to what its units cost (over its recent units; the whole stream's
                // figure may differ a little).
                #expect(abs(estimated / measured - 1) < 0.25, "\(member.member): calibrated to \(estimated), measured \(measured)")
            }
        }
        for member in working {
            let measured = member.measuredCPUPerMediaSecond ?? 0
            #expect(measured > 0)
            print(String(
                format: "demand from the input: %@ member %@ estimated %.4f (%@), measured %.4f CPU s per media s: ratio %.2f; reserved at the end: %@",
                label, String(member.member.prefix(8)), estimate.cpuSecondsPerMediaSecond, "\(estimate)", measured,
                measured / estimate.cpuSecondsPerMediaSecond, member.estimate?.summary ?? "-"))
        }
    }

    @Test func a720p24Input_isPricedAtHD_andTheReportShowsEstimatedBesideMeasured() throws {
        let input = InputDescription(codec: .h264, width: 1280, height: 720, frameRateNumerator: 24, frameRateDenominator: 1)!
        let (report, estimate) = try decode(Self.clip(width: 1280, height: 720, rate: 24), input, lab: "demand-720")
        #expect(estimate.cpuBasis == .measured(.hd))
        check(report, estimate, "1280x720@24")
    }

    @Test func a960x540At30Input_isPricedBetweenSDAndHD_andTheReportShowsEstimatedBesideMeasured() throws {
        let input = InputDescription(codec: .h264, width: 960, height: 540, frameRateNumerator: 30, frameRateDenominator: 1)!
        let (report, estimate) = try decode(Self.clip(width: 960, height: 540, rate: 30), input, lab: "demand-540")
        #expect(estimate.cpuBasis == .interpolated(.sd, .hd))
        check(report, estimate, "960x540@30")
    }
}
