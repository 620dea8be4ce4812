import MediaCore
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore

/// The messages of queries and reservations (TCP, framed by `WireFrameEncoder`). Every request
/// carries a request number the answer repeats, so answers may come back in any order.
///
/// Bodies, big-endian: ids are short strings (a UInt8 byte count and UTF-8), reasons a UInt16
/// byte count and UTF-8; a level is two bytes
/// (video 0 none, 1 SD, 2 HD, 3 FHD; audio 0 none, 1 low, 2 medium, 3 high); a share is a
/// Float64's bits. Counts and lengths are checked against the limits below before anything is
/// read, and a body with bytes left over is malformed.
///
/// Fields added later are optional and trailing, so earlier bodies still decode (and a body
/// without them re-encodes to itself): a query's weight (a Float64, present when not the
/// default 1), a reservation's claim (weight, then ladder as in a query) and a renewal answer's
/// step-downs (a UInt16 count, 1 or more, of: service id, a flag byte 0 = taken back entirely or
/// 1 followed by the level, a reason).
///
/// After those, for `node request --input`: a query's and a reservation's input (the input's
/// video, ``InputDescription``: codec UInt8 (1 H.264), width and height UInt16 each, frame rate
/// numerator and denominator UInt32 each, then its calibration, a Float64, when the requester
/// measured the stream's cost), and a reservation answer's demand per stream for that
/// input (CPU cores as a Float64's bits, memory bytes UInt64), then what that CPU figure is made
/// of (``CPUEstimate``): decode cores (a Float64), a flag byte (0 the hash is not priced, 1
/// followed by the hash's cores as a Float64) and the basis (a reason's form, at most
/// `maximumBasisBytes`). An input needs the field before it:
/// a query with an input writes its weight (1 when nil), a reservation its claim (weight 1 and
/// its level when nil), so they decode back as that weight and that claim.
public enum ServiceMessage: Hashable, Sendable {
    /// "What share of each of these levels can you carry for `service`?"
    /// `weight` (> 0) is how much the service matters; nil is the default, 1.
    /// `input`: the stream's own video, priced by the member instead of its level's preset.
    case query(
        request: UInt32, sender: MemberID, service: ServiceID, ladder: [QoSLevel], weight: Double? = nil, input: InputDescription? = nil)
    /// The answer: one share and reason per ladder level.
    case offer(request: UInt32, responder: MemberID, shares: [Double], reasons: [String])
    /// "Reserve `share` streams of `level` for `service`."
    /// `claim` (weight and ladder) lets the member step services of lower weight down for it;
    /// nil: weight 1, only `level`.
    /// `input`: as in a query; the reservation holds the input's estimated demand.
    case reserve(
        request: UInt32, sender: MemberID, service: ServiceID, level: QoSLevel, share: Double, claim: ReservationClaim? = nil,
        input: InputDescription? = nil)
    /// `demand`: what one whole stream of the reserved input is estimated to cost on the member
    /// (present when the reservation named an input and was accepted). `estimate`: its CPU
    /// figure's parts, carried after a demand (its total is the demand's cores; one without
    /// a decode part is not carried).
    case reserveAnswer(
        request: UInt32, accepted: Bool, available: Double, reason: String, demand: Demand? = nil, estimate: CPUEstimate? = nil)
    /// "Extend the leases of these services."
    case renew(request: UInt32, sender: MemberID, services: [ServiceID])
    /// The services of a renewal the member does not hold, and those it stepped down since.
    case renewAnswer(request: UInt32, unknown: [ServiceID], stepDowns: [StepDown] = [])
    case release(request: UInt32, sender: MemberID, service: ServiceID)
    case releaseAnswer(request: UInt32)
    /// "Decode this unit of `service` as `plan` says": a unit in `MediaUnitEncoding`'s form,
    /// carried opaque (the member's decode worker reads it, in the service's cgroup; the daemon
    /// does not parse media). The plan is one byte (`DeliveryPlan.wireCode`).
    case unit(request: UInt32, sender: MemberID, service: ServiceID, plan: DeliveryPlan, unit: [UInt8])
    /// The answer to a unit: its result in `MediaUnitEncoding`'s form, or why the member would not
    /// take it (no lease for the service, too many units in flight).
    case unitAnswer(request: UInt32, outcome: UnitOutcome)
    /// "Give up `unit` of `service`": the requester sent it to this member and no longer needs
    /// its result (it was re-dispatched elsewhere, another copy won, or the stream ended). The
    /// member drops it if queued and stops it if decoding, and answers the unit itself
    /// `.cancelled`. Only the unit's requester may cancel it.
    case unitCancel(request: UInt32, sender: MemberID, service: ServiceID, unit: UnitKey)
    /// What the cancel found (the unit's own request gets its answer separately).
    case unitCancelAnswer(request: UInt32, outcome: UnitCancelOutcome)

