import MediaCore

/// The work-unit decoders: the first input byte picks one (mod 4), the rest is its input.
///
/// - 0 `MediaUnitEncoding.decodeUnit` (a member's worker reads a unit from another board),
/// - 1 `MediaUnitEncoding.decodeResult` (the requester reads a member's result),
/// - 2 `DemuxMessage.decode` (the daemon reads its demux worker),
/// - 3 `WorkerPipe.Reader` (the framing of every worker pipe), fed whole and in chunks.
///
/// Canonical (checked): units, results and demux messages re-encode to exactly their bytes
/// (a failure message only when its texts are valid UTF-8: they are read leniently); every
/// count, block and size is within `MediaUnitLimits.standard`.
enum MediaUnitTarget {
    static let target = FuzzTarget(
        name: "media-unit",
        summary: "decodeUnit, decodeResult, DemuxMessage.decode, WorkerPipe.Reader: limits and canonical re-encoding"
    ) { bytes in
        guard let first = bytes.first else { return }
        let input = Array(bytes.dropFirst())
        switch first % 4 {
        case 0: checkUnit(input)
        case 1: checkResult(input)
        case 2: checkDemux(input)
        default: checkPipe(input)
        }
    }

    static let limits = MediaUnitLimits.standard

    static func checkUnit(_ bytes: [UInt8]) {
        let result = Fuzz.timed("decodeUnit") { Result { () throws(MediaDecodingError) in try MediaUnitEncoding.decodeUnit(bytes) } }
        guard case .success(let unit) = result else { return }
        Fuzz.check(unit.packets.count <= limits.maximumPackets, "\(unit.packets.count) packets")
        Fuzz.check(unit.packets.allSatisfy { $0.data.count <= limits.maximumPacketBytes }, "a packet over its limit")
        Fuzz.check(unit.parameters.extradata.count <= limits.maximumExtradataBytes, "extradata over its limit")
        Fuzz.check(Int(unit.preRoll) <= unit.packets.count, "pre-roll beyond the packets")
        if let request = unit.thumbnails {
            Fuzz.check(request.interval > 0, "thumbnail interval \(request.interval)")
            Fuzz.check(
                (1...ThumbnailRequest.maximumTileSide).contains(request.tileWidth)
                    && (1...ThumbnailRequest.maximumTileSide).contains(request.tileHeight), "thumbnail tile side over its limit")
        }
        let header = MediaUnitEncoding.header(ofUnit: bytes)
        Fuzz.check(header?.sequence == unit.sequence && header?.stream == unit.stream, "header(ofUnit:) disagrees")
        Fuzz.check(MediaUnitEncoding.encode(unit) == bytes, "a unit does not re-encode to its bytes")
    }

    static func checkResult(_ bytes: [UInt8]) {
        let result = Fuzz.timed("decodeResult") { Result { () throws(MediaDecodingError) in try MediaUnitEncoding.decodeResult(bytes) } }
        guard case .success(let decoded) = result else { return }
        Fuzz.check(decoded.frames.count <= limits.maximumFrames, "\(decoded.frames.count) frames")
        Fuzz.check(decoded.frames.allSatisfy { $0.md5.count == 16 }, "a digest not of 16 bytes")
        Fuzz.check(decoded.thumbnails.count <= Thumbnail.maximumPerResult, "\(decoded.thumbnails.count) thumbnails")
        Fuzz.check(
            decoded.thumbnails.reduce(0) { $0 + $1.rgb.count } <= limits.maximumThumbnailBytes, "thumbnail pixels over their limit")
        Fuzz.check(zip(decoded.thumbnails, decoded.thumbnails.dropFirst()).allSatisfy { $0.index < $1.index }, "thumbnails out of order")
        Fuzz.check(MediaUnitEncoding.encode(decoded) == bytes, "a result does not re-encode to its bytes")
    }

    static func checkDemux(_ bytes: [UInt8]) {
        let result = Fuzz.timed("DemuxMessage.decode") { Result { () throws(MediaDecodingError) in try DemuxMessage.decode(bytes) } }
        guard case .success(let message) = result else { return }
        switch message {
        case .streams(let streams):
            Fuzz.check(streams.count <= DemuxMessage.maximumStreams, "\(streams.count) streams")
            Fuzz.check(streams.allSatisfy { $0.parameters.extradata.count <= limits.maximumExtradataBytes }, "extradata over its limit")
        case .failure(let code, let text):
            Fuzz.check(code.utf8.count <= 64 * 3 && text.utf8.count <= DemuxMessage.maximumTextBytes * 3, "failure text over its limit")
            // Read leniently (invalid UTF-8 becomes U+FFFD), so canonical only when valid.
            guard String(validating: code.utf8, as: UTF8.self) != nil, isValidUTF8Failure(bytes) else { return }
        case .unit, .end:
            break
        }
        Fuzz.check(message.encoded() == bytes, "a demux message does not re-encode to its bytes")
    }

    /// Whether both blocks of a failure message were valid UTF-8 (then nothing was replaced).
    static func isValidUTF8Failure(_ bytes: [UInt8]) -> Bool {
        guard case .failure(let code, let text) = try? DemuxMessage.decode(bytes) else { return false }
        return 1 + 4 + code.utf8.count + 4 + text.utf8.count == bytes.count
    }

    /// The reader with a small limit (1 KiB) so oversized messages are reached.
    static let pipeLimit = 1024

    static func checkPipe(_ bytes: [UInt8]) {
        let whole = Fuzz.timed("WorkerPipe.Reader") { readPipe(bytes, chunked: false) }
        let chunked = readPipe(bytes, chunked: true)
        Fuzz.check(whole.messages == chunked.messages && whole.failed == chunked.failed, "chunked input yields other messages")
        Fuzz.check(whole.messages.allSatisfy { $0.count <= pipeLimit }, "a message over the limit")
        let framed = whole.messages.flatMap(WorkerPipe.frame)
        Fuzz.check(Array(bytes.prefix(framed.count)) == framed, "messages do not re-frame to the bytes read")
    }

    static func readPipe(_ bytes: [UInt8], chunked: Bool) -> (messages: [[UInt8]], failed: Bool) {
        var reader = WorkerPipe.Reader(limit: pipeLimit)
        var sizes = ChunkSizes(for: bytes)
        var messages: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let size = chunked ? min(sizes.next(maximum: 256), bytes.count - offset) : bytes.count
            reader.append(bytes[offset..<offset + size])
            offset += size
            do {
                while let message = try reader.next() { messages.append(message) }
            } catch {
                return (messages, true)
            }
        }
        return (messages, false)
    }
}
