import Foundation

/// Resources a node can lend right now, beside the device's own jobs.
///
/// The daemon measures it as idle CPU plus what Coalition's own work uses (so work already
/// running for a reservation is not counted twice: reservations are subtracted by `evaluate`).
public struct SpareCapacity: Sendable, Codable, Hashable {
    /// Idle CPU in cores, e.g. 1.4 on a 4-core board that is 65% busy.
    public var cores: Double
    /// Memory available to new work, in bytes (MemAvailable).
    public var memoryAvailableBytes: UInt64

    public init(cores: Double, memoryAvailableBytes: UInt64) {
        self.cores = cores
        self.memoryAvailableBytes = memoryAvailableBytes
    }
}

/// What decoding costs on a given device.
public struct Demand: Sendable, Codable, Hashable {
    /// CPU seconds per second, i.e. cores kept busy.
    public var cpuCores: Double
    /// Memory in bytes.
    public var memoryBytes: UInt64

    public init(cpuCores: Double, memoryBytes: UInt64) {
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
    }

    public static let zero = Demand(cpuCores: 0, memoryBytes: 0)

    public static func + (lhs: Demand, rhs: Demand) -> Demand {
        Demand(cpuCores: lhs.cpuCores + rhs.cpuCores, memoryBytes: lhs.memoryBytes + rhs.memoryBytes)
    }

    /// The demand of carrying `share` of a stream: CPU scales with the share, memory does not
    /// (any part of a stream needs whole decoders), and whole streams each need their own.
    public func scaled(toShare share: Double) -> Demand {
        let decoders = max(1, Int(share.rounded(.up)))
        return Demand(cpuCores: cpuCores * share, memoryBytes: memoryBytes * UInt64(decoders))
    }
}

/// Tunables of the local QoS evaluation.
public struct EvaluationConfiguration: Sendable, Equatable {
    /// Extra CPU kept free above the measured demand, as a fraction of it. Default 0.25: a node
    /// offers to carry a stream in real time only if it has 1.25x the stream's measured CPU cost
    /// spare. Absorbs measurement noise, scene complexity and the device's own bursts.
    public var headroom: Double
    /// The headroom kept above a demand that was measured on the stream itself
    /// (``InputDescription/calibration``), as a fraction of it. Default 0: a measured figure
    /// already holds the scene complexity and measurement error the profile's headroom is for,
    /// and a live stream is reserved above its demand anyway (10%, its catching-up slack).
    public var calibratedHeadroom: Double
    /// Memory never lent, in bytes, for the device's own jobs. Default 64 MiB.
    public var memoryReserveBytes: UInt64
    /// Shares below this fraction of a stream are not offered (too small to be worth a member).
    /// Default 0.05.
    public var minimumShare: Double

    public init(headroom: Double = 0.25, calibratedHeadroom: Double = 0, memoryReserveBytes: UInt64 = 64 << 20, minimumShare: Double = 0.05) {
        precondition(headroom >= 0 && headroom.isFinite, "headroom must be >= 0")
        precondition(calibratedHeadroom >= 0 && calibratedHeadroom.isFinite, "calibratedHeadroom must be >= 0")
        self.calibratedHeadroom = calibratedHeadroom
        precondition(minimumShare >= 0 && minimumShare < 1, "minimumShare must be in 0..<1")
        self.headroom = headroom
        self.memoryReserveBytes = memoryReserveBytes
        self.minimumShare = minimumShare
    }

    public static let `default` = EvaluationConfiguration()
}

/// The answer of the local QoS evaluation (the paper's section 3.2) for one level.
public struct Evaluation: Sendable, Codable, Equatable {
    /// What limits the share.
    public enum Limit: String, Sendable, Codable, Equatable {
        /// The spare CPU, after reservations and headroom.
        case cpu
        /// The available memory, after reservations and the reserve: not enough for a decoder.
        case memory
        /// The profile has no measurement for a preset of the level.
        case notProfiled
    }

    public var level: QoSLevel
    /// How many streams of the level this node can decode in real time beside what it already
    /// reserved: 1.0 means exactly one stream alone, 0.4 means 40% of one, 0 means none.
    public var share: Double
    /// The measured demand of one whole stream of the level on this device.
    public var demandPerStream: Demand
    /// What a reservation of one whole stream holds: the measured demand with the headroom on
    /// its CPU, so reservations side by side keep every stream's headroom.
    public var reservationPerStream: Demand
    public var limitedBy: Limit
    /// A sentence saying why the share is what it is.
    public var reason: String

