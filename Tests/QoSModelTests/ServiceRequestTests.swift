import QoSModel
import Testing

@Suite struct ServiceRequestTests {
    @Test func anUnknownVideoLevel_namesTheValidLevels() {
        #expect(throws: PresetParseError.self) { try VideoLevel(parsing: "XYZ") }
        do {
            _ = try VideoLevel(parsing: "XYZ")
        } catch {
            #expect(error.description == "'XYZ' is not a video level; valid video levels are SD, HD, FHD")
        }
    }

    @Test func levelsParseCaseInsensitively() throws {
        #expect(try VideoLevel(parsing: "hd") == .hd)
        #expect(try AudioLevel(parsing: "HIGH") == .high)
    }

    @Test func aLadderStartsWithTheRequestedLevelAndGoesDown() throws {
        let request = try ServiceRequest.parse(video: "FHD", audio: "high", accept: ["HD", "SD"], streams: 2)
        #expect(request.ladder.map(\.description) == ["FHD+high", "HD+high", "SD+high"])
        #expect(request.streams == 2)
        #expect(request.preferred == QoSLevel(video: .fhd, audio: .high))
    }

    @Test func acceptRepeatingTheRequestedLevel_isNotDuplicated() throws {
        let request = try ServiceRequest.parse(video: "HD", audio: nil, accept: ["HD", "SD"])
        #expect(request.ladder == [QoSLevel(video: .hd), QoSLevel(video: .sd)])
    }

    @Test func aLadderThatGoesUp_isRejected() {
        #expect(throws: ServiceRequestError.ladderNotDescending(higher: QoSLevel(video: .sd), lower: QoSLevel(video: .hd))) {
            try ServiceRequest.parse(video: "SD", audio: nil, accept: ["HD"])
        }
    }

    @Test func streamCountsOutsideOneToSixtyFour_areRejected() {
        #expect(throws: ServiceRequestError.streamCount(0)) { try ServiceRequest(QoSLevel(video: .hd), streams: 0) }
        #expect(throws: ServiceRequestError.streamCount(65)) { try ServiceRequest(QoSLevel(video: .hd), streams: 65) }
    }

    @Test func anAudioOnlyRequest_isAllowed() throws {
        let request = try ServiceRequest.parse(video: nil, audio: "medium")
        #expect(request.preferred.presets == [.audio(.medium)])
    }
}
