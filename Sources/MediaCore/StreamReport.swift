/// Counts of units over a stream's life.
public struct UnitCounts: Hashable, Sendable, Codable {
    /// Units the requester cut.
    public var cut = 0
    /// Units whose frames were accepted (first answer wins).
    public var done = 0
    /// Units given up: their frames are lost (see `failures`).
    public var lost = 0
    /// Copies in flight now (a duplicated unit counts twice).
    public var inFlight = 0
    /// Units waiting to be sent now.
    public var queued = 0
    /// Sends of a unit that had been sent before (its member died, fell behind, or failed it).
    public var redispatched = 0
    /// Late units sent to a second member while the first still held them.
    public var duplicated = 0
    /// Failed units sent again elsewhere (`.workerDied`, `.unsupportedCodec`, `.outOfMemory`).
    public var retried = 0
    /// Answers dropped because the unit already had one (a duplicate's loser, an answer after a
    /// cancel): every frame is emitted exactly once.
    public var duplicateResultsDropped = 0
    /// Answers dropped from a member the unit was never sent to.
    public var unexpectedResultsDropped = 0
    /// Copies cancelled at a member (the other copy won, the member fell behind or was lost, or
    /// the stream was given up).
    public var cancelled = 0

    public init() {}
}

/// One member's work for a stream.
public struct MemberReport: Hashable, Sendable, Codable {
    /// The member's id (16 hex digits).
    public var member: String
    /// Streams of the service's level it reserved (last known; 1.0 = the whole stream in real
    /// time).
    public var reservedShare: Double
    /// What its profile predicts this stream costs it in CPU (and of what), if the shell knew it.
    public var estimate: CPUEstimate?
    /// CPU seconds per media second its profile predicts for this stream, if the shell knew it.
    public var estimatedCPUPerMediaSecond: Double? { estimate?.cpuPerMediaSecond }
    public var unitsSent = 0
    public var unitsDone = 0
    public var unitsFailed = 0
    public var unitsCancelled = 0
    /// Times it was found behind (a unit in flight beyond the stall bound).
    public var timesBehind = 0
    /// Times another member decoded its late unit first (it was then suspended).
    public var timesSuspended = 0
    /// Times membership declared it lost while it served the stream.
    public var timesLost = 0
    /// Media seconds of the units it decoded and that were accepted (a second of video and
    /// the same second of audio count two).
    public var mediaSecondsDecoded = 0.0
    /// The same units in stream-seconds (their `UnitMetadata.cost`): the unit of the share.
    public var streamSecondsDecoded = 0.0
    /// CPU seconds its answers reported (every answer, accepted or not).
    public var cpuSeconds = 0.0
    /// Wall seconds it had at least one unit in flight.
    public var busySeconds = 0.0

    public init(member: String, reservedShare: Double, estimate: CPUEstimate? = nil) {
        self.member = member
        self.reservedShare = reservedShare
        self.estimate = estimate
    }

    /// Stream-seconds decoded per wall second of work, in the unit of `reservedShare`: a
    /// member that keeps its promise has a throughput of at least its share. 0 before any work.
    public var throughput: Double { busySeconds > 0 ? streamSecondsDecoded / busySeconds : 0 }

    /// CPU seconds per media second decoded, as measured; nil before any work.
    public var measuredCPUPerMediaSecond: Double? { mediaSecondsDecoded > 0 ? cpuSeconds / mediaSecondsDecoded : nil }

