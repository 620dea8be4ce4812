import ChildProcess
import Coalition
import Foundation
import LabKit
import MediaCore
import Testing

/// `node request --input F --output DIR --thumbnails S`: the members' decode workers shrink the
/// frame on screen every S seconds, and the requester lays them out in contact-sheet.png. The
/// PNG is read back with the ffmpeg CLI and one tile compared with ffmpeg's own area-scaled frame.
@Suite(.serialized, .enabled(if: Lab.isAvailable, "\(Lab.unavailableReason ?? "")"))
struct ContactSheetLabTests {
    static let ffmpeg = Executables.find("ffmpeg") ?? "/usr/bin/ffmpeg"

    /// Decoded RGB of an image file or a frame, as ffmpeg gives it (`arguments` before the output).
    func rgb(_ arguments: [String], into file: String) throws -> [UInt8] {
        let output = try ChildProcess.run(Self.ffmpeg, ["-hide_banner", "-loglevel", "error", "-y"] + arguments + ["-f", "rawvideo", "-pix_fmt", "rgb24", file])
        try #require(output.status == 0, "\(output)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    @Test func aClipDecodedWithThumbnails_makesAContactSheetWhoseTilesAreFFmpegsScaledFrames() throws {
        // 10 s of 1280x720 at 24 fps with B-frames, a thumbnail every 2 s: 0, 2, 4, 6 and 8 s.
        let clip = DemandLabTests.clip(width: 1280, height: 720, rate: 24)
        let lab = try Lab.up(hosts: 3, name: "contact-sheet")
        defer { lab.down() }
        let demand = DemandLabTests()
        try demand.join(lab, host: 1, idleCores: 0)
        for host in 2...3 { try demand.join(lab, host: host, idleCores: 0.1) }
        let listed = Lab.poll(within: 15, every: 0.1) {
            (Lab.nodeStatus(socket: "\(lab.host(1).directory)/node.sock")?.membership?.peers.filter { $0.state == .alive }.count ?? 0) >= 2
        }
        try #require(listed, "host 1 does not see its 2 peers")
        let out = "\(lab.directory)/out"
        let output = try lab.run(host: 1, timeout: 120, [
            Lab.nodeBinary, "request", "--input", clip, "--output", out, "--batch", "--thumbnails", "2",
            "--control-socket", "\(lab.host(1).directory)/node.sock",
        ])
        #expect(output.status == 0, "\(output)")
        let png = "\(out)/contact-sheet.png"
        try #require(FileManager.default.fileExists(atPath: png), "no contact sheet: \(output)")
        // Kept beside the clips for a person to look at (the lab directory goes with the lab).
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("coalition-contact-sheet.png").path
        try? FileManager.default.removeItem(atPath: kept)
        try? FileManager.default.copyItem(atPath: png, toPath: kept)

        // The PNG's size is the layout's for 5 tiles of 160x90 (the picture's aspect).
        let sheet = ContactSheet(tiles: 5, tileWidth: 160, tileHeight: 90)
        let probe = try ChildProcess.run(
            Executables.find("ffprobe") ?? "/usr/bin/ffprobe",
            ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", png])
        #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(sheet.width),\(sheet.height)", "\(probe)")
        let pixels = try rgb(["-i", png], into: "\(lab.directory)/sheet.rgb")
        try #require(pixels.count == sheet.width * sheet.height * 3)

        // Tile 2 (4 s) against ffmpeg's frame at 4 s, area-scaled to the tile's size.
        let reference = try rgb(
            ["-ss", "4", "-i", clip, "-frames:v", "1", "-vf", "scale=160:90:flags=area"], into: "\(lab.directory)/frame.rgb")
        try #require(reference.count == 160 * 90 * 3)
        let (x0, y0) = sheet.origin(of: 2)
        var difference = 0
        for row in 0..<90 {
            for byte in 0..<(160 * 3) {
                difference += abs(Int(pixels[((y0 + row) * sheet.width + x0) * 3 + byte]) - Int(reference[row * 160 * 3 + byte]))
            }
        }
        let mean = Double(difference) / Double(160 * 90 * 3)
        print(String(format: "contact sheet: tile at 4 s against ffmpeg's area-scaled frame: mean absolute difference %.2f of 255", mean))
        #expect(mean < 6, "the tile differs from ffmpeg's scaled frame by \(mean) on average")
        // And it is not any frame: against the frame at 6 s the difference is far larger.
        let other = try rgb(
            ["-ss", "6", "-i", clip, "-frames:v", "1", "-vf", "scale=160:90:flags=area"], into: "\(lab.directory)/other.rgb")
        var otherDifference = 0
        for row in 0..<90 {
            for byte in 0..<(160 * 3) {
                otherDifference += abs(Int(pixels[((y0 + row) * sheet.width + x0) * 3 + byte]) - Int(other[row * 160 * 3 + byte]))
            }
        }
        #expect(Double(otherDifference) / Double(160 * 90 * 3) > mean * 2, "the tile at 4 s looks like the frame at 6 s too")
    }
}
