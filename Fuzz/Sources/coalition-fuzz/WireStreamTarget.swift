import Coalition
import NIOCore

/// The TCP side: `WireFrameDecoder.decode(stream:)` as `WireStreamDecoder` (the connection's
/// `ByteToMessageDecoder`) drives it, over the service types, without a key and with one (the
/// first byte chooses: even without, odd with; keyed inputs are taken as they are).
///
/// Checked: however the bytes arrive (all at once, or in chunks of 1...N bytes), the same
/// frames come out and the stream stops at the same point for the same reason; the frames
/// consumed re-encode (unkeyed) to exactly the bytes consumed; nothing is consumed by a
/// `needMoreData`; a body is never over its type's limit.
enum WireStreamTarget {
    static let target = FuzzTarget(
        name: "wire-stream",
        summary: "WireFrameDecoder.decode(stream:) fed whole and in chunks: same frames, same stop, canonical frames"
    ) { bytes in
        guard let first = bytes.first else { return }
        let keyring = first & 1 == 1 ? WireFixtures.keyring : nil
        let stream = Array(bytes.dropFirst())
        let whole = decodeWhole(stream, keyring: keyring)
        let chunked = decodeChunked(stream, keyring: keyring)
        Fuzz.check(whole.frames.map(\.bytes) == chunked.frames.map(\.bytes), "chunked decoding yields other frames")
        Fuzz.check(whole.stop == chunked.stop, "chunked decoding stops otherwise: \(whole.stop) vs \(chunked.stop)")
        guard keyring == nil else { return }
        var again = ByteBuffer()
        for frame in whole.frames {
            Fuzz.check(frame.body.count <= frame.type.maximumBodyLength, "\(frame.type) body over its limit")
            let body = ByteBuffer(bytes: frame.body)
            WireFrameEncoder(keyring: nil).encode(frame.type, body: body, into: &again, timestampMilliseconds: 0, nonce: 0)
        }
        Fuzz.check(Array(again.readableBytesView) == Array(stream.prefix(whole.consumed)), "frames do not re-encode to the bytes consumed")
    }

    struct Decoded {
        var type: WireMessageType
        var body: [UInt8]
        var bytes: [UInt8] { [type.rawValue] + body }
    }

    struct Outcome {
        var frames: [Decoded] = []
        /// Why decoding stopped: "more" (waiting for bytes) or a drop reason.
        var stop = "more"
        var consumed = 0
    }

    static func decoder(_ keyring: WireKeyring?) -> WireFrameDecoder {
        WireFrameDecoder(accepting: WireFixtures.serviceTypes, keyring: keyring)
    }

    static func decodeWhole(_ stream: [UInt8], keyring: WireKeyring?) -> Outcome {
        var decoder = decoder(keyring)
        var buffer = ByteBuffer(bytes: stream)
        var outcome = Outcome()
        drain(&decoder, &buffer, into: &outcome)
        outcome.consumed = buffer.readerIndex
        return outcome
    }

    static func decodeChunked(_ stream: [UInt8], keyring: WireKeyring?) -> Outcome {
        var decoder = decoder(keyring)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var sizes = ChunkSizes(for: stream)
        var offset = 0
        while offset < stream.count, outcome.stop == "more" {
            let size = min(sizes.next(maximum: 64), stream.count - offset)
            buffer.writeBytes(stream[offset..<offset + size])
            offset += size
            drain(&decoder, &buffer, into: &outcome)
        }
        return outcome
    }

    /// As `WireStreamDecoder.decode(context:buffer:)`: frames until more bytes are needed or
    /// the stream is dropped.
    static func drain(_ decoder: inout WireFrameDecoder, _ buffer: inout ByteBuffer, into outcome: inout Outcome) {
        while true {
            let before = buffer.readerIndex
            // One frame is one decode: the budget is per frame (a stream holds many). A rerun
            // (see Fuzz.timed) starts again from the state before the first.
            let (savedDecoder, savedBuffer) = (decoder, buffer)
            let result = Fuzz.timed("wire-stream decode") {
                decoder = savedDecoder
                buffer = savedBuffer
                return decoder.decode(stream: &buffer, nowMilliseconds: WireFixtures.nowMilliseconds)
            }
            switch result {
            case .frame(let frame):
                Fuzz.check(buffer.readerIndex > before, "a frame consumed nothing")
                outcome.frames.append(Decoded(type: frame.type, body: Array(frame.body.readableBytesView)))
            case .needMoreData:
                Fuzz.check(buffer.readerIndex == before, "needMoreData consumed bytes")
                return
            case .drop(let reason):
                outcome.stop = reason.rawValue
                return
            }
        }
    }
}
