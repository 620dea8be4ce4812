import QoSModel

/// The QoS value in [0, 1] the allocation gives each level of the QoS model: the mapping from
/// the model's presets to the knapsack's values.
///
/// The mapping is a stated policy, not a measurement: a level's value is
/// `videoShare x video[v] + (1 - videoShare) x audio[a]` for a level with video v and audio a,
/// `video[v]` for video alone, `audio[a]` for audio alone. The defaults rise with the presets'
/// attributes (pixels x frame rate; bit rate x sample rate) but concavely, as perceived quality
/// does: HD gives most of FHD's value at about a third of its decoding cost, SD about half.
/// `streams` do not change the value (a service of 3 streams at HD is served at HD); they
/// change the demand. A service's weight says how much its QoS matters against others'.
public struct LevelValues: Hashable, Sendable {
    /// Per video level. Default SD 0.5, HD 0.8, FHD 1.0 (the issue's own example values).
    public var video: [VideoLevel: Double]
    /// Per audio level. Default low 0.6, medium 0.8, high 1.0.
    public var audio: [AudioLevel: Double]
    /// The part of a video+audio level's value that its video carries, in [0, 1]. Default 0.8.
    public var videoShare: Double

    public init(
        video: [VideoLevel: Double] = [.sd: 0.5, .hd: 0.8, .fhd: 1.0],
        audio: [AudioLevel: Double] = [.low: 0.6, .medium: 0.8, .high: 1.0],
        videoShare: Double = 0.8
    ) {
        precondition(VideoLevel.allCases.allSatisfy { video[$0].map { (0...1).contains($0) } ?? false }, "a value per video level, in [0, 1]")
        precondition(AudioLevel.allCases.allSatisfy { audio[$0].map { (0...1).contains($0) } ?? false }, "a value per audio level, in [0, 1]")
        precondition((0...1).contains(videoShare), "videoShare must be in [0, 1]")
        self.video = video
        self.audio = audio
        self.videoShare = videoShare
    }

    public static let `default` = LevelValues()

    /// The value of `level`, in [0, 1].
    public func value(of level: QoSLevel) -> Double {
        switch (level.video, level.audio) {
        case (let v?, let a?): videoShare * video[v]! + (1 - videoShare) * audio[a]!
        case (let v?, nil): video[v]!
        case (nil, let a?): audio[a]!
        case (nil, nil): 0
        }
    }
}
