import Foundation
import QoSModel
import Testing

/// CPU cores one stream holds on the committed profile's board: the single-threaded decode of
/// its preset plus the evaluation's default headroom (`EvaluationConfiguration().headroom`,
/// 25%), as a member reserves it. The service lab tests size their boards' spare cores with it.
struct ProfileCosts {
    var hdCoresWithHeadroom: Double
    var sdCoresWithHeadroom: Double

    init(path: String) throws {
        let profile = try CapabilityProfile.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path)
        let headroom = EvaluationConfiguration().headroom
        func cost(_ preset: MediaPreset) throws -> Double {
            let measured = try #require(profile.measurement(of: preset), "\(path) has no \(preset)")
            return measured.singleThread.cpuSecondsPerMediaSecond * (1 + headroom)
        }
        hdCoresWithHeadroom = try cost(.video(.hd))
        sdCoresWithHeadroom = try cost(.video(.sd))
    }
}