    private enum CodingKeys: String, CodingKey {
        case member, reservedShare, estimate, estimatedCPUPerMediaSecond, measuredCPUPerMediaSecond, unitsSent, unitsDone,
            unitsFailed, unitsCancelled, timesBehind, timesSuspended, timesLost, mediaSecondsDecoded, streamSecondsDecoded, cpuSeconds,
            busySeconds, throughput
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        member = try container.decode(String.self, forKey: .member)
        reservedShare = try container.decode(Double.self, forKey: .reservedShare)
        estimate = try container.decodeIfPresent(CPUEstimate.self, forKey: .estimate)
        if estimate == nil, let total = try container.decodeIfPresent(Double.self, forKey: .estimatedCPUPerMediaSecond) {
            estimate = CPUEstimate(cpuPerMediaSecond: total)  // a report written before the parts were
        }
        unitsSent = try container.decode(Int.self, forKey: .unitsSent)
        unitsDone = try container.decode(Int.self, forKey: .unitsDone)
        unitsFailed = try container.decode(Int.self, forKey: .unitsFailed)
        unitsCancelled = try container.decode(Int.self, forKey: .unitsCancelled)
        timesBehind = try container.decode(Int.self, forKey: .timesBehind)
        timesSuspended = try container.decode(Int.self, forKey: .timesSuspended)
        timesLost = try container.decode(Int.self, forKey: .timesLost)
        mediaSecondsDecoded = try container.decode(Double.self, forKey: .mediaSecondsDecoded)
        streamSecondsDecoded = try container.decode(Double.self, forKey: .streamSecondsDecoded)
        cpuSeconds = try container.decode(Double.self, forKey: .cpuSeconds)
        busySeconds = try container.decode(Double.self, forKey: .busySeconds)
    }

    /// Writes the derived `throughput`, `measuredCPUPerMediaSecond` and
    /// `estimatedCPUPerMediaSecond` (the estimate's total, beside its parts in `estimate`) too,
    /// for report.json.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(member, forKey: .member)
        try container.encode(reservedShare, forKey: .reservedShare)
        try container.encodeIfPresent(estimatedCPUPerMediaSecond, forKey: .estimatedCPUPerMediaSecond)
        try container.encodeIfPresent(estimate, forKey: .estimate)
        try container.encodeIfPresent(measuredCPUPerMediaSecond, forKey: .measuredCPUPerMediaSecond)
        try container.encode(unitsSent, forKey: .unitsSent)
        try container.encode(unitsDone, forKey: .unitsDone)
        try container.encode(unitsFailed, forKey: .unitsFailed)
        try container.encode(unitsCancelled, forKey: .unitsCancelled)
        try container.encode(timesBehind, forKey: .timesBehind)
        try container.encode(timesSuspended, forKey: .timesSuspended)
        try container.encode(timesLost, forKey: .timesLost)
        try container.encode(mediaSecondsDecoded, forKey: .mediaSecondsDecoded)
        try container.encode(streamSecondsDecoded, forKey: .streamSecondsDecoded)
        try container.encode(cpuSeconds, forKey: .cpuSeconds)
        try container.encode(busySeconds, forKey: .busySeconds)
        try container.encode(throughput, forKey: .throughput)
    }
}

/// A unit whose frames were lost, for the report: which unit, which presentation times, why.
public struct LostUnitReport: Hashable, Sendable, Codable {
    public var stream: UInt8
    public var sequence: UInt32
    /// The unit's emit range in its stream's time base (`end` nil: to the end of the stream).
    public var start: Int64
    public var end: Int64?
    public var frames: Int
    /// The last failure (`UnitFailure`), nil when the stream was abandoned.
    public var failure: UnitFailure?
    /// The member that reported it, if any.
    public var member: String?
    /// A sentence for people.
    public var reason: String
}

/// One stream of the service.
public struct StreamCounts: Hashable, Sendable, Codable {
    public var stream: UInt8
    public var kind: StreamKind?
    public var frames: FrameCounts
}

/// What a stream's service did: report.json's body, and what `node status` shows while it runs.
public struct StreamReport: Hashable, Sendable, Codable {
    /// `live` or `batch`.
    public var pacing: String
    /// Live only: the latency frames are due after, in milliseconds.
    public var latencyMilliseconds: Double?
    /// From the stream's start to the report, in seconds.
    public var elapsedSeconds: Double
    public var units: UnitCounts
    public var frames: FrameCounts
    public var streams: [StreamCounts]
    /// What every stream was delivered at, from which frame on.
    public var deliveryChanges: [DeliveryChange]
    /// Runs of late frames (the first 256), and how many more there were.
    public var lateSpells: [LateSpell]
    public var lateSpellsNotKept: Int
    /// By member id; every member that ever served the stream.
    public var members: [MemberReport]
    /// Every unit given up, in the order given up.
    public var lostUnits: [LostUnitReport]
    /// Whether every frame cut was delivered (none lost).
    public var complete: Bool { frames.lost == 0 && frames.delivered + frames.skipped == frames.expected }
}
