/// How many MP3 (MPEG-1/2/2.5 Layer III) packets a unit must decode, and discard, before its
/// first emitted frame so that frame decodes exactly as in a decode of the whole stream.
///
/// A Layer III decoder carries three kinds of state from frame to frame (FFmpeg's
/// `libavcodec/mpegaudiodec_template.c`):
/// - the *bit reservoir*: a frame's main data begins `main_data_begin` bytes before its own
///   header, in the main data of earlier frames (ISO/IEC 11172-3 §2.4.1.7 and §2.4.3.4.3: 9 bits,
///   up to 511 bytes, for MPEG-1; ISO/IEC 13818-3 §2.4.1.7: 8 bits, up to 255 bytes, for the
///   lower sampling rates); FFmpeg keeps them in `last_buf` (`BACKSTEP_SIZE` 512);
/// - the IMDCT overlap (`mdct_buf`): half of the previous granule's output is added to this one;
/// - the polyphase synthesis filter's history (`synth_buf`): the last 16 slots of 32 subband
///   samples, all inside the previous granule (18 slots).
///
/// So frame j is exact when frame j-1 was decoded exactly (MPEG-1 has two granules per frame,
/// so the granule before j lies in j-1 alone); with one granule per frame (MPEG-2/2.5) that
/// granule's own overlap reaches into j-2, which must then be exact too. A frame is exact when the
/// bytes its `main_data_begin` points back to were fed. The pre-roll therefore starts at the
/// earliest of those frames and of the frames their reservoirs reach. How many that is depends
/// on the bit rate and on how much of the reservoir the encoder used (LAME, measured: 3 frames at
/// 128 kbit/s, 4 at 64, 5 to 8 at 32 kbit/s); it is computed from the frames themselves. Packets that
/// are not Layer III frames fall back to `fallbackPackets`.
public enum MPEGAudioPreRoll {
    /// Used when a packet cannot be parsed: enough for a full 511-byte reservoir at the smallest
    /// MPEG-1 Layer III frame (32 kbit/s at 48 kHz: 96 bytes, 60 of main data) plus its overlap.
    public static let fallbackPackets = 11

    /// Pre-roll packets before `packets[cut]` (at most `cut`).
    public static func packets(before cut: Int, in packets: [MediaPacket]) -> Int {
        guard cut > 0 else { return 0 }
        guard let first = LayerIIIFrame(packets[cut].data) else { return min(cut, fallbackPackets) }
        let exactFrames = first.granulesPerFrame == 2 ? 1 : 2
        var start = max(0, cut - exactFrames)
        for frame in start...cut {
            guard let header = LayerIIIFrame(packets[frame].data) else { return min(cut, fallbackPackets) }
            var needed = header.mainDataBegin
            var earliest = frame
            while needed > 0 && earliest > 0 {
                earliest -= 1
                guard let previous = LayerIIIFrame(packets[earliest].data) else { return min(cut, fallbackPackets) }
                needed -= previous.mainDataBytes
            }
            start = min(start, earliest)
        }
        return cut - start
    }
}

/// The fields of a Layer III frame header and side information that the pre-roll needs.
struct LayerIIIFrame: Hashable {
    /// 2 for MPEG-1, 1 for MPEG-2 and 2.5.
    var granulesPerFrame: Int
    /// Bytes before this frame's header where its main data begins (the reservoir it uses).
    var mainDataBegin: Int
    /// Bytes of main data this frame carries (after its header, CRC and side information).
    var mainDataBytes: Int

    /// nil unless `data` starts with an MPEG audio Layer III frame header and its side information.
    init?(_ data: [UInt8]) {
        guard data.count >= 6, data[0] == 0xFF, data[1] & 0xE0 == 0xE0 else { return nil }
        let version = (data[1] >> 3) & 3  // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5, 1 reserved
        let layer = (data[1] >> 1) & 3  // 1 is Layer III
        guard version != 1, layer == 1 else { return nil }
        let hasCRC = data[1] & 1 == 0
        let mono = (data[3] >> 6) & 3 == 3
        let mpeg1 = version == 3
        let sideInformation = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17)
        let offset = 4 + (hasCRC ? 2 : 0)
        guard data.count >= offset + sideInformation else { return nil }
        granulesPerFrame = mpeg1 ? 2 : 1
        mainDataBegin = mpeg1 ? Int(data[offset]) << 1 | Int(data[offset + 1] >> 7) : Int(data[offset])
        mainDataBytes = data.count - offset - sideInformation
    }
}
