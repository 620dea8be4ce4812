import MediaCore
import QoSModel

/// The level an input calls for: video by its picture size (the smallest level whose frame holds
/// as many pixels, FHD above), audio by its sampling rate (up to 32 kHz low, up to 44.1 kHz
/// medium, above high).
enum InputLevel {
    static func level(for streams: [StreamDescription]) -> QoSLevel? {
        let video = streams.first { $0.parameters.codec.kind == .video }.map { stream -> VideoLevel in
            let pixels = Int(stream.parameters.width) * Int(stream.parameters.height)
            return VideoLevel.allCases.first { $0.frameSize.width * $0.frameSize.height >= pixels } ?? .fhd
        }
        let audio = streams.first { $0.parameters.codec.kind == .audio }.map { stream -> AudioLevel in
            switch stream.parameters.sampleRate {
            case ...32_000: .low
            case ...44_100: .medium
            default: .high
            }
        }
        guard video != nil || audio != nil else { return nil }
        return QoSLevel(video: video, audio: audio)
    }

    /// The input's video as members price it (``InputDescription``): its first video stream's
    /// codec, size and average frame rate; nil without video, or with no known frame rate or a
    /// size or rate outside what a description carries (members then price the level's preset).
    static func description(of streams: [StreamDescription]) -> InputDescription? {
        guard let video = streams.first(where: { $0.parameters.codec.kind == .video }),
            let rate = video.parameters.frameRate, video.parameters.codec == .h264
        else { return nil }
        return InputDescription(
            codec: .h264, width: Int(video.parameters.width), height: Int(video.parameters.height),
            frameRateNumerator: Int(rate.numerator), frameRateDenominator: Int(rate.denominator))
    }

    /// One line per stream for people: `0: h264 1280x720 at 24/1 fps`, `1: aac 48000 Hz 2 ch`.
    static func describe(_ stream: StreamDescription) -> String {
        let p = stream.parameters
        switch p.codec.kind {
        case .video:
            let rate = p.frameRate.map { " at \($0.numerator)/\($0.denominator) fps" } ?? ""
            return "\(stream.index): \(p.codec) \(p.width)x\(p.height)\(rate)"
        case .audio:
            return "\(stream.index): \(p.codec) \(p.sampleRate) Hz \(p.channels) ch"
        }
    }
}
