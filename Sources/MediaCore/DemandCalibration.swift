import MembershipCore

/// What a stream really costs each member, learnt from the units it decodes, so that the
/// members' reservations follow the stream's content rather than the presets their profiles
/// measured. Pure: observations in, decisions out, the time passed in.
///
/// A member prices a stream from its profile (``CPUEstimate``): a decode part `d`, from the
/// presets at the input's pixel rate, times the calibration `c` its reservation asked for (1
/// before any), plus the frame hash `h`, priced by the bytes of pictures. Content and encoder
/// settings move the decode part far from the presets (the stream benchmark's clip decodes in
/// about half the HD preset's CPU at the same pixel and bit rate); the hash does not move.
///
/// Each unit a member decodes reports the CPU its worker spent (`UnitResult.cpuNanoseconds`)
/// and was worth `UnitMetadata.cost` stream-seconds. Over the member's most recent units (at
/// least `minimumStreamSeconds`, at most about `windowStreamSeconds`) that is its measured cost
/// `M` per stream-second. What the decode really costs is `M - h`, so the calibration that
/// prices it is `c' = c (M - h) / d`.
///
/// A member is *off* when `(M - h) / d` differs from 1 by more than `tolerance`. When one is,
/// and `interval` has passed since the last decision, ``decide(at:)`` returns a decision: a
/// calibration for every member measured enough (`c'` when off, its `c` otherwise) and a
/// fallback, their median, for the members not measured yet and those still to come. Units
/// delivered below the full level (`DeliveryPlan` other than `.full`) decode less than their
/// cost says and are not counted.
public struct DemandCalibration: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Stream-seconds a member must have decoded before its cost counts. Default 3 (a
        /// member at half a stream gets there 6 s into a live stream).
        public var minimumStreamSeconds: Double
        /// Stream-seconds of a member's most recent units its cost is measured over; older ones
        /// drop out once this much is newer. Default 10.
        public var windowStreamSeconds: Double
        /// How far a member's measured decode cost may be from what its reservation priced,
        /// as a fraction, before it is recalibrated. Default 0.10.
        public var tolerance: Double
        /// The least time between two decisions: every decision makes every member reserve
        /// anew. Default 10 s.
        public var interval: Duration
        /// The calibrations asked for: what members accept (QoSModel's
        /// `InputDescription.calibrations`, 0.05...20). A member's calibration is clamped into
        /// it, and one held at a bound is not off however far its cost is.
        public var bounds: ClosedRange<Double>

        public init(
            minimumStreamSeconds: Double = 3, windowStreamSeconds: Double = 10, tolerance: Double = 0.10, interval: Duration = .seconds(10),
            bounds: ClosedRange<Double> = 0.05...20
        ) {
            precondition(minimumStreamSeconds > 0 && windowStreamSeconds >= minimumStreamSeconds, "a window holds the minimum")
            precondition(tolerance >= 0 && tolerance.isFinite && interval >= .zero)
            self.minimumStreamSeconds = minimumStreamSeconds
            self.windowStreamSeconds = windowStreamSeconds
            self.tolerance = tolerance
            self.interval = interval
            self.bounds = bounds
        }
    }

    /// The calibrations the members should price the stream at from now on.
    public struct Decision: Sendable, Hashable {
        /// Per member measured enough: the calibration to reserve at.
        public var calibrations: [MemberID: Double]
        /// For any other member: the median of `calibrations`.
        public var fallback: Double

        public init(calibrations: [MemberID: Double], fallback: Double) {
            self.calibrations = calibrations
            self.fallback = fallback
        }

        /// What `member` should price the stream at.
        public func calibration(for member: MemberID) -> Double { calibrations[member] ?? fallback }
    }

    private struct Sample: Sendable {
        var cpuSeconds: Double
        var streamSeconds: Double
    }

    private struct Account: Sendable {
        var estimate: CPUEstimate?
        var samples: [Sample] = []
        var streamSeconds = 0.0
        var cpuSeconds = 0.0
    }

    public let configuration: Configuration
    private var accounts: [MemberID: Account] = [:]
    private var lastDecision: MediaInstant?
    /// Decisions made so far.
    public private(set) var decisions = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// What `member` reserved by now (its answer to the last reservation); nil: unknown, and
    /// the member is not calibrated.
    public mutating func setEstimate(_ estimate: CPUEstimate?, of member: MemberID) {
        accounts[member, default: Account()].estimate = estimate
    }

    /// `member` decoded a unit worth `streamSeconds` in `cpuSeconds`. Non-positive or
    /// non-finite figures are ignored.
    public mutating func observe(_ member: MemberID, cpuSeconds: Double, streamSeconds: Double) {
        guard cpuSeconds > 0, cpuSeconds.isFinite, streamSeconds > 0, streamSeconds.isFinite else { return }
        var account = accounts[member, default: Account()]
        account.samples.append(Sample(cpuSeconds: cpuSeconds, streamSeconds: streamSeconds))
        account.streamSeconds += streamSeconds
        account.cpuSeconds += cpuSeconds
        // Keep the newest `windowStreamSeconds`: drop the oldest while the rest still fill it.
        while let oldest = account.samples.first, account.streamSeconds - oldest.streamSeconds >= configuration.windowStreamSeconds {
            account.samples.removeFirst()
            account.streamSeconds -= oldest.streamSeconds
            account.cpuSeconds -= oldest.cpuSeconds
        }
        accounts[member] = account
    }

    /// `member` left the sub-cluster: its figures go with it.
    public mutating func forget(_ member: MemberID) {
        accounts.removeValue(forKey: member)
    }

    /// CPU seconds per stream-second over `member`'s recent units; nil until it decoded
    /// `minimumStreamSeconds`.
    public func measuredCost(of member: MemberID) -> Double? {
        guard let account = accounts[member], account.streamSeconds >= configuration.minimumStreamSeconds - 1e-9 else { return nil }
        return account.cpuSeconds / account.streamSeconds
    }

    /// The calibration `member` should price at, from its measured cost and what it priced;
    /// nil while it is not measured enough, or its estimate has no decode part.
    public func calibration(of member: MemberID) -> (calibration: Double, isOff: Bool)? {
        guard let measured = measuredCost(of: member), let estimate = accounts[member]?.estimate,
            let decode = estimate.decodeCPUPerMediaSecond, decode > 0
        else { return nil }
        let ratio = max(0, measured - (estimate.hashCPUPerMediaSecond ?? 0)) / decode
        let current = estimate.calibration ?? 1
        let wanted = min(max(current * ratio, configuration.bounds.lowerBound), configuration.bounds.upperBound)
        guard abs(ratio - 1) > configuration.tolerance, wanted != current else { return (current, false) }
        return (wanted, true)
    }

    /// A decision when a member is off and `interval` has passed since the last one; nil
    /// otherwise. The decision counts as made (the next waits `interval`).
    public mutating func decide(at now: MediaInstant) -> Decision? {
        if let lastDecision, now - lastDecision < configuration.interval { return nil }
        var calibrations: [MemberID: Double] = [:]
        var anyOff = false
        for member in accounts.keys {
            guard let (calibration, isOff) = calibration(of: member) else { continue }
            calibrations[member] = calibration
            anyOff = anyOff || isOff
        }
        guard anyOff else { return nil }
        let sorted = calibrations.values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        lastDecision = now
        decisions += 1
        return Decision(calibrations: calibrations, fallback: median)
    }
}
