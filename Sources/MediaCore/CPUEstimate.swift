import Foundation

/// What a member's profile estimates one whole stream costs it in CPU, and what that is made of
/// (the member's decode worker decodes every unit and hashes every decoded frame for
/// `frames.md5`). Carried in its reservation answer; shown in `report.json` and
/// `node request --watch` against what the member measured.
public struct CPUEstimate: Hashable, Sendable, Codable {
    /// CPU seconds per second of media, all parts together (the demand the member reserved by).
    public var cpuPerMediaSecond: Double
    /// Of which decoding (the video, and the audio if the stream has some), CPU seconds per
    /// media second; nil when the member did not say (an answer from an earlier build).
    public var decodeCPUPerMediaSecond: Double?
    /// Of which hashing the decoded pictures, CPU seconds per media second; nil when the
    /// member's profile did not measure its frame-hash rate (``basis`` says so) or it did not say.
    public var hashCPUPerMediaSecond: Double?
    /// What the figures come from, in words: the presets, the hash rate, or that it is missing.
    public var basis: String?
    /// The calibration the reservation asked the member to price the stream at (its measured
    /// decode cost against the presets', ``DemandCalibration``): the decode part is the
    /// presets' figure times it. Nil: the profile's figures, not yet measured on the stream.
    public var calibration: Double?

    public init(
        cpuPerMediaSecond: Double, decodeCPUPerMediaSecond: Double? = nil, hashCPUPerMediaSecond: Double? = nil, basis: String? = nil,
        calibration: Double? = nil
    ) {
        self.cpuPerMediaSecond = cpuPerMediaSecond
        self.decodeCPUPerMediaSecond = decodeCPUPerMediaSecond
        self.hashCPUPerMediaSecond = hashCPUPerMediaSecond
        self.basis = basis
        self.calibration = calibration
    }

    /// `estimated 0.171 (decode 0.105 + hash 0.066)`, `estimated 0.105 (decode 0.105, hash not
    /// priced)`, or `estimated 0.105` when the parts are unknown; a calibrated estimate says so:
    /// `estimated 0.124 (decode 0.058 at 0.55x the presets' + hash 0.066)`.
    public var summary: String {
        var text = String(format: "estimated %.3f", cpuPerMediaSecond)
        guard let decode = decodeCPUPerMediaSecond else { return text }
        let measured = calibration.map { String(format: " at %.2fx the presets'", $0) } ?? ""
        if let hash = hashCPUPerMediaSecond {
            text += String(format: " (decode %.3f%@ + hash %.3f)", decode, measured, hash)
        } else {
            text += String(format: " (decode %.3f%@, hash not priced)", decode, measured)
        }
        return text
    }

    /// The summary against a measured figure: `estimated 0.171 (decode 0.105 + hash 0.066)
    /// against measured 0.123 (1.39x)`.
    public func against(measured: Double?) -> String {
        guard let measured else { return summary + " against measured -" }
        let ratio = measured > 0 ? String(format: " (%.2fx)", cpuPerMediaSecond / measured) : ""
        return summary + String(format: " against measured %.3f", measured) + ratio
    }
}
