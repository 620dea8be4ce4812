import Foundation
import Media
import MediaCore
import Testing

/// The decode worker makes exactly the thumbnails `ThumbnailPlanner` names, from the frames it
/// decodes, and only when a unit asks for them.
@Suite("Thumbnails made while decoding units", .serialized)
struct ThumbnailDecodingTests {
    /// Every video unit of `path` decoded with a thumbnail request every `seconds`; returns the
    /// thumbnails made and those the planner names from the emitted frames.
    func decode(_ path: String, everySeconds seconds: Double) throws -> (made: [Thumbnail], planned: [(index: UInt32, pts: Int64)]) {
        let demuxer = try Demuxer(.file(path))
        let units = try demuxer.cutAll(.init())
        let stream = try #require(demuxer.streams.first { $0.parameters.codec.kind == .video })
        let base = stream.parameters.timeBase
        let request = ThumbnailRequest(
            interval: Int64((seconds * Double(base.denominator) / Double(base.numerator)).rounded()), origin: stream.startTime,
            tileWidth: 32, tileHeight: 18)
        var made: [Thumbnail] = []
        var planned: [(index: UInt32, pts: Int64)] = []
        for var unit in units[Int(stream.index)] {
            #expect(UnitDecoder.decode(unit).thumbnails.isEmpty, "no thumbnails unless asked")
            unit.thumbnails = request
            let result = UnitDecoder.decode(unit)
            #expect(result.failure == nil)
            made += result.thumbnails
            planned += ThumbnailPlanner.picks(request, emit: unit.emit, frames: result.frames.map { ($0.pts, $0.duration) })
        }
        return (made, planned)
    }

    @Test func aClipWithBFrames_getsOneThumbnailPerInterval_fromTheFramesThePlannerNames() throws {
        // 20 s of 720p24, a thumbnail every 1.5 s: 0, 1.5, ... 19.5 s.
        let (made, planned) = try decode(TestMedia.hd20, everySeconds: 1.5)
        #expect(made.map(\.index) == Array(0...13))
        #expect(made.map(\.index) == planned.map(\.index))
        #expect(made.map(\.pts) == planned.map(\.pts))
        #expect(made.allSatisfy { $0.width == 32 && $0.height == 18 && $0.rgb.count == 32 * 18 * 3 })
        #expect(Set(made.map(\.rgb)).count > 1, "the tiles show different pictures")
    }

    @Test func anMPEGTransportStreamStartingLate_countsFromItsStart() throws {
        let (made, planned) = try decode(TestMedia.transportStream, everySeconds: 1)
        #expect(!made.isEmpty)
        #expect(made.map(\.index) == Array(0..<UInt32(made.count)))
        #expect(made.map(\.pts) == planned.map(\.pts))
    }
}
