/// The hard limits on what a unit or a result may carry. A unit over any of them is refused where
/// it is cut (the requester says which input position) and where it is read (the member counts a
/// malformed unit). Defaults fit 1 s of FHD H.264 at 40 Mbit/s with a wide margin.
public struct MediaUnitLimits: Sendable, Hashable {
    /// Packets in one unit. Default 4096 (about 90 s of 48 kHz AAC, or 1 s of 4000 fps).
    public var maximumPackets: Int
    /// Bytes in one packet. Default 8 MiB.
    public var maximumPacketBytes: Int
    /// Bytes of codec setup. Default 64 KiB.
    public var maximumExtradataBytes: Int
    /// Bytes of one encoded unit, all included. Default 16 MiB (the wire's `service-unit` frame
    /// is sized for it).
    public var maximumUnitBytes: Int
    /// Frames in one result. Default 8192.
    public var maximumFrames: Int
    /// Bytes of thumbnail pixels in one result. Default 1 MiB (24 tiles of 160x90).
    public var maximumThumbnailBytes: Int

    public init(
        maximumPackets: Int = 4096, maximumPacketBytes: Int = 8 << 20, maximumExtradataBytes: Int = 64 << 10,
        maximumUnitBytes: Int = 16 << 20, maximumFrames: Int = 8192, maximumThumbnailBytes: Int = 1 << 20
    ) {
        self.maximumThumbnailBytes = maximumThumbnailBytes
        self.maximumPackets = maximumPackets
        self.maximumPacketBytes = maximumPacketBytes
        self.maximumExtradataBytes = maximumExtradataBytes
        self.maximumUnitBytes = maximumUnitBytes
        self.maximumFrames = maximumFrames
    }

    public static let standard = MediaUnitLimits()
}

/// The binary form of units and results, used on the wire between boards and on the pipes to
/// the workers: big-endian, a version byte first, every count checked against `MediaUnitLimits`
/// before anything is allocated, every byte accounted for. Canonical: what decodes re-encodes to
/// the same bytes.
///
/// A packet is pts, dts, duration (Int64 each), a flags byte (1 keyframe, 2 disposable, 4 trimmed:
/// then trim start and trim end follow as UInt32, not both 0) and its data as a UInt32-length block.
///
/// Optional trailing sections, each a version byte (1) first, present only when there is
/// something in them (so each value has one encoding): a unit's thumbnail request (interval and
/// origin Int64, tile width and height UInt16, 1 to `ThumbnailRequest.maximumTileSide`), and a
/// result's thumbnails (a UInt16 count, 1 or more, in increasing index; each its index UInt32,
/// pts Int64, width and height UInt16, then width x height x 3 bytes of RGB; all the pixels at most
/// `MediaUnitLimits.maximumThumbnailBytes`).
public enum MediaUnitEncoding {
    /// The version byte of the optional thumbnail sections.
    public static let thumbnailSectionVersion: UInt8 = 1

    /// Version 1.
    public static let version: UInt8 = 1

    private static let noTimestamp = Int64.min
    /// The fewest bytes an encoded packet takes: pts, dts, duration, flags, data length.
    static let minimumPacketBytes = 8 + 8 + 8 + 1 + 4

