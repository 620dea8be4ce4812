/// Cuts one stream's packets, in decoding order, into `MediaUnit`s of about
/// `Configuration.targetDuration` that each decode alone, such that the units' emitted frames,
/// concatenated in sequence order, are exactly the frames of one decode of the whole stream.
///
/// A unit ends at a *cut*: a packet whose presentation time becomes the next unit's `emit.start`.
///
/// - Video cuts at a keyframe once the unit is at least `targetDuration` long. A closed GOP (IDR)
///   needs nothing more. An open GOP's leading pictures (decoded after the keyframe, presented
///   before it, referencing the previous GOP) are presented in *this* unit's range, so this unit
///   also carries the keyframe and its leading pictures as trailing packets; the next unit
///   decodes them too (so its decoder's reference state is the whole stream's) but does not emit
///   them: `emit` gives every frame to exactly one unit.
/// - Video without a keyframe for `maximumDuration` (or nearing `MediaUnitLimits`) is cut at a
///   packet presented after every packet before it (a P picture, never a B picture); the B
///   pictures decoded after it and presented before it trail this unit, and the next unit
///   carries, as pre-roll, every packet since the last keyframe, so it stays exact at the cost of
///   decoding that GOP prefix again. A GOP longer than the limits allow as pre-roll is refused
///   with `UnitCutterError.keyframeIntervalTooLong` (exactness cannot be kept).
/// - Audio cuts at any packet once the unit is `targetDuration` long, and the next unit starts
///   with pre-roll packets that rebuild the decoder's state: AAC 1 packet (the MDCT overlap and
///   window shape come from the previous frame only); MP3 as many as `MPEGAudioPreRoll` computes
///   from the frames' own `main_data_begin` (the bit reservoir) plus the frames whose output the
///   overlap and synthesis filter need.
///
/// Pure: no I/O, no clock. Feed packets with `append`, then call `finish` once.
public struct UnitCutter: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Media seconds a unit aims for: it ends at the first cut point at or after this. Default 1 s.
        public var targetDuration: Double
        /// Media seconds after which a video unit is cut even without a keyframe. Default 10 s.
        public var maximumDuration: Double
        /// What a unit may carry; a unit is cut before reaching 90% of its packet or byte limit.
        public var limits: MediaUnitLimits

        public init(targetDuration: Double = 1, maximumDuration: Double = 10, limits: MediaUnitLimits = .standard) {
            precondition(targetDuration > 0 && maximumDuration >= targetDuration, "0 < target <= maximum duration")
            self.targetDuration = targetDuration
            self.maximumDuration = maximumDuration
            self.limits = limits
        }
    }

    public let stream: UInt8
    public let parameters: CodecParameters
    public let configuration: Configuration

    /// The current unit: its pre-roll, its own packets, and (while `pendingCut` is set) the
    /// packets after the cut, a contiguous run of the stream in decoding order.
    private var packets: [MediaPacket] = []
    private var payloadBytes = 0
    private var preRoll = 0
    /// The next unit's `emit.start`; nil for the first unit (then the least pts it holds).
    private var unitStart: Int64?
    /// Index in `packets` of the cut whose trailing packets are still arriving.
    private var pendingCut: Int?
    /// Index in `packets` of the last keyframe, nil when none is held.
    private var lastKeyframe: Int?
    /// The greatest pts in `packets`, and before the last packet was added.
    private var greatestPTS: Int64?
    private var greatestPTSBeforeLast: Int64?
    private var sequence: UInt32 = 0
    /// Packets appended so far (for errors).
    private var packetNumber = 0
    private var finished = false

    public init(stream: UInt8, parameters: CodecParameters, configuration: Configuration = Configuration()) {
        self.stream = stream
        self.parameters = parameters
        self.configuration = configuration
    }

    /// Adds the next packet in decoding order; returns the units it completed (zero or one).
    public mutating func append(_ packet: MediaPacket) throws(UnitCutterError) -> [MediaUnit] {
        precondition(!finished, "append after finish")
        packetNumber += 1
        guard packet.data.count <= configuration.limits.maximumPacketBytes else {
            throw .packetTooLarge(packetNumber: packetNumber, bytes: packet.data.count)
        }
        var completed: [MediaUnit] = []
        if let cut = pendingCut, let cutTime = packets[cut].presentationTime {
            if let time = packet.presentationTime, time < cutTime {
                add(packet)
                guard packets.count < configuration.limits.maximumPackets else {
                    throw .keyframeIntervalTooLong(packetNumber: packetNumber, packets: packets.count)
                }
                return []
            }
            completed.append(try close(at: cut))
        }
        add(packet)
        if let cut = cutCandidate() { pendingCut = cut }
        return completed
    }

    /// Ends the stream: returns the units still held (the last one's `emit.end` is nil).
    public mutating func finish() throws(UnitCutterError) -> [MediaUnit] {
        precondition(!finished, "finish twice")
        finished = true
        var completed: [MediaUnit] = []
        if let cut = pendingCut { completed.append(try close(at: cut)) }
        if packets.count > preRoll {
            completed.append(makeUnit(packets: packets, emit: PresentationRange(start: emitStart(before: packets.count), end: nil)))
        }
        return completed
    }

    private mutating func add(_ packet: MediaPacket) {
        if packet.isKeyframe { lastKeyframe = packets.count }
        greatestPTSBeforeLast = greatestPTS
        if let time = packet.presentationTime { greatestPTS = max(greatestPTS ?? time, time) }
        packets.append(packet)
        payloadBytes += packet.data.count
    }

    /// The index of the packet just added if the unit should be cut there.
    private func cutCandidate() -> Int? {
        let index = packets.count - 1
        guard index > preRoll, pendingCut == nil, let time = packets[index].presentationTime else { return nil }
        let seconds = parameters.timeBase.seconds(time - emitStart(before: index))
        let limits = configuration.limits
        let nearLimit = packets.count * 10 >= limits.maximumPackets * 9 || payloadBytes * 10 >= limits.maximumUnitBytes * 9
        switch parameters.codec.kind {
        case .audio:
            return seconds >= configuration.targetDuration || nearLimit ? index : nil
        case .video:
            if packets[index].isKeyframe && seconds >= configuration.targetDuration { return index }
            // Forced: only a picture presented after every earlier one, so nothing decoded before
            // it is presented after it.
            let presentedLast = greatestPTSBeforeLast.map { $0 < time } ?? true
            if (seconds >= configuration.maximumDuration || nearLimit) && presentedLast { return index }
            return nil
        }
    }

    /// Closes the current unit at `cut` and starts the next one there.
    private mutating func close(at cut: Int) throws(UnitCutterError) -> MediaUnit {
        let cutTime = packets[cut].presentationTime!
        let trailing = cut + 1 < packets.count
        let unit = makeUnit(
            packets: trailing ? packets : Array(packets[..<cut]),
            emit: PresentationRange(start: emitStart(before: cut), end: cutTime))

        let carried: ArraySlice<MediaPacket>
        switch parameters.codec {
        case .h264:
            if packets[cut].isKeyframe {
                carried = []
            } else {
                // A forced cut: everything since the GOP's keyframe (or since the first packet
                // held, when the stream began without one).
                carried = packets[(lastKeyframe.map { $0 < cut ? $0 : 0 } ?? 0)..<cut]
            }
        case .aac:
            carried = packets[max(0, cut - 1)..<cut]
        case .mp3:
            carried = packets[(cut - MPEGAudioPreRoll.packets(before: cut, in: packets))..<cut]
        }
        guard carried.count + (packets.count - cut) < configuration.limits.maximumPackets else {
            throw .keyframeIntervalTooLong(packetNumber: packetNumber, packets: carried.count)
        }
        var next = Array(carried)
        next.append(contentsOf: packets[cut...])
        packets = []
        payloadBytes = 0
        lastKeyframe = nil
        greatestPTS = nil
        greatestPTSBeforeLast = nil
        for packet in next { add(packet) }
        preRoll = carried.count
        unitStart = cutTime
        pendingCut = nil
        return unit
    }

    /// `emit.start` of the current unit: the cut it began at, or for the first unit the least pts
    /// among its first `count` packets (every frame the whole stream presents before the first
    /// cut belongs to it).
    private func emitStart(before count: Int) -> Int64 {
        if let unitStart { return unitStart }
        return packets[..<count].compactMap(\.presentationTime).min() ?? (Int64.min + 1)
    }

    private mutating func makeUnit(packets: [MediaPacket], emit: PresentationRange) -> MediaUnit {
        defer { sequence += 1 }
        return MediaUnit(
            sequence: sequence, stream: stream, parameters: parameters, emit: emit,
            preRoll: UInt16(clamping: preRoll), packets: packets)
    }
}

/// Why a stream cannot be cut into exact units. Each names the packet (counted from 1 in
/// decoding order) where the cutter gave up.
public enum UnitCutterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A packet over `MediaUnitLimits.maximumPacketBytes`.
    case packetTooLarge(packetNumber: Int, bytes: Int)
    /// No keyframe for so long that the packets since the last one do not fit in a unit, so no
    /// unit could decode its frames exactly.
    case keyframeIntervalTooLong(packetNumber: Int, packets: Int)

    public var description: String {
        switch self {
        case .packetTooLarge(let number, let bytes):
            "packet \(number) is \(bytes) bytes, over the limit of a unit's packet"
        case .keyframeIntervalTooLong(let number, let count):
            "no keyframe for \(count) packets at packet \(number): a unit cannot hold what decoding it exactly needs"
        }
    }
}

extension MediaPacket {
    /// pts, or dts when the container gave no pts.
    var presentationTime: Int64? { pts ?? dts }
}
