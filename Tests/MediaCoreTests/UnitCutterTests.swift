import MediaCore
import Testing

@Suite struct UnitCutterTests {
    static let video = CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 24))
    static let aac = CodecParameters(codec: .aac, timeBase: TimeBase(numerator: 1, denominator: 48_000), sampleRate: 48_000, channels: 1)

    static func packet(_ pts: Int64, key: Bool = false) -> MediaPacket {
        MediaPacket(pts: pts, dts: nil, duration: 1, isKeyframe: key, data: [UInt8(truncatingIfNeeded: pts)])
    }

    static func cut(_ packets: [MediaPacket], _ parameters: CodecParameters, _ configuration: UnitCutter.Configuration = .init()) throws -> [MediaUnit] {
        var cutter = UnitCutter(stream: 0, parameters: parameters, configuration: configuration)
        var units: [MediaUnit] = []
        for packet in packets { units += try cutter.append(packet) }
        return units + (try cutter.finish())
    }

    /// Every pts falls in exactly one unit's emit range, the ranges adjacent and in order.
    static func expectPartition(_ units: [MediaUnit], _ packets: [MediaPacket]) {
        for (index, unit) in units.enumerated() {
            #expect(unit.sequence == UInt32(index))
            if index + 1 < units.count { #expect(unit.emit.end == units[index + 1].emit.start) }
        }
        for packet in packets {
            #expect(units.filter { $0.emit.contains(packet.pts!) }.count == 1)
            let owner = units.first { $0.emit.contains(packet.pts!) }!
            #expect(owner.packets.contains(packet), "the unit emitting pts \(packet.pts!) decodes it")
        }
    }

    @Test func closedGOPsAreCutAtKeyframesWithNothingExtra() throws {
        // I0 P3 B1 B2 | I6 P9 B7 B8 ... keyframe every 24 frames, decoding order.
        var packets: [MediaPacket] = []
        for gop in 0..<4 {
            let base = Int64(gop * 24)
            packets.append(Self.packet(base, key: true))
            for step in stride(from: 3, to: 24, by: 3) {
                packets.append(Self.packet(base + Int64(step)))
                packets.append(Self.packet(base + Int64(step) - 2))
                packets.append(Self.packet(base + Int64(step) - 1))
            }
            packets.append(Self.packet(base + 22))
            packets.append(Self.packet(base + 23))
        }
        let units = try Self.cut(packets, Self.video)
        #expect(units.count == 4)
        #expect(units.map(\.emit.start) == [0, 24, 48, 72])
        #expect(units.allSatisfy { $0.preRoll == 0 && $0.packets.first!.isKeyframe && $0.packets.count == 24 })
        Self.expectPartition(units, packets)
    }

    @Test func openGOPLeadingPicturesTrailTheUnitBeforeTheirKeyframe() throws {
        // GOP 1: I0 P4 B2 B1 B3 P8 B6 B5 B7 ... ; then I24 (open) followed by leading B22 B21 B23.
        var packets = [Self.packet(0, key: true)]
        for step in stride(from: 4, through: 20, by: 4) {
            packets += [Self.packet(Int64(step)), Self.packet(Int64(step) - 2), Self.packet(Int64(step) - 3), Self.packet(Int64(step) - 1)]
        }
        packets += [Self.packet(24, key: true), Self.packet(22), Self.packet(21), Self.packet(23)]
        for step in stride(from: 28, through: 48, by: 4) {
            packets += [Self.packet(Int64(step)), Self.packet(Int64(step) - 2), Self.packet(Int64(step) - 3), Self.packet(Int64(step) - 1)]
        }
        let units = try Self.cut(packets, Self.video)
        #expect(units.count == 2)
        #expect(units[0].emit == PresentationRange(start: 0, end: 24))
        #expect(Array(units[0].packets.suffix(4).map(\.pts!)) == [24, 22, 21, 23], "the keyframe and its leading pictures trail")
        #expect(units[1].packets.first!.pts == 24 && units[1].preRoll == 0)
        Self.expectPartition(units, packets)
    }

    @Test func aStreamWithoutKeyframesIsCutAtThePMaximumWithTheGOPAsPreRoll() throws {
        var packets = [Self.packet(0, key: true)]
        for step in stride(from: 3, through: 24 * 5, by: 3) {
            packets += [Self.packet(Int64(step)), Self.packet(Int64(step) - 2), Self.packet(Int64(step) - 1)]
        }
        let configuration = UnitCutter.Configuration(targetDuration: 1, maximumDuration: 2)
        let units = try Self.cut(packets, Self.video, configuration)
        #expect(units.count >= 2)
        #expect(units[1].preRoll > 0 && units[1].packets.first!.isKeyframe, "pre-roll from the GOP's keyframe")
        #expect(units[1].emit.start >= 48)
        Self.expectPartition(units, packets)
    }

    @Test func aKeyframeIntervalBeyondTheLimitsIsRefused() throws {
        let limits = MediaUnitLimits(maximumPackets: 50)
        let packets = [Self.packet(0, key: true)] + (1..<200).map { Self.packet(Int64($0)) }
        #expect(throws: UnitCutterError.self) {
            _ = try Self.cut(packets, Self.video, UnitCutter.Configuration(targetDuration: 0.5, maximumDuration: 1, limits: limits))
        }
    }

    @Test func aacUnitsStartWithOnePacketOfPreRoll() throws {
        let packets = (0..<100).map { MediaPacket(pts: Int64($0) * 1024, dts: Int64($0) * 1024, duration: 1024, isKeyframe: true, data: [1]) }
        let units = try Self.cut(packets, Self.aac)
        #expect(units.count == 3)
        #expect(units.map(\.preRoll) == [0, 1, 1])
        #expect(units[1].emit.start == 47 * 1024)
        Self.expectPartition(units, packets)
    }

    @Test func mp3PreRollFollowsTheBitReservoir() {
        // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, stereo, no CRC: 417-byte frames, 381 of main data.
        func frame(mainDataBegin: Int) -> MediaPacket {
            var bytes = [UInt8](repeating: 0, count: 417)
            bytes[0] = 0xFF; bytes[1] = 0xFB; bytes[2] = 0x90; bytes[3] = 0x00
            bytes[4] = UInt8(mainDataBegin >> 1); bytes[5] = UInt8((mainDataBegin & 1) << 7)
            return MediaPacket(pts: 0, dts: 0, duration: 1152, isKeyframe: true, data: bytes)
        }
        let noReservoir = (0..<10).map { _ in frame(mainDataBegin: 0) }
        #expect(MPEGAudioPreRoll.packets(before: 5, in: noReservoir) == 1, "only the overlap frame")
        var packets = noReservoir
        packets[4] = frame(mainDataBegin: 500)  // reaches back two frames (381 + 119)
        #expect(MPEGAudioPreRoll.packets(before: 5, in: packets) == 3)
        #expect(MPEGAudioPreRoll.packets(before: 15, in: [MediaPacket](repeating: MediaPacket(pts: 0, dts: 0, duration: 1, isKeyframe: true, data: [1, 2]), count: 20)) == MPEGAudioPreRoll.fallbackPackets)
    }

    @Test func trimmedPacketsRoundTripCanonically() throws {
        let unit = MediaUnit(
            sequence: 0, stream: 1, parameters: Self.aac, emit: PresentationRange(start: -1024, end: nil), preRoll: 0,
            packets: [MediaPacket(pts: -1024, dts: -1024, duration: 1024, isKeyframe: true, data: [9], trimStart: 1024, trimEnd: 0)])
        let bytes = MediaUnitEncoding.encode(unit)
        #expect(try MediaUnitEncoding.decodeUnit(bytes) == unit)
        #expect(MediaUnitEncoding.encode(try MediaUnitEncoding.decodeUnit(bytes)) == bytes)
    }

    @Test func frameMD5LinesUseFFmpegsColumns() {
        let stream = FrameMD5.Stream(index: 0, parameters: CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 12_288), frameRate: TimeBase(numerator: 24, denominator: 1)))
        let frame = DecodedFrame(pts: 512, duration: 512, byteCount: 115_200, md5: [UInt8](repeating: 0xab, count: 16))
        #expect(FrameMD5.line(frame, in: stream) == "0,          1,          1,        1,   115200, abababababababababababababababab\n")
        #expect(FrameMD5.rescale(-3, from: TimeBase(numerator: 1, denominator: 2), to: TimeBase(numerator: 1, denominator: 1)) == -2)
    }
}