    /// Most levels in a ladder.
    public static let maximumLadder = 8
    /// Most services in one renewal.
    public static let maximumServices = 64
    /// Longest service id, reason, in bytes.
    public static let maximumServiceIDBytes = 128
    public static let maximumReasonBytes = 512
    /// Longest basis of a reservation answer's estimate, in bytes: the whole answer then stays
    /// within its frame limit (1024) even beside the longest reason.
    public static let maximumBasisBytes = 256
    /// Largest demand per stream a reservation answer carries: cores, and bytes (1 TiB).
    public static let maximumDemandCores = 1024.0
    public static let maximumDemandBytes: UInt64 = 1 << 40
    /// Largest unit and unit result carried, in bytes (`MediaUnitLimits`' defaults).
    public static let maximumUnitBytes = MediaUnitLimits.standard.maximumUnitBytes
    public static let maximumUnitResultBytes = MediaUnitLimits.standard.maximumFrames * 36 + 64
        + Thumbnail.sectionOverheadBytes + MediaUnitLimits.standard.maximumThumbnailBytes

    public var request: UInt32 {
        switch self {
        case .query(let r, _, _, _, _, _), .offer(let r, _, _, _), .reserve(let r, _, _, _, _, _, _), .reserveAnswer(let r, _, _, _, _, _),
            .renew(let r, _, _), .renewAnswer(let r, _, _), .release(let r, _, _), .releaseAnswer(let r),
            .unit(let r, _, _, _, _), .unitAnswer(let r, _), .unitCancel(let r, _, _, _), .unitCancelAnswer(let r, _):
            r
        }
    }

    /// The sender a request names (nil for answers).
    public var sender: MemberID? {
        switch self {
        case .query(_, let s, _, _, _, _), .reserve(_, let s, _, _, _, _, _), .renew(_, let s, _), .release(_, let s, _), .unit(_, let s, _, _, _),
            .unitCancel(_, let s, _, _): s
        default: nil
        }
    }

    public var type: WireMessageType {
        switch self {
        case .query: .serviceQuery
        case .offer: .serviceOffer
        case .reserve: .serviceReserve
        case .reserveAnswer: .serviceReserveAnswer
        case .renew: .serviceRenew
        case .renewAnswer: .serviceRenewAnswer
        case .release: .serviceRelease
        case .releaseAnswer: .serviceReleaseAnswer
        case .unit: .serviceUnit
        case .unitAnswer: .serviceUnitAnswer
        case .unitCancel: .serviceUnitCancel
        case .unitCancelAnswer: .serviceUnitCancelAnswer
        }
    }

