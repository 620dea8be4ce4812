import Foundation
import Media
import MediaCore
import Testing

@Suite("Bad inputs are refused with the input and the place named")
struct BadInputTests {
    @Test func aTextFileIsNotMedia() throws {
        let url = TestMedia.directory.appendingPathComponent("\(UUID().uuidString)-notes.txt")
        try Data("these are my notes, not a video\n".utf8).write(to: url)
        let error = #expect(throws: MediaInputError.self) { try Demuxer(.file(url.path)) }
        #expect(error?.code == .unreadable)
        #expect(error?.description.contains(url.path) == true)
    }

    @Test func aTruncatedMP4IsRefusedNamingTheInput() throws {
        let url = try TestMedia.copy(TestMedia.openGOP, named: "truncated.mp4")
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: try handle.seekToEnd() / 2)
        try handle.close()
        let error = #expect(throws: MediaInputError.self) { _ = try Demuxer(.file(url.path)).cutAll() }
        #expect(error?.description.contains(url.path) == true)
        print("truncated MP4: \(error.map(String.init(describing:)) ?? "-")")
    }

    @Test func aTruncatedFastStartMP4IsReportedAtThePacketWhereItEnds() throws {
        let path = TestMedia.clip("faststart.mp4", [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24", "-t", "4", "-c:v", "libx264", "-movflags", "+faststart",
        ])
        let url = try TestMedia.copy(path, named: "truncated-faststart.mp4")
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: try handle.seekToEnd() / 2)
        try handle.close()
        let error = #expect(throws: MediaInputError.self) { _ = try Demuxer(.file(url.path)).cutAll() }
        print("truncated fast-start MP4: \(error.map(String.init(describing:)) ?? "-")")
        #expect(error?.description.contains(url.path) == true)
        #expect(error?.packetNumber != nil)
    }

    @Test func aCorruptTransportStreamIsReportedNotCrashed() throws {
        let url = try TestMedia.copy(TestMedia.transportStream, named: "corrupt.ts")
        var bytes = try Data(contentsOf: url)
        let start = bytes.count / 3
        for index in start..<(start + 20_000) { bytes[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }
        try bytes.write(to: url)
        do {
            let demuxer = try Demuxer(.file(url.path))
            let units = try demuxer.cutAll()
            let failed = units.flatMap { $0 }.map { UnitDecoder.decode($0) }.filter { $0.failure != nil }
            print("corrupt TS: demuxed; \(failed.count) units reported failed")
            #expect(!failed.isEmpty)
        } catch {
            print("corrupt TS: \(error)")
            #expect(error.code == .corrupt)
            #expect(error.description.contains(url.path) && error.bytePosition != nil && error.packetNumber != nil)
        }
    }

    @Test func hevcIsRefusedNamingTheCodec() throws {
        guard let hevc = TestMedia.hevc else {
            print("skipped: this ffmpeg has no libx265")
            return
        }
        let error = #expect(throws: MediaInputError.self) { try Demuxer(.file(hevc)) }
        #expect(error?.code == .unsupportedCodec)
        #expect(error?.description.contains("hevc") == true)
        #expect(error?.description.contains(hevc) == true)
    }

    @Test func aPNGIsRefusedNamingTheCodec() throws {
        let error = #expect(throws: MediaInputError.self) { try Demuxer(.file(TestMedia.png)) }
        #expect(error?.code == .unsupportedCodec)
        #expect(error?.description.contains("png") == true)
    }

    @Test func garbageOnAPipeIsRefused() throws {
        let pipe = Pipe()
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let writer = Thread {
            pipe.fileHandleForWriting.write(garbage)
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let input = MediaInput.pipe(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        let error = #expect(throws: MediaInputError.self) { _ = try Demuxer(input).cutAll() }
        #expect(error?.description.hasPrefix("pipe:") == true)
    }

    @Test func aDashIsStandardInput() {
        #expect(MediaInput(argument: "-") == .standardInput)
        #expect(MediaInput(argument: "talk.mp4") == .file("talk.mp4"))
        #expect(MediaInput.standardInput.description == "-")
    }

    @Test func aTransportStreamOnAPipeDemuxes() throws {
        let pipe = Pipe()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestMedia.transportStream))
        let writer = Thread {
            pipe.fileHandleForWriting.write(bytes)
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let units = try Demuxer(.pipe(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)).cutAll()
        #expect(units.count == 2 && units[0].count >= 4)
    }

    @Test func malformedUnitBytesGiveAMalformedResultNeverACrash() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 5, 40, 300] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let result = try MediaUnitEncoding.decodeResult(UnitDecoder.decode(unitBytes: bytes))
            #expect(result.failure == .malformedUnit)
        }
        let unit = try Demuxer(.file(TestMedia.matroska)).cutAll()[0][1]
        var encoded = MediaUnitEncoding.encode(unit)
        #expect(try MediaUnitEncoding.decodeResult(UnitDecoder.decode(unitBytes: encoded)).frames == UnitDecoder.decode(unit).frames)
        // A unit whose packets are garbage: reported as invalid data.
        var damaged = unit
        damaged.packets = damaged.packets.map { var p = $0; p.data = p.data.map { $0 ^ 0x5a }; return p }
        encoded = MediaUnitEncoding.encode(damaged)
        #expect(try MediaUnitEncoding.decodeResult(UnitDecoder.decode(unitBytes: encoded)).failure == .invalidData)
    }
}
