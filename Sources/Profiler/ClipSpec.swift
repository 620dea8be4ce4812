import Media
import QoSModel

/// What test clip a preset is measured on: its codec settings, length and file name.
///
/// Video: H.264 (libx264, `veryfast`, High profile, yuv420p, a key frame every 2 s) in MP4, video
/// stream only, at a bit rate typical of streaming at that size (SD 1.5, HD 3, FHD 6 Mbit/s).
/// Audio: MP3 (libmp3lame) stereo at the preset's bit rate and sampling rate, in a plain `.mp3`
/// file, audio stream only.
public struct ClipSpec: Sendable, Equatable {
    /// Bumped whenever the synthesis changes, so stale cached clips are not reused.
    static let synthesisVersion = 2

    public let preset: MediaPreset
    /// Requested length in seconds of media.
    public let durationSeconds: Double

    public init(preset: MediaPreset, durationSeconds: Double) {
        self.preset = preset
        self.durationSeconds = durationSeconds
    }

    public var kind: MediaKind {
        switch preset {
        case .video: .video
        case .audio: .audio
        }
    }

    /// Video bit rate in bit/s for a level.
    static func videoBitRate(_ level: VideoLevel) -> Int {
        switch level {
        case .sd: 1_500_000
        case .hd: 3_000_000
        case .fhd: 6_000_000
        }
    }

    var videoEncoding: VideoEncoding? {
        guard case .video(let level) = preset else { return nil }
        let fps = level.framesPerSecond
        return VideoEncoding(
            width: level.frameSize.width, height: level.frameSize.height, framesPerSecond: fps,
            frameCount: max(1, Int((durationSeconds * Double(fps)).rounded())),
            bitRate: Self.videoBitRate(level), gopFrames: 2 * fps)
    }

    var audioEncoding: AudioEncoding? {
        guard case .audio(let level) = preset else { return nil }
        return AudioEncoding(
            sampleRate: level.sampleRateHz, bitRate: level.bitRateKbps * 1000,
            sampleCount: max(1, Int((durationSeconds * Double(level.sampleRateHz)).rounded())))
    }

    /// e.g. `video.HD-10000ms-v1.mp4`, `audio.high-500ms-v1.mp3`.
    public var fileName: String {
        let milliseconds = Int((durationSeconds * 1000).rounded())
        let ext = kind == .video ? "mp4" : "mp3"
        return "\(preset.id)-\(milliseconds)ms-v\(Self.synthesisVersion).\(ext)"
    }

    /// A one-line description of the encoding, for the profile's notes.
    public var encodingSummary: String {
        if let video = videoEncoding {
            return "\(preset.id): H.264 \(video.width)x\(video.height)@\(video.framesPerSecond) "
                + "\(video.bitRate / 1000) kbit/s (\(video.encoder) \(video.speedPreset), GOP \(video.gopFrames)) in MP4"
        }
        if let audio = audioEncoding {
            return "\(preset.id): MP3 stereo \(audio.bitRate / 1000) kbit/s \(audio.sampleRate) Hz (\(audio.encoder))"
        }
        return preset.id
    }
}