    /// The body, ready for `WireFrameEncoder`.
    public func body(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var capacity = 64
        if case .unit(_, _, _, _, let unit) = self { capacity += unit.count }
        if case .unitAnswer(_, .result(let result)) = self { capacity += result.count }
        var buffer = allocator.buffer(capacity: capacity)
        buffer.writeInteger(request)
        switch self {
        case .query(_, let sender, let service, let ladder, let weight, let input):
            buffer.writeShortString(sender.rawValue)
            buffer.writeShortString(service.rawValue)
            buffer.writeLadder(ladder)
            if weight != nil || input != nil { buffer.writeInteger((weight ?? 1).bitPattern) }
            if let input { buffer.writeInput(input) }
        case .offer(_, let responder, let shares, let reasons):
            buffer.writeShortString(responder.rawValue)
            buffer.writeInteger(UInt8(shares.count))
            for (share, reason) in zip(shares, reasons + Array(repeating: "", count: max(0, shares.count - reasons.count))) {
                buffer.writeInteger(share.bitPattern)
                buffer.writeText(reason.prefixOfUTF8(maximumBytes: Self.maximumReasonBytes))
            }
        case .reserve(_, let sender, let service, let level, let share, let claim, let input):
            buffer.writeShortString(sender.rawValue)
            buffer.writeShortString(service.rawValue)
            buffer.writeLevel(level)
            buffer.writeInteger(share.bitPattern)
            if let claim = claim ?? input.map({ _ in ReservationClaim(ladder: [level]) }) {
                buffer.writeInteger(claim.weight.bitPattern)
                buffer.writeLadder(claim.ladder)
            }
            if let input { buffer.writeInput(input) }
        case .reserveAnswer(_, let accepted, let available, let reason, let demand, let estimate):
            buffer.writeInteger(UInt8(accepted ? 1 : 0))
            buffer.writeInteger(available.bitPattern)
            buffer.writeText(reason.prefixOfUTF8(maximumBytes: Self.maximumReasonBytes))
            if let demand {
                buffer.writeInteger(demand.cpuCores.bitPattern)
                buffer.writeInteger(demand.memoryBytes)
                if let estimate, let decode = estimate.decodeCPUPerMediaSecond {
                    buffer.writeInteger(decode.bitPattern)
                    if let hash = estimate.hashCPUPerMediaSecond {
                        buffer.writeInteger(UInt8(1))
                        buffer.writeInteger(hash.bitPattern)
                    } else {
                        buffer.writeInteger(UInt8(0))
                    }
                    buffer.writeText((estimate.basis ?? "").prefixOfUTF8(maximumBytes: Self.maximumBasisBytes))
                }
            }
        case .renew(_, let sender, let services):
            buffer.writeShortString(sender.rawValue)
            buffer.writeInteger(UInt16(services.count))
            for service in services { buffer.writeShortString(service.rawValue) }
        case .renewAnswer(_, let unknown, let stepDowns):
            buffer.writeInteger(UInt16(unknown.count))
            for service in unknown { buffer.writeShortString(service.rawValue) }
            if !stepDowns.isEmpty {
                buffer.writeInteger(UInt16(stepDowns.count))
                for stepDown in stepDowns {
                    buffer.writeShortString(stepDown.service.rawValue)
                    if let level = stepDown.level {
                        buffer.writeInteger(UInt8(1))
                        buffer.writeLevel(level)
                    } else {
                        buffer.writeInteger(UInt8(0))
                    }
                    buffer.writeText(stepDown.reason.prefixOfUTF8(maximumBytes: Self.maximumReasonBytes))
                }
            }
        case .release(_, let sender, let service):
            buffer.writeShortString(sender.rawValue)
            buffer.writeShortString(service.rawValue)
        case .releaseAnswer:
            break
        case .unit(_, let sender, let service, let plan, let unit):
            buffer.writeShortString(sender.rawValue)
            buffer.writeShortString(service.rawValue)
            buffer.writeInteger(plan.wireCode)
            buffer.writeInteger(UInt32(unit.count))
            buffer.writeBytes(unit)
        case .unitAnswer(_, .result(let result)):
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(result.count))
            buffer.writeBytes(result)
        case .unitAnswer(_, .refused(let refusal)):
            buffer.writeInteger(UInt8(1))
            buffer.writeInteger(refusal.rawValue)
        case .unitAnswer(_, .cancelled):
            buffer.writeInteger(UInt8(2))
        case .unitCancel(_, let sender, let service, let unit):
            buffer.writeShortString(sender.rawValue)
            buffer.writeShortString(service.rawValue)
            buffer.writeInteger(unit.stream)
            buffer.writeInteger(unit.sequence)
        case .unitCancelAnswer(_, let outcome):
            buffer.writeInteger(outcome.rawValue)
        }
        return buffer
    }

    /// Decodes a frame's body; any short field, bad count, bad string or leftover byte is
    /// `.malformedBody`.
    public static func decode(_ frame: WireFrame) -> Result<ServiceMessage, WireDropReason> {
        var body = frame.body
        guard let message = parse(frame.type, &body), body.readableBytes == 0 else { return .failure(.malformedBody) }
        return .success(message)
    }

    private static func parse(_ type: WireMessageType, _ body: inout ByteBuffer) -> ServiceMessage? {
        guard let request = body.readInteger(as: UInt32.self) else { return nil }
        switch type {
        case .serviceQuery:
            guard let sender = body.readMemberID(), let service = body.readServiceID(), let ladder = body.readLadder()
            else { return nil }
            var weight: Double?
            if body.readableBytes > 0 {
                guard let read = body.readWeight() else { return nil }
                weight = read
            }
            var input: InputDescription?
            if body.readableBytes > 0 {
                guard let read = body.readInput() else { return nil }
                input = read
            }
            return .query(request: request, sender: sender, service: service, ladder: ladder, weight: weight, input: input)
        case .serviceOffer:
            guard let responder = body.readMemberID(), let count = body.readInteger(as: UInt8.self),
                Int(count) <= maximumLadder
            else { return nil }
            var shares: [Double] = []
            var reasons: [String] = []
            for _ in 0..<count {
                guard let bits = body.readInteger(as: UInt64.self), let reason = body.readText(limit: maximumReasonBytes)
                else { return nil }
                let share = Double(bitPattern: bits)
                guard share.isFinite, share >= 0, share <= 1024 else { return nil }
                shares.append(share)
                reasons.append(reason)
            }
            return .offer(request: request, responder: responder, shares: shares, reasons: reasons)
        case .serviceReserve:
            guard let sender = body.readMemberID(), let service = body.readServiceID(), let level = body.readLevel(),
                let bits = body.readInteger(as: UInt64.self)
            else { return nil }
            let share = Double(bitPattern: bits)
            guard share.isFinite, share > 0, share <= 64 else { return nil }
            var claim: ReservationClaim?
            if body.readableBytes > 0 {
                guard let weight = body.readWeight(), let ladder = body.readLadder() else { return nil }
                claim = ReservationClaim(weight: weight, ladder: ladder)
            }
            var input: InputDescription?
            if body.readableBytes > 0 {
                guard let read = body.readInput() else { return nil }
                input = read
            }
            return .reserve(request: request, sender: sender, service: service, level: level, share: share, claim: claim, input: input)
        case .serviceReserveAnswer:
            guard let accepted = body.readInteger(as: UInt8.self), accepted <= 1, let bits = body.readInteger(as: UInt64.self),
                let reason = body.readText(limit: maximumReasonBytes)
            else { return nil }
            let available = Double(bitPattern: bits)
            guard available.isFinite, available >= 0 else { return nil }
            var demand: Demand?
            var estimate: CPUEstimate?
            if body.readableBytes > 0 {
                guard let bits = body.readInteger(as: UInt64.self), let memory = body.readInteger(as: UInt64.self) else { return nil }
                let cores = Double(bitPattern: bits)
                guard cores.isFinite, cores >= 0, cores <= maximumDemandCores, memory <= maximumDemandBytes else { return nil }
                demand = Demand(cpuCores: cores, memoryBytes: memory)
                if body.readableBytes > 0 {
                    func readCores() -> Double? {
                        guard let bits = body.readInteger(as: UInt64.self) else { return nil }
                        let value = Double(bitPattern: bits)
                        return value.isFinite && value >= 0 && value <= maximumDemandCores ? value : nil
                    }
                    guard let decode = readCores(), let flag = body.readInteger(as: UInt8.self), flag <= 1 else { return nil }
                    var hash: Double?
                    if flag == 1 {
                        guard let read = readCores() else { return nil }
                        hash = read
                    }
                    guard let basis = body.readText(limit: maximumBasisBytes) else { return nil }
                    estimate = CPUEstimate(
                        cpuPerMediaSecond: cores, decodeCPUPerMediaSecond: decode, hashCPUPerMediaSecond: hash,
                        basis: basis.isEmpty ? nil : basis)
                }
            }
            return .reserveAnswer(
                request: request, accepted: accepted == 1, available: available, reason: reason, demand: demand, estimate: estimate)
        case .serviceRenew, .serviceRenewAnswer:
            var sender: MemberID?
            if type == .serviceRenew {
                guard let id = body.readMemberID() else { return nil }
                sender = id
            }
            guard let count = body.readInteger(as: UInt16.self), Int(count) <= maximumServices else { return nil }
            var services: [ServiceID] = []
            for _ in 0..<count {
                guard let service = body.readServiceID() else { return nil }
                services.append(service)
            }
            if let sender { return .renew(request: request, sender: sender, services: services) }
            var stepDowns: [StepDown] = []
            if body.readableBytes > 0 {
                // Present only when there is at least one, so each answer has one encoding.
                guard let count = body.readInteger(as: UInt16.self), (1...maximumServices).contains(Int(count)) else { return nil }
                for _ in 0..<count {
                    guard let service = body.readServiceID(), let flag = body.readInteger(as: UInt8.self), flag <= 1 else { return nil }
                    var level: QoSLevel?
                    if flag == 1 {
                        guard let read = body.readLevel() else { return nil }
                        level = read
                    }
                    guard let reason = body.readText(limit: maximumReasonBytes) else { return nil }
                    stepDowns.append(StepDown(service: service, level: level, reason: reason))
                }
            }
            return .renewAnswer(request: request, unknown: services, stepDowns: stepDowns)
        case .serviceRelease:
            guard let sender = body.readMemberID(), let service = body.readServiceID() else { return nil }
            return .release(request: request, sender: sender, service: service)
        case .serviceReleaseAnswer:
            return .releaseAnswer(request: request)
        case .serviceUnit:
            guard let sender = body.readMemberID(), let service = body.readServiceID(),
                let code = body.readInteger(as: UInt8.self), let plan = DeliveryPlan(wireCode: code),
                let length = body.readInteger(as: UInt32.self), Int(length) <= maximumUnitBytes,
                let unit = body.readBytes(length: Int(length))
            else { return nil }
            return .unit(request: request, sender: sender, service: service, plan: plan, unit: unit)
        case .serviceUnitAnswer:
            switch body.readInteger(as: UInt8.self) {
            case 0:
                guard let length = body.readInteger(as: UInt32.self), Int(length) <= maximumUnitResultBytes,
                    let result = body.readBytes(length: Int(length))
                else { return nil }
                return .unitAnswer(request: request, outcome: .result(result))
            case 1:
                guard let code = body.readInteger(as: UInt8.self), let refusal = UnitRefusal(rawValue: code) else { return nil }
                return .unitAnswer(request: request, outcome: .refused(refusal))
            case 2:
                return .unitAnswer(request: request, outcome: .cancelled)
            default:
                return nil
            }
        case .serviceUnitCancel:
            guard let sender = body.readMemberID(), let service = body.readServiceID(),
                let stream = body.readInteger(as: UInt8.self), let sequence = body.readInteger(as: UInt32.self)
            else { return nil }
            return .unitCancel(request: request, sender: sender, service: service, unit: UnitKey(stream: stream, sequence: sequence))
        case .serviceUnitCancelAnswer:
            guard let code = body.readInteger(as: UInt8.self), let outcome = UnitCancelOutcome(rawValue: code) else { return nil }
            return .unitCancelAnswer(request: request, outcome: outcome)
        default:
            return nil
        }
    }

}

