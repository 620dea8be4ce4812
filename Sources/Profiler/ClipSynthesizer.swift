import Media

/// Makes a test clip in-process with libavcodec's encoders: deterministic content from
/// `VideoPattern` or `AudioSweep`, muxed with libavformat.
enum ClipSynthesizer {
    /// Writes the clip of `spec` to `path`; `progress` gets the share done (0...1).
    static func write(_ spec: ClipSpec, to path: String, progress: (Double) -> Void = { _ in }) throws(FFmpegError) {
        try FFmpegLibrary.prepare()
        if let video = spec.videoEncoding {
            let pattern = VideoPattern(width: video.width, height: video.height)
            try MediaEncoder.writeVideo(to: path, video) { index, image in
                pattern.draw(frame: index, into: &image)
                progress(Double(index + 1) / Double(video.frameCount))
            }
        } else if let audio = spec.audioEncoding {
            let sweep = AudioSweep(sampleRate: audio.sampleRate)
            try MediaEncoder.writeAudio(to: path, audio) { start, channels in
                sweep.draw(from: start, into: &channels)
                progress(Double(start + (channels.first?.count ?? 0)) / Double(audio.sampleCount))
            }
        }
    }
}
