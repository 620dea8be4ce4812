import MediaCore
import Testing
import TestSupport

@Suite struct MediaUnitEncodingTests {
    static func sampleUnit() -> MediaUnit {
        let parameters = CodecParameters(
            codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 12_800), extradata: [1, 100, 0, 31, 0xff, 0xe1],
            width: 1280, height: 720, pixelFormat: 0, frameRate: TimeBase(numerator: 24, denominator: 1), bitRate: 2_500_000)
        var packets: [MediaPacket] = []
        for index in 0..<30 {
            let time = Int64(index) * 512
            let data: [UInt8] = (0..<(index * 7 % 50)).map { (byte: Int) -> UInt8 in UInt8(truncatingIfNeeded: byte &* 31) }
            packets.append(MediaPacket(
                pts: index == 3 ? nil : time + 1024, dts: time, duration: 512,
                isKeyframe: index == 0, isDisposable: index % 3 == 2, data: data))
        }
        return MediaUnit(
            sequence: 7, stream: 0, parameters: parameters, emit: PresentationRange(start: 1024, end: 1024 + 30 * 512),
            preRoll: 2, packets: packets)
    }

    static func sampleResult() -> UnitResult {
        let frames = (0..<24).map { DecodedFrame(pts: Int64($0) * 512, duration: 512, byteCount: 1_382_400, md5: (0..<16).map { UInt8($0 * 17) }) }
        return UnitResult(sequence: 7, stream: 0, frames: frames, cpuNanoseconds: 123_456_789)
    }

    @Test func aUnitRoundTripsAndReEncodesToTheSameBytes() throws {
        let unit = Self.sampleUnit()
        let bytes = MediaUnitEncoding.encode(unit)
        let decoded = try MediaUnitEncoding.decodeUnit(bytes)
        #expect(decoded == unit)
        #expect(MediaUnitEncoding.encode(decoded) == bytes)

        var open = unit
        open.emit = PresentationRange(start: -5, end: nil)
        open.parameters.frameRate = nil
        #expect(try MediaUnitEncoding.decodeUnit(MediaUnitEncoding.encode(open)) == open)
    }

    @Test func aResultRoundTrips_andAFailedOneCarriesNoFrames() throws {
        let result = Self.sampleResult()
        let bytes = MediaUnitEncoding.encode(result)
        #expect(try MediaUnitEncoding.decodeResult(bytes) == result)
        #expect(MediaUnitEncoding.encode(try MediaUnitEncoding.decodeResult(bytes)) == bytes)
        #expect(result.frames[1].md5Hex == "00112233445566778899aabbccddeeff")

        let failed = UnitResult(sequence: 3, stream: 1, frames: [], failure: .invalidData, cpuNanoseconds: 5)
        #expect(try MediaUnitEncoding.decodeResult(MediaUnitEncoding.encode(failed)) == failed)
        // A failure code with frames after it is refused.
        var forged = MediaUnitEncoding.encode(result)
        forged[6] = UnitFailure.workerDied.rawValue
        #expect(throws: MediaDecodingError.invalidValue(field: "frame count of a failed unit", value: 24)) {
            try MediaUnitEncoding.decodeResult(forged)
        }
    }

    @Test func everyTruncationIsRefusedNamingAField() {
        let unitBytes = MediaUnitEncoding.encode(Self.sampleUnit())
        for length in 0..<unitBytes.count {
            do {
                _ = try MediaUnitEncoding.decodeUnit(Array(unitBytes.prefix(length)))
                Issue.record("a unit cut to \(length) of \(unitBytes.count) bytes decoded")
            } catch {
                guard case .truncated = error else { Issue.record("cut to \(length): \(error)"); continue }
            }
        }
        let resultBytes = MediaUnitEncoding.encode(Self.sampleResult())
        for length in 0..<resultBytes.count {
            #expect(throws: MediaDecodingError.self) { try MediaUnitEncoding.decodeResult(Array(resultBytes.prefix(length))) }
        }
    }

    @Test func trailingBytesAnUnknownVersionAndCountsOverTheLimitsAreRefused() {
        let bytes = MediaUnitEncoding.encode(Self.sampleUnit())
        // A byte after the packets starts the optional thumbnail section: 0 is no version of it.
        #expect(throws: MediaDecodingError.unsupportedVersion(0)) { try MediaUnitEncoding.decodeUnit(bytes + [0]) }
        var future = bytes
        future[0] = 2
        #expect(throws: MediaDecodingError.unsupportedVersion(2)) { try MediaUnitEncoding.decodeUnit(future) }

        let tight = MediaUnitLimits(maximumPackets: 29)
        #expect(throws: MediaDecodingError.overLimit(field: "packet count", count: 30, limit: 29)) {
            try MediaUnitEncoding.decodeUnit(bytes, limits: tight)
        }
        let small = MediaUnitLimits(maximumUnitBytes: bytes.count - 1)
        #expect(throws: MediaDecodingError.overLimit(field: "unit bytes", count: bytes.count, limit: bytes.count - 1)) {
            try MediaUnitEncoding.decodeUnit(bytes, limits: small)
        }
        // A packet claiming 4 GiB is refused at its length, before anything is allocated.
        var unit = Self.sampleUnit()
        unit.packets = [MediaPacket(pts: 0, dts: 0, duration: 1, isKeyframe: true, data: [9])]
        unit.preRoll = 0
        var huge = MediaUnitEncoding.encode(unit)
        let lengthOffset = huge.count - 5
        for index in 0..<4 { huge[lengthOffset + index] = 0xff }
        #expect(throws: MediaDecodingError.overLimit(field: "packet data", count: Int(UInt32.max), limit: MediaUnitLimits.standard.maximumPacketBytes)) {
            try MediaUnitEncoding.decodeUnit(huge)
        }
    }

    @Test func randomAndMutatedBytesNeverCrashAndWhatDecodesIsCanonical() {
        var generator = SeededGenerator(seed: 16)
        let unitBytes = MediaUnitEncoding.encode(Self.sampleUnit())
        let resultBytes = MediaUnitEncoding.encode(Self.sampleResult())
        var decodedMutants = 0
        for round in 0..<20_000 {
            var bytes = round % 2 == 0 ? unitBytes : resultBytes
            if round % 10 == 9 {
                bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                }
            }
            if let unit = try? MediaUnitEncoding.decodeUnit(bytes) {
                decodedMutants += 1
                #expect(MediaUnitEncoding.encode(unit) == bytes)
            }
            if let result = try? MediaUnitEncoding.decodeResult(bytes) {
                decodedMutants += 1
                #expect(MediaUnitEncoding.encode(result) == bytes)
            }
        }
        // Flips inside packet bytes and digests decode; the rest is refused.
        #expect(decodedMutants > 100 && decodedMutants < 20_000)
    }

    @Test func presentationTimesConvertExactly() {
        let mpegts = TimeBase(numerator: 1, denominator: 90_000)
        #expect(mpegts.nanoseconds(90_000) == 1_000_000_000)
        #expect(mpegts.nanoseconds(1) == 11_111)
        #expect(mpegts.nanoseconds(-1) == -11_112)
        #expect(TimeBase(numerator: 1001, denominator: 24_000).nanoseconds(24) == 1_001_000_000)
        #expect(mpegts.nanoseconds(.max) == .max)
        #expect(mpegts.seconds(45_000) == 0.5)
        #expect(PresentationRange(start: 10, end: 20).contains(10) && !PresentationRange(start: 10, end: 20).contains(20))
        #expect(PresentationRange(start: 10, end: nil).contains(.max))
    }
}