    public init(
        level: QoSLevel, share: Double, demandPerStream: Demand, reservationPerStream: Demand, limitedBy: Limit,
        reason: String
    ) {
        self.level = level
        self.share = share
        self.demandPerStream = demandPerStream
        self.reservationPerStream = reservationPerStream
        self.limitedBy = limitedBy
        self.reason = reason
    }

    /// True when this node alone keeps up with one stream.
    public var carriesAStreamAlone: Bool { share >= 1 }
}

extension CapabilityProfile {
    /// The measured demand of one stream of `level` on this device, from the single-thread runs
    /// (decoders of stream segments each run one thread); nil when a preset is not profiled.
    public func demand(of level: QoSLevel) -> Demand? {
        var total = Demand.zero
        for preset in level.presets {
            guard let measured = measurement(of: preset) else { return nil }
            total = total + Demand(
                cpuCores: measured.singleThread.cpuSecondsPerMediaSecond,
                memoryBytes: measured.memoryHighWaterBytes)
        }
        return total
    }

    /// The local QoS evaluation: how much of a stream of `level` this node can carry in real
    /// time with `spare` capacity, next to `reserved` (the demands of the reservations it holds).
    /// With an `input`, the level's video costs what ``estimateDemand(for:)`` estimates for it
    /// rather than what its preset measured.
    ///
    /// Pure: same inputs, same answer. CPU share = free cores / (demand x (1 + headroom)), the
    /// headroom being `calibratedHeadroom` when the input's cost was measured on the stream;
    /// memory allows as many streams as whole decoders fit in free memory.
    public func evaluate(
        _ level: QoSLevel, input: InputDescription? = nil, spare: SpareCapacity, reserved: [Demand] = [],
        configuration: EvaluationConfiguration = .default
    ) -> Evaluation {
        guard let demand = demand(of: level, input: input) else {
            if let input, level.video != nil, estimateDemand(for: input) == nil {
                return Evaluation(
                    level: level, share: 0, demandPerStream: .zero, reservationPerStream: .zero, limitedBy: .notProfiled,
                    reason: "profile \(id) cannot estimate \(input): no \(input.codec) video preset measured")
            }
            let missing = level.presets.filter { measurement(of: $0) == nil }.map(\.id)
            return Evaluation(
                level: level, share: 0, demandPerStream: .zero, reservationPerStream: .zero, limitedBy: .notProfiled,
                reason: "profile \(id) has no measurement for \(missing.joined(separator: ", "))")
        }
        let held = reserved.reduce(Demand.zero, +)
        let freeCores = max(0, spare.cores - held.cpuCores)
        let usableMemory = spare.memoryAvailableBytes.subtractingClamped(configuration.memoryReserveBytes)
        let freeMemory = usableMemory.subtractingClamped(held.memoryBytes)

        // A demand measured on the stream keeps its own (smaller) headroom.
        let headroom = input?.calibration == nil ? configuration.headroom : configuration.calibratedHeadroom
        let cpuShare = freeCores / (demand.cpuCores * (1 + headroom))
        let wholeDecoders = demand.memoryBytes == 0 ? Double.infinity : Double(freeMemory / demand.memoryBytes)
        var share = min(cpuShare, wholeDecoders)
        let limit: Evaluation.Limit = wholeDecoders < cpuShare ? .memory : .cpu
        if share < configuration.minimumShare { share = 0 }

        let reason: String
        switch limit {
        case .memory:
            reason =
                "\(freeMemory >> 20) MiB free after reservations and reserve; one \(level) decoder needs \(demand.memoryBytes >> 20) MiB"
        default:
            let needed = demand.cpuCores * (1 + headroom)
            let stream = input.map { "\(level) stream of \($0)" } ?? "\(level) stream"
            reason =
                "\(freeCores.formatted2) cores free after reservations; one \(stream) needs \(needed.formatted2) cores with \(Int((headroom * 100).rounded()))% headroom"
        }
        let reservation = Demand(cpuCores: demand.cpuCores * (1 + headroom), memoryBytes: demand.memoryBytes)
        return Evaluation(
            level: level, share: share, demandPerStream: demand, reservationPerStream: reservation, limitedBy: limit,
            reason: reason)
    }
}

extension Double {
    /// Two decimals, for messages.
    fileprivate var formatted2: String { String(format: "%.2f", self) }
}

extension UInt64 {
    fileprivate func subtractingClamped(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }
}
