import Foundation
import Media
import MediaCore
import Testing

/// Every unit decoded alone (a fresh decoder each), the emitted frames concatenated in order,
/// compared line for line with the real ffmpeg CLI's framemd5 of the whole input.
@Suite("Units decoded separately equal one ffmpeg decode", .serialized)
struct UnitRoundTripTests {
    /// Cuts `path` and decodes every unit of the stream of `kind` separately.
    /// Async, yielding after each unit: decoding a clip takes seconds, and a test holding a
    /// cooperative thread that long starves the suites racing deadlines on real sockets.
    static func decodedLines(_ path: String, _ kind: StreamKind, _ configuration: UnitCutter.Configuration = .init())
        async throws -> (lines: [String], units: [MediaUnit], cpuSeconds: Double)
    {
        let demuxer = try Demuxer(.file(path))
        let units = try demuxer.cutAll(configuration)
        let stream = try #require(demuxer.streams.first { $0.parameters.codec.kind == kind })
        var writer = FrameMD5.Writer(stream: FrameMD5.Stream(index: 0, parameters: stream.parameters, startTime: stream.startTime))
        var lines: [String] = []
        var cpu: UInt64 = 0
        for unit in units[Int(stream.index)] {
            let result = UnitDecoder.decode(unit)
            #expect(result.failure == nil, "unit \(unit.sequence) of \(path) failed: \(String(describing: result.failure))")
            cpu += result.cpuNanoseconds
            for frame in result.frames { lines.append(String(writer.line(frame).dropLast())) }
            await Task.yield()
        }
        return (lines, units[Int(stream.index)], Double(cpu) / 1e9)
    }

    static func expectSame(_ path: String, _ kind: StreamKind, minimumUnits: Int, timestamps: Bool = true) async throws {
        let (lines, units, cpu) = try await decodedLines(path, kind)
        let expected = try TestMedia.ffmpegFrameMD5(path, kind == .video ? TestMedia.videoSelection : TestMedia.audioSelection)
        print("\((path as NSString).lastPathComponent) \(kind): \(units.count) units (pre-roll \(Set(units.dropFirst().map(\.preRoll)).sorted())), \(lines.count) frames decoded, \(expected.count) from ffmpeg, \(String(format: "%.3f", cpu)) s CPU")
        #expect(units.count >= minimumUnits)
        #expect(!expected.isEmpty)
        #expect(hashes(lines) == hashes(expected), "hashes differ from ffmpeg's")
        #expect(!timestamps || lines == expected, "lines differ: first \(zip(lines, expected).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "count \(lines.count) vs \(expected.count)")")
    }

    @Test func a20SecondHDClipWithBFramesMatchesFFmpegFrameForFrame() async throws {
        try await Self.expectSame(TestMedia.hd20, .video, minimumUnits: 10)
    }

    @Test func itsAACAudioMatchesTheDocumentedCommand() async throws {
        try await Self.expectSame(TestMedia.hd20, .audio, minimumUnits: 19)
    }

    @Test func openGOPsWithSceneCutsMatch() async throws {
        try await Self.expectSame(TestMedia.openGOP, .video, minimumUnits: 4)
        try await Self.expectSame(TestMedia.openGOP, .audio, minimumUnits: 5)
    }

    @Test func anMPEGTransportStreamMatches() async throws {
        try await Self.expectSame(TestMedia.transportStream, .video, minimumUnits: 4)
        try await Self.expectSame(TestMedia.transportStream, .audio, minimumUnits: 4)
    }

    @Test func matroskaWithMP3Matches() async throws {
        try await Self.expectSame(TestMedia.matroska, .video, minimumUnits: 3)
        // Hashes only: Matroska's 1 ms timestamps make ffmpeg's audio pts drift from ours by a
        // few samples after some frames (FrameMD5.Writer).
        try await Self.expectSame(TestMedia.matroska, .audio, minimumUnits: 3, timestamps: false)
    }

    @Test func mp3AudioMatchesWithItsComputedPreRoll() async throws {
        try await Self.expectSame(TestMedia.mp3, .audio, minimumUnits: 5)
        try await Self.expectSame(TestMedia.mp3Low, .audio, minimumUnits: 3)
    }

