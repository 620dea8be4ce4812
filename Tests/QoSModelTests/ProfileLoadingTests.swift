import Foundation
import QoSModel
import Testing

@Suite struct ProfileLoadingTests {
    @Test func aProfileSurvivesAJSONRoundTrip() throws {
        let profile = makeProfile()
        let decoded = try CapabilityProfile.decode(profile.encoded())
        #expect(decoded == profile)
    }

    @Test func aWrongSchemaVersion_isRejected() throws {
        var json = try profileJSON()
        json["schemaVersion"] = 7
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(data(json), file: "p.json") }
        #expect(error == ProfileError(
            file: "p.json", field: "schemaVersion", problem: "version 7 is not supported; this build reads version 1"))
    }

    @Test func aMissingPreset_isRejected() throws {
        var profileWithoutFHD = makeProfile()
        profileWithoutFHD.presets.removeAll { $0.preset == .video(.fhd) }
        let error = #expect(throws: ProfileError.self) {
            try CapabilityProfile.decode(profileWithoutFHD.encoded(), file: "p.json")
        }
        #expect(error == ProfileError(file: "p.json", field: "presets", problem: "missing preset video.FHD"))
    }

    @Test func anUnknownPreset_isRejectedWithTheValidNames() throws {
        var json = try profileJSON()
        var presets = json["presets"] as! [[String: Any]]
        presets[0]["preset"] = "video.8K"
        json["presets"] = presets
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(data(json), file: "p.json") }
        #expect(error?.field == "presets[0].preset")
        #expect(error?.problem.contains("unknown preset 'video.8K'") == true)
    }

    @Test func aNegativeCPUFigure_isRejectedNamingTheField() throws {
        var profile = makeProfile()
        profile.presets[1].singleThread.cpuSecondsPerMediaSecond = -0.5
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(profile.encoded(), file: "p.json") }
        #expect(error == ProfileError(
            file: "p.json", field: "presets[video.HD].singleThread.cpuSecondsPerMediaSecond",
            problem: "must not be negative, got -0.5"))
    }

    @Test func absurdNumbers_areRejected() throws {
        var slow = makeProfile()
        slow.presets[0].multiThread.frameDecodeP99Milliseconds = 1e9
        #expect(throws: ProfileError.self) { try CapabilityProfile.decode(slow.encoded()) }

        var hugeMemory = makeProfile()
        hugeMemory.presets[2].memoryHighWaterBytes = 8 << 30
        let memoryError = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(hugeMemory.encoded()) }
        #expect(memoryError?.field == "presets[video.FHD].memoryHighWaterBytes")

        var noCores = makeProfile()
        noCores.device.cores = 0
        let coresError = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(noCores.encoded()) }
        #expect(coresError?.field == "device.cores")

        var inverted = makeProfile()
        inverted.presets[3].singleThread.frameDecodeP99Milliseconds = 1
        let percentileError = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(inverted.encoded()) }
        #expect(percentileError?.field == "presets[audio.low].singleThread.frameDecodeP99Milliseconds")
    }

    @Test func aDuplicatedPreset_isRejected() throws {
        var profile = makeProfile()
        profile.presets.append(profile.presets[0])
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(profile.encoded()) }
        #expect(error == ProfileError(file: "<data>", field: "presets[video.SD]", problem: "measured twice"))
    }

    @Test func aMissingField_isNamed() throws {
        var json = try profileJSON()
        var device = json["device"] as! [String: Any]
        device.removeValue(forKey: "cores")
        json["device"] = device
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(data(json), file: "p.json") }
        #expect(error == ProfileError(file: "p.json", field: "device.cores", problem: "missing"))
    }

    @Test func notJSON_isRejected() {
        let error = #expect(throws: ProfileError.self) { try CapabilityProfile.decode(Data("{oops".utf8), file: "p.json") }
        #expect(error?.field == "")
        #expect(error?.problem.hasPrefix("not a JSON object") == true)
    }
}
