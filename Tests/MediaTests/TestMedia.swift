import Foundation
import Media
import MediaCore

/// Real clips made by the ffmpeg CLI, generated once per machine into a cache directory (a
/// clip's name says how it was made) and shared by every test.
enum TestMedia {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("coalition-media-tests-v2")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private static let lock = NSLock()

    /// 20 s of 720p24 with 3 B-frames, closed GOPs of 48, and 48 kHz mono AAC (the issue's clip).
    ///
    /// AAC clips are encoded without perceptual noise substitution (`-aac_pns 0`): the decoder
    /// fills noise bands from a generator whose state runs over the whole stream
    /// (`random_state` in libavcodec/aacdec_template.c), which no pre-roll can rebuild (see
    /// `aacWithNoiseSubstitutionDiffersAfterTheFirstUnit`).
    static var hd20: String {
        clip("hd20.mp4", [
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "48", "-c:a", "aac", "-aac_pns", "0",
        ])
    }

    /// Open GOPs (keyint 24) with scene cuts, 3 B-frames, and stereo AAC.
    static var openGOP: String {
        clip("opengop.mp4", [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "6", "-ac", "2", "-c:v", "libx264", "-bf", "3", "-x264-params", "open-gop=1:keyint=24:scenecut=40", "-c:a", "aac", "-aac_pns", "0",
        ])
    }

    /// MPEG-TS, open GOPs, AAC at 44.1 kHz.
    static var transportStream: String {
        clip("stream.ts", [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100",
            "-t", "5", "-c:v", "libx264", "-bf", "2", "-x264-params", "open-gop=1:keyint=25", "-c:a", "aac", "-aac_pns", "0", "-f", "mpegts",
        ])
    }

    /// Matroska with H.264 (30 fps, keyint 15) and MP3.
    static var matroska: String {
        clip("clip.mkv", [
            "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30", "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100",
            "-t", "4", "-c:v", "libx264", "-g", "15", "-c:a", "libmp3lame", "-b:a", "64k",
        ])
    }

    /// MP3 only: 44.1 kHz stereo at 128 kbit/s, with a LAME header (encoder delay and padding).
    static var mp3: String {
        clip("audio.mp3", [
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100", "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.1:sample_rate=44100",
            "-filter_complex", "[0][1]amerge=inputs=2", "-t", "6", "-c:a", "libmp3lame", "-b:a", "128k",
        ])
    }

    /// MP3 at a low bit rate (32 kbit/s mono), where the bit reservoir reaches back furthest.
    static var mp3Low: String {
        clip("audio-low.mp3", [
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:sample_rate=48000", "-t", "4", "-ac", "1",
            "-c:a", "libmp3lame", "-b:a", "32k",
        ])
    }

    /// HEVC, or nil when this ffmpeg has no libx265.
    static var hevc: String? {
        guard (try? run(["-hide_banner", "-encoders"]))?.contains("libx265") == true else { return nil }
        return clip("hevc.mp4", ["-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-t", "1", "-c:v", "libx265"])
    }

    static var png: String {
        clip("picture.png", ["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1"])
    }

    /// Makes `name` with ffmpeg unless it is cached; the arguments come before the output.
    static func clip(_ name: String, _ arguments: [String]) -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = directory.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = directory.appendingPathComponent("partial-\(UUID().uuidString)-\(name)").path
        do {
            _ = try run(["-v", "error", "-y"] + arguments + [partial])
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            fatalError("could not make \(name): \(error)")
        }
        return path
    }

    /// A private copy of `path` for a test to damage.
    static func copy(_ path: String, named name: String) throws -> URL {
        let url = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: path), to: url)
        return url
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs ffmpeg; its standard output as text.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailed(description: "ffmpeg \(arguments.joined(separator: " ")): \(errorText)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The frame lines (not `#` lines) of ffmpeg's framemd5 of `path` with `selection`
    /// (e.g. `["-map", "0:v:0"]`).
    static func ffmpegFrameMD5(_ path: String, _ selection: [String]) throws -> [String] {
        try run(["-v", "error", "-i", path] + selection + ["-f", "framemd5", "-"])
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    static let videoSelection = ["-map", "0:v:0"]
    /// The documented command for the audio lines.
    static let audioSelection = ["-map", "0:a:0", "-c:a", "pcm_f32le"]
}

/// The hash column of framemd5 lines.
func hashes(_ lines: [String]) -> [String] {
    lines.map { String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces)) }
}