    public static func encode(_ unit: MediaUnit) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: unit.payloadBytes + 64 + unit.packets.count * 32 + unit.parameters.extradata.count)
        writer.write(version)
        writer.write(unit.sequence)
        writer.write(unit.stream)
        write(unit.parameters, to: &writer)
        writer.write(unit.emit.start)
        writer.write(unit.emit.end ?? noTimestamp)
        writer.write(unit.preRoll)
        writer.write(UInt32(unit.packets.count))
        for packet in unit.packets {
            writer.write(packet.pts ?? noTimestamp)
            writer.write(packet.dts ?? noTimestamp)
            writer.write(packet.duration)
            let trimmed = packet.trimStart != 0 || packet.trimEnd != 0
            writer.write(UInt8((packet.isKeyframe ? 1 : 0) | (packet.isDisposable ? 2 : 0) | (trimmed ? 4 : 0)))
            if trimmed {
                writer.write(packet.trimStart)
                writer.write(packet.trimEnd)
            }
            writer.writeBlock(packet.data)
        }
        if let request = unit.thumbnails { write(request, to: &writer) }
        return writer.bytes
    }

    static func write(_ request: ThumbnailRequest, to writer: inout ByteWriter) {
        writer.write(thumbnailSectionVersion)
        writer.write(request.interval)
        writer.write(request.origin)
        writer.write(UInt16(request.tileWidth))
        writer.write(UInt16(request.tileHeight))
    }

    /// An encoded unit with `request` appended (the unit must have none yet): how a requester
    /// asks for thumbnails without decoding the unit.
    public static func appending(_ request: ThumbnailRequest, toUnit bytes: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 21)
        write(request, to: &writer)
        return bytes + writer.bytes
    }

    public static func decodeUnit(_ bytes: [UInt8], limits: MediaUnitLimits = .standard) throws(MediaDecodingError) -> MediaUnit {
        guard bytes.count <= limits.maximumUnitBytes else {
            throw .overLimit(field: "unit bytes", count: bytes.count, limit: limits.maximumUnitBytes)
        }
        var reader = ByteReader(bytes)
        let encodingVersion = try reader.read(UInt8.self, "version")
        guard encodingVersion == version else { throw .unsupportedVersion(encodingVersion) }
        let sequence = try reader.read(UInt32.self, "sequence")
        let stream = try reader.read(UInt8.self, "stream")
        let parameters = try readParameters(&reader, limits: limits)
        let start = try reader.read(Int64.self, "emit start")
        guard start != noTimestamp else { throw .invalidValue(field: "emit start", value: start) }
        let end = try reader.read(Int64.self, "emit end")
        guard end == noTimestamp || end > start else { throw .invalidValue(field: "emit end", value: end) }
        let preRoll = try reader.read(UInt16.self, "pre-roll")
        let count = Int(try reader.read(UInt32.self, "packet count"))
        guard count <= limits.maximumPackets else { throw .overLimit(field: "packet count", count: count, limit: limits.maximumPackets) }
        guard Int(preRoll) <= count else { throw .invalidValue(field: "pre-roll", value: Int64(preRoll)) }
        // A count the bytes left cannot hold is refused before anything is reserved for it
        // (found by the fuzzer: 4096 packets announced in a few hundred bytes reserved 240 kB).
        guard reader.remaining >= count * minimumPacketBytes else { throw .truncated(field: "packets") }
        var packets: [MediaPacket] = []
        packets.reserveCapacity(count)
        for _ in 0..<count {
            let pts = try reader.read(Int64.self, "packet pts")
            let dts = try reader.read(Int64.self, "packet dts")
            let duration = try reader.read(Int64.self, "packet duration")
            guard duration >= 0 else { throw .invalidValue(field: "packet duration", value: duration) }
            let flags = try reader.read(UInt8.self, "packet flags")
            guard flags & ~7 == 0 else { throw .invalidValue(field: "packet flags", value: Int64(flags)) }
            var trimStart: UInt32 = 0
            var trimEnd: UInt32 = 0
            if flags & 4 != 0 {
                trimStart = try reader.read(UInt32.self, "packet trim start")
                trimEnd = try reader.read(UInt32.self, "packet trim end")
                // Canonical: the flag is set exactly when a trim is not zero.
                guard trimStart != 0 || trimEnd != 0 else { throw .invalidValue(field: "packet trim", value: 0) }
            }
            let data = try reader.readBlock("packet data", limit: limits.maximumPacketBytes)
            packets.append(MediaPacket(
                pts: pts == noTimestamp ? nil : pts, dts: dts == noTimestamp ? nil : dts, duration: duration,
                isKeyframe: flags & 1 != 0, isDisposable: flags & 2 != 0, data: data, trimStart: trimStart, trimEnd: trimEnd))
        }
        var thumbnails: ThumbnailRequest?
        if reader.remaining > 0 {
            let sectionVersion = try reader.read(UInt8.self, "thumbnail request version")
            guard sectionVersion == thumbnailSectionVersion else { throw .unsupportedVersion(sectionVersion) }
            let interval = try reader.read(Int64.self, "thumbnail interval")
            guard interval > 0 else { throw .invalidValue(field: "thumbnail interval", value: interval) }
            let origin = try reader.read(Int64.self, "thumbnail origin")
            let width = Int(try reader.read(UInt16.self, "thumbnail width"))
            let height = Int(try reader.read(UInt16.self, "thumbnail height"))
            guard (1...ThumbnailRequest.maximumTileSide).contains(width), (1...ThumbnailRequest.maximumTileSide).contains(height) else {
                throw .overLimit(field: "thumbnail side", count: max(width, height), limit: ThumbnailRequest.maximumTileSide)
            }
            thumbnails = ThumbnailRequest(interval: interval, origin: origin, tileWidth: width, tileHeight: height)
        }
        try reader.expectEnd()
        return MediaUnit(
            sequence: sequence, stream: stream, parameters: parameters,
            emit: PresentationRange(start: start, end: end == noTimestamp ? nil : end), preRoll: preRoll, packets: packets,
            thumbnails: thumbnails)
    }

    /// The sequence and stream of an encoded unit, read from its first bytes only (for a
    /// daemon that reports on a unit it does not parse); nil when they are not there.
    public static func header(ofUnit bytes: [UInt8]) -> (sequence: UInt32, stream: UInt8)? {
        var reader = ByteReader(bytes)
        guard (try? reader.read(UInt8.self, "version")) == version, let sequence = try? reader.read(UInt32.self, "sequence"),
            let stream = try? reader.read(UInt8.self, "stream")
        else { return nil }
        return (sequence, stream)
    }

    /// The failure an encoded result reports, read from its first bytes only (for a daemon
    /// that counts results it does not parse); nil when it reports none or is too short.
    public static func failure(ofResult bytes: [UInt8]) -> UnitFailure? {
        guard bytes.count > 6, bytes[0] == version, bytes[6] != 0 else { return nil }
        return UnitFailure(rawValue: bytes[6])
    }

    public static func encode(_ result: UnitResult) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 32 + result.frames.count * 36)
        writer.write(version)
        writer.write(result.sequence)
        writer.write(result.stream)
        writer.write(result.failure?.rawValue ?? 0)
        writer.write(result.cpuNanoseconds)
        writer.write(UInt32(result.frames.count))
        for frame in result.frames {
            writer.write(frame.pts)
            writer.write(frame.duration)
            writer.write(frame.byteCount)
            precondition(frame.md5.count == 16, "an MD5 digest is 16 bytes")
            for byte in frame.md5 { writer.write(byte) }
        }
        if !result.thumbnails.isEmpty {
            writer.write(thumbnailSectionVersion)
            writer.write(UInt16(result.thumbnails.count))
            for thumbnail in result.thumbnails {
                writer.write(thumbnail.index)
                writer.write(thumbnail.pts)
                writer.write(UInt16(thumbnail.width))
                writer.write(UInt16(thumbnail.height))
                for byte in thumbnail.rgb { writer.write(byte) }
            }
        }
        return writer.bytes
    }

    public static func decodeResult(_ bytes: [UInt8], limits: MediaUnitLimits = .standard) throws(MediaDecodingError) -> UnitResult {
        var reader = ByteReader(bytes)
        let encodingVersion = try reader.read(UInt8.self, "version")
        guard encodingVersion == version else { throw .unsupportedVersion(encodingVersion) }
        let sequence = try reader.read(UInt32.self, "sequence")
        let stream = try reader.read(UInt8.self, "stream")
        let failureCode = try reader.read(UInt8.self, "failure")
        var failure: UnitFailure?
        if failureCode != 0 {
            guard let known = UnitFailure(rawValue: failureCode) else { throw .invalidValue(field: "failure", value: Int64(failureCode)) }
            failure = known
        }
        let cpu = try reader.read(UInt64.self, "cpu nanoseconds")
        let count = Int(try reader.read(UInt32.self, "frame count"))
        guard count <= limits.maximumFrames else { throw .overLimit(field: "frame count", count: count, limit: limits.maximumFrames) }
        guard failure == nil || count == 0 else { throw .invalidValue(field: "frame count of a failed unit", value: Int64(count)) }
        guard reader.remaining >= count * 36 else { throw .truncated(field: "frames") }
        var frames: [DecodedFrame] = []
        frames.reserveCapacity(count)
        for _ in 0..<count {
            let pts = try reader.read(Int64.self, "frame pts")
            let duration = try reader.read(Int64.self, "frame duration")
            guard duration >= 0 else { throw .invalidValue(field: "frame duration", value: duration) }
            let size = try reader.read(UInt32.self, "frame size")
            var md5: [UInt8] = []
            md5.reserveCapacity(16)
            for _ in 0..<16 { md5.append(try reader.read(UInt8.self, "frame md5")) }
            frames.append(DecodedFrame(pts: pts, duration: duration, byteCount: size, md5: md5))
        }
        var thumbnails: [Thumbnail] = []
        if reader.remaining > 0 {
            let sectionVersion = try reader.read(UInt8.self, "thumbnails version")
            guard sectionVersion == thumbnailSectionVersion else { throw .unsupportedVersion(sectionVersion) }
            let count = Int(try reader.read(UInt16.self, "thumbnail count"))
            guard count > 0 else { throw .invalidValue(field: "thumbnail count", value: 0) }
            guard count <= Thumbnail.maximumPerResult else {
                throw .overLimit(field: "thumbnail count", count: count, limit: Thumbnail.maximumPerResult)
            }
            var pixelBytes = 0
            for _ in 0..<count {
                let index = try reader.read(UInt32.self, "thumbnail index")
                guard thumbnails.last.map({ $0.index < index }) ?? true else {
                    throw .invalidValue(field: "thumbnail index", value: Int64(index))
                }
                let pts = try reader.read(Int64.self, "thumbnail pts")
                let width = Int(try reader.read(UInt16.self, "thumbnail width"))
                let height = Int(try reader.read(UInt16.self, "thumbnail height"))
                guard (1...ThumbnailRequest.maximumTileSide).contains(width), (1...ThumbnailRequest.maximumTileSide).contains(height) else {
                    throw .overLimit(field: "thumbnail side", count: max(width, height), limit: ThumbnailRequest.maximumTileSide)
                }
                pixelBytes += width * height * 3
                guard pixelBytes <= limits.maximumThumbnailBytes else {
                    throw .overLimit(field: "thumbnail bytes", count: pixelBytes, limit: limits.maximumThumbnailBytes)
                }
                guard reader.remaining >= width * height * 3 else { throw .truncated(field: "thumbnail pixels") }
                var rgb: [UInt8] = []
                rgb.reserveCapacity(width * height * 3)
                for _ in 0..<(width * height * 3) { rgb.append(try reader.read(UInt8.self, "thumbnail pixels")) }
                thumbnails.append(Thumbnail(index: index, pts: pts, width: width, height: height, rgb: rgb))
            }
        }
        try reader.expectEnd()
        return UnitResult(
            sequence: sequence, stream: stream, frames: frames, failure: failure, cpuNanoseconds: cpu, thumbnails: thumbnails)
    }

    static func write(_ parameters: CodecParameters, to writer: inout ByteWriter) {
        writer.write(parameters.codec.rawValue)
        writer.write(parameters.timeBase.numerator)
        writer.write(parameters.timeBase.denominator)
        writer.writeBlock(parameters.extradata)
        writer.write(parameters.width)
        writer.write(parameters.height)
        writer.write(parameters.pixelFormat)
        writer.write(parameters.frameRate?.numerator ?? 0)
        writer.write(parameters.frameRate?.denominator ?? 0)
        writer.write(parameters.sampleRate)
        writer.write(parameters.channels)
        writer.write(parameters.sampleFormat)
        writer.write(parameters.bitRate)
    }

    static func readParameters(_ reader: inout ByteReader, limits: MediaUnitLimits) throws(MediaDecodingError) -> CodecParameters {
        let code = try reader.read(UInt8.self, "codec")
        guard let codec = Codec(rawValue: code) else { throw .invalidValue(field: "codec", value: Int64(code)) }
        let timeBase = try readTimeBase(&reader, "time base")
        guard let timeBase else { throw .invalidValue(field: "time base", value: 0) }
        let extradata = try reader.readBlock("extradata", limit: limits.maximumExtradataBytes)
        let width = try reader.read(Int32.self, "width")
        let height = try reader.read(Int32.self, "height")
        let pixelFormat = try reader.read(Int32.self, "pixel format")
        let frameRate = try readTimeBase(&reader, "frame rate")
        let sampleRate = try reader.read(Int32.self, "sample rate")
        let channels = try reader.read(Int32.self, "channels")
        let sampleFormat = try reader.read(Int32.self, "sample format")
        let bitRate = try reader.read(Int64.self, "bit rate")
        for (field, value) in [("width", width), ("height", height), ("sample rate", sampleRate), ("channels", channels)] where value < 0 {
            throw .invalidValue(field: field, value: Int64(value))
        }
        // 16384 pixels a side and 64 channels are FFmpeg's own bounds for these codecs.
        guard width <= 16384, height <= 16384 else { throw .invalidValue(field: "picture size", value: Int64(max(width, height))) }
        guard channels <= 64 else { throw .invalidValue(field: "channels", value: Int64(channels)) }
        guard bitRate >= 0 else { throw .invalidValue(field: "bit rate", value: bitRate) }
        return CodecParameters(
            codec: codec, timeBase: timeBase, extradata: extradata, width: width, height: height, pixelFormat: pixelFormat,
            frameRate: frameRate, sampleRate: sampleRate, channels: channels, sampleFormat: sampleFormat, bitRate: bitRate)
    }

    /// nil for 0/0 (absent); both parts positive otherwise.
    private static func readTimeBase(_ reader: inout ByteReader, _ field: StaticString) throws(MediaDecodingError) -> TimeBase? {
        let numerator = try reader.read(Int32.self, field)
        let denominator = try reader.read(Int32.self, field)
        if numerator == 0 && denominator == 0 { return nil }
        guard numerator > 0, denominator > 0 else { throw .invalidValue(field: "\(field)", value: Int64(numerator)) }
        return TimeBase(numerator: numerator, denominator: denominator)
    }
}