    @Test func shortUnitsOfAQuarterSecondStillMatch() async throws {
        let configuration = UnitCutter.Configuration(targetDuration: 0.25)
        let (lines, units, _) = try await Self.decodedLines(TestMedia.openGOP, .audio, configuration)
        #expect(units.count >= 20)
        #expect(lines == (try TestMedia.ffmpegFrameMD5(TestMedia.openGOP, TestMedia.audioSelection)))
        let (mp3Lines, mp3Units, _) = try await Self.decodedLines(TestMedia.mp3Low, .audio, configuration)
        #expect(mp3Units.count >= 12)
        #expect(hashes(mp3Lines) == hashes(try TestMedia.ffmpegFrameMD5(TestMedia.mp3Low, TestMedia.audioSelection)))
    }
}

@Suite("Cutting bounds and decoder threads", .serialized)
struct CuttingBoundsTests {
    @Test func aStreamWithoutKeyframesIsCutAtTheMaximumAndStillMatches() async throws {
        // One keyframe in 8 s: units are forced every 2 s with the GOP so far as pre-roll.
        let path = TestMedia.clip("longgop.mp4", [
            "-f", "lavfi", "-i", "testsrc2=size=192x108:rate=24", "-t", "8", "-c:v", "libx264", "-bf", "3",
            "-x264-params", "keyint=1000:min-keyint=1000:scenecut=0",
        ])
        let configuration = UnitCutter.Configuration(targetDuration: 1, maximumDuration: 2)
        let (lines, units, _) = try await UnitRoundTripTests.decodedLines(path, .video, configuration)
        print("long GOP: \(units.count) units, pre-roll \(units.map(\.preRoll)), \(lines.count) frames")
        #expect(units.count >= 3)
        #expect(units.dropFirst().allSatisfy { $0.preRoll > 0 })
        #expect(lines == (try TestMedia.ffmpegFrameMD5(path, TestMedia.videoSelection)))
    }

    @Test func framesAreTheSameWithDecoderThreads() async throws {
        let units = try Demuxer(.file(TestMedia.openGOP)).cutAll()[0]
        for unit in units {
            #expect(UnitDecoder.decode(unit, threads: 2).frames == UnitDecoder.decode(unit).frames)
        }
    }
}

@Suite("Delivery plans and the worker's entry point")
struct DeliveryPlanDecodingTests {
    @Test func referenceFramesOnlyReturnsTheReferenceFramesExactlyAsAFullDecode() async throws {
        let units = try Demuxer(.file(TestMedia.openGOP)).cutAll()[0]
        var full = 0
        var reference = 0
        for unit in units {
            let all = UnitDecoder.decode(unit)
            let references = UnitDecoder.decode(unit, plan: DeliveryPlan(level: .referenceFramesOnly))
            #expect(references.failure == nil)
            let byTime = Dictionary(uniqueKeysWithValues: all.frames.map { ($0.pts, $0.md5) })
            #expect(references.frames.allSatisfy { byTime[$0.pts] == $0.md5 }, "a reference frame decodes to the same picture")
            full += all.frames.count
            reference += references.frames.count
        }
        print("reference frames only: \(reference) of \(full) frames")
        #expect(reference > 0 && reference < full)
    }

    @Test func theWorkerAnswersAFramedRequestAndRefusesGarbage() async throws {
        let unit = try Demuxer(.file(TestMedia.matroska)).cutAll()[1][1]
        let request = WorkerPipe.decodeRequest(unit: MediaUnitEncoding.encode(unit), plan: .full)
        let answer = try MediaUnitEncoding.decodeResult(UnitDecoder.answer(workerRequest: request))
        #expect(answer.frames == UnitDecoder.decode(unit).frames && answer.sequence == unit.sequence && answer.stream == 1)
        let unknownPlan = try MediaUnitEncoding.decodeResult(UnitDecoder.answer(workerRequest: [9] + MediaUnitEncoding.encode(unit)))
        #expect(unknownPlan.failure == .malformedUnit && unknownPlan.sequence == unit.sequence)
        #expect(try MediaUnitEncoding.decodeResult(UnitDecoder.answer(workerRequest: [])).failure == .malformedUnit)
    }
}