extension String {
    /// The longest prefix whose UTF-8 fits in `maximumBytes`, cut between characters.
    fileprivate func prefixOfUTF8(maximumBytes: Int) -> String {
        guard utf8.count > maximumBytes else { return self }
        var bytes = 0
        return String(prefix { character in
            bytes += character.utf8.count
            return bytes <= maximumBytes
        })
    }
}

extension ByteBuffer {
    /// Writes text of up to 65535 bytes of UTF-8 after a two-byte length (for reasons, which may
    /// be longer than a short string).
    fileprivate mutating func writeText(_ text: String) {
        let bytes = Array(text.utf8.prefix(Int(UInt16.max)))
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    fileprivate mutating func readText(limit: Int) -> String? {
        guard let length = readInteger(as: UInt16.self), Int(length) <= limit, let bytes = readBytes(length: Int(length))
        else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    // Ids (member, service) are short strings (`ByteBuffer+Wire`).
    fileprivate mutating func readMemberID() -> MemberID? {
        (try? readShortString(maximumBytes: MemberID.byteCount)).flatMap(MemberID.init)
    }

    fileprivate mutating func readServiceID() -> ServiceID? {
        guard let text = try? readShortString(maximumBytes: ServiceMessage.maximumServiceIDBytes), !text.isEmpty
        else { return nil }
        return ServiceID(text)
    }

    fileprivate mutating func writeLadder(_ ladder: [QoSLevel]) {
        writeInteger(UInt8(ladder.count))
        for level in ladder { writeLevel(level) }
    }

    /// A ladder of 1 to `maximumLadder` levels after a UInt8 count.
    fileprivate mutating func readLadder() -> [QoSLevel]? {
        guard let count = readInteger(as: UInt8.self), (1...ServiceMessage.maximumLadder).contains(Int(count)) else { return nil }
        var ladder: [QoSLevel] = []
        for _ in 0..<count {
            guard let level = readLevel() else { return nil }
            ladder.append(level)
        }
        return ladder
    }

    /// A weight: a Float64's bits, finite, above 0, at most `ReservationClaim.maximumWeight`.
    fileprivate mutating func readWeight() -> Double? {
        guard let bits = readInteger(as: UInt64.self) else { return nil }
        let weight = Double(bitPattern: bits)
        guard weight.isFinite, weight > 0, weight <= ReservationClaim.maximumWeight else { return nil }
        return weight
    }

    fileprivate mutating func writeInput(_ input: InputDescription) {
        writeInteger(input.codec.rawValue)
        writeInteger(UInt16(input.width))
        writeInteger(UInt16(input.height))
        writeInteger(UInt32(input.frameRateNumerator))
        writeInteger(UInt32(input.frameRateDenominator))
        if let calibration = input.calibration { writeInteger(calibration.bitPattern) }
    }

    /// An input: a known codec, dimensions and a frame rate within `InputDescription`'s ranges,
    /// then, when bytes are left (an input is the last field of its message), its calibration:
    /// a Float64 within `InputDescription.calibrations`.
    fileprivate mutating func readInput() -> InputDescription? {
        guard let code = readInteger(as: UInt8.self), let codec = InputDescription.Codec(rawValue: code),
            let width = readInteger(as: UInt16.self), let height = readInteger(as: UInt16.self),
            let numerator = readInteger(as: UInt32.self), let denominator = readInteger(as: UInt32.self),
            let input = InputDescription(
                codec: codec, width: Int(width), height: Int(height), frameRateNumerator: Int(numerator),
                frameRateDenominator: Int(denominator))
        else { return nil }
        guard readableBytes > 0 else { return input }
        guard let bits = readInteger(as: UInt64.self) else { return nil }
        let calibration = Double(bitPattern: bits)
        guard calibration.isFinite, InputDescription.calibrations.contains(calibration) else { return nil }
        return input.calibrated(by: calibration)
    }

    fileprivate mutating func writeLevel(_ level: QoSLevel) {
        writeInteger(UInt8(level.video.map { VideoLevel.allCases.firstIndex(of: $0)! + 1 } ?? 0))
        writeInteger(UInt8(level.audio.map { AudioLevel.allCases.firstIndex(of: $0)! + 1 } ?? 0))
    }

    fileprivate mutating func readLevel() -> QoSLevel? {
        guard let video = readInteger(as: UInt8.self), let audio = readInteger(as: UInt8.self),
            Int(video) <= VideoLevel.allCases.count, Int(audio) <= AudioLevel.allCases.count, video + audio > 0
        else { return nil }
        return QoSLevel(
            video: video == 0 ? nil : VideoLevel.allCases[Int(video) - 1],
            audio: audio == 0 ? nil : AudioLevel.allCases[Int(audio) - 1])
    }
}

/// What a member answers to a unit.
public enum UnitOutcome: Hashable, Sendable {
    /// The worker's result (decoded or failed) in `MediaUnitEncoding`'s form.
    case result([UInt8])
    /// The member did not take the unit.
    case refused(UnitRefusal)
    /// The requester cancelled the unit (`ServiceMessage.unitCancel`) before it was decoded:
    /// dropped from the queue, or its decode stopped. No result follows.
    case cancelled
}

/// Why a member did not take a unit. Nothing was decoded; the requester sends it elsewhere.
public enum UnitRefusal: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// The member holds no lease of the sender for this service (expired, released, never made).
    case noLease = 1
    /// The member already holds its bound of units in flight for this service.
    case busy = 2
    /// The member cannot start a decode worker (the binary, the cgroup).
    case workerUnavailable = 3

    public var description: String {
        switch self {
        case .noLease: "no lease for this service"
        case .busy: "too many units in flight"
        case .workerUnavailable: "no decode worker could be started"
        }
    }
}

/// What a member found for a cancelled unit (`ServiceMessage.unitCancelAnswer`).
public enum UnitCancelOutcome: UInt8, Hashable, Sendable, Codable, CustomStringConvertible {
    /// It had not started decoding (waiting for a worker, or not yet handed to one): dropped.
    case dropped = 1
    /// It was decoding: its worker was stopped (and replaced).
    case stopped = 2
    /// No such unit of the sender in flight here (already answered, never came, or cancelled
    /// before): nothing done, counted.
    case unknown = 3
    /// The unit is in flight here for another requester: refused, counted.
    case refused = 4

    public var description: String {
        switch self {
        case .dropped: "dropped before decoding"
        case .stopped: "decode stopped"
        case .unknown: "no such unit in flight"
        case .refused: "not the sender's unit"
        }
    }
}