@Suite struct WorkerPipeTests {
    @Test func messagesComeOutWholeHoweverTheBytesArrive() throws {
        let messages: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300), [1, 2, 3]]
        let stream = messages.flatMap(WorkerPipe.frame)
        for chunk in [1, 2, 5, 64, stream.count] {
            var reader = WorkerPipe.Reader(limit: 1000)
            var received: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                reader.append(stream[offset..<min(offset + chunk, stream.count)])
                offset += chunk
                while let message = try reader.next() { received.append(message) }
            }
            #expect(received == messages, "in chunks of \(chunk)")
            #expect(reader.pendingBytes == 0)
        }
    }

    @Test func aMessageOverTheLimitIsRefusedByItsLength() {
        var reader = WorkerPipe.Reader(limit: 10)
        reader.append([0, 0, 0, 11])
        #expect(throws: WorkerPipe.OversizedMessage(length: 11, limit: 10)) { try reader.next() }
        var huge = WorkerPipe.Reader(limit: 1 << 20)
        huge.append([0xff, 0xff, 0xff, 0xff])
        #expect(throws: WorkerPipe.OversizedMessage(length: Int(UInt32.max), limit: 1 << 20)) { try huge.next() }
    }
}

@Suite struct DemuxMessageTests {
    @Test func everyMessageRoundTrips_andGarbageIsRefused() throws {
        let video = StreamDescription(
            index: 0, parameters: CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 12_800), extradata: [1, 2], width: 1280, height: 720, pixelFormat: 0, frameRate: TimeBase(numerator: 24, denominator: 1)),
            startTime: 0, duration: 256_000)
        let audio = StreamDescription(index: 1, parameters: CodecParameters(codec: .aac, timeBase: TimeBase(numerator: 1, denominator: 48_000), sampleRate: 48_000, channels: 2, sampleFormat: 8), startTime: -1024)
        let messages: [DemuxMessage] = [
            .streams([video, audio]), .unit(MediaUnitEncoding.encode(MediaUnitEncodingTests.sampleUnit())), .end(packets: 1438),
            .failure(code: "corrupt", message: "in.ts: corrupt packet 112 at byte 89676"),
        ]
        for message in messages {
            #expect(try DemuxMessage.decode(message.encoded()) == message)
        }
        #expect(throws: MediaDecodingError.invalidValue(field: "demux message type", value: 9)) { try DemuxMessage.decode([9]) }
        #expect(throws: MediaDecodingError.self) { try DemuxMessage.decode([]) }
        #expect(throws: MediaDecodingError.trailingBytes(1)) { try DemuxMessage.decode(DemuxMessage.end(packets: 1).encoded() + [0]) }
    }
}
