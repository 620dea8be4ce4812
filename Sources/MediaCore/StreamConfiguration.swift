/// Every knob of a running stream, with its default and its unit.
public struct StreamConfiguration: Hashable, Sendable {
    /// Live (deadlines, default latency 2 s) or batch. Default live.
    public var pacing: Pacing
    /// Dispatch (units in flight per member, default 2).
    public var dispatch: ShareDispatcher.Configuration
    /// Units cut and not yet emitted (queued, in flight, or waiting behind a gap) at which the
    /// input is paused; it resumes below. Default 16: 16 s of media with 1 s units, enough for
    /// 8 members at 2 in flight; the shell holds at most this many units' bytes.
    public var window: Int
    /// A member's unit is late once it has been decoding longer than
    /// `max(stallFactor × its expected time, stallFloor)`, where the expected time is the unit's
    /// cost over the member's share. Default 3: a member may run at a third of its share before
    /// it is judged behind (a cgroup throttles in bursts; a board has its own jobs).
    public var stallFactor: Double
    /// The least time a unit decodes before it may be judged late. Default 1 s, above the
    /// scheduling and transport jitter of a 1 s unit.
    public var stallFloor: Duration
    /// Times a failed unit is sent again, for failures that belong to the member and not to the
    /// unit (`.workerDied`, `.unsupportedCodec`, `.outOfMemory`). Default 1. Failures of the
    /// unit itself (`.invalidData`, `.malformedUnit`) are never retried: every member would
    /// refuse the same bytes.
    public var retryLimit: Int
    /// How long a member whose late unit was decoded first elsewhere receives nothing new.
    /// Default 5 s; doubled at each such loss until it answers a unit first, up to
    /// `maximumSuspension`. Without it a hung worker would cost a late unit every stall bound.
    public var suspension: Duration
    /// The longest suspension. Default 60 s.
    public var maximumSuspension: Duration
    /// How the members' reservations learn what the stream costs them (``DemandCalibration``);
    /// nil: never recalibrated, the profiles' estimates stand. Default `.init()`.
    public var calibration: DemandCalibration.Configuration?

    public init(
        pacing: Pacing = .live, dispatch: ShareDispatcher.Configuration = .init(), window: Int = 16,
        stallFactor: Double = 3, stallFloor: Duration = .seconds(1), retryLimit: Int = 1,
        suspension: Duration = .seconds(5), maximumSuspension: Duration = .seconds(60),
        calibration: DemandCalibration.Configuration? = .init()
    ) {
        precondition(window >= 1 && stallFactor >= 1 && stallFloor >= .zero && retryLimit >= 0)
        precondition(suspension >= .zero && maximumSuspension >= suspension)
        self.pacing = pacing
        self.dispatch = dispatch
        self.window = window
        self.stallFactor = stallFactor
        self.stallFloor = stallFloor
        self.retryLimit = retryLimit
        self.suspension = suspension
        self.maximumSuspension = maximumSuspension
        self.calibration = calibration
    }

    /// How long a unit of `cost` stream-seconds may decode at a member of `share` streams
    /// before it is late.
    public func stallBound(cost: Double, share: Double) -> Duration {
        guard share > 0 else { return .nanoseconds(Int64.max) }
        return max(.realSeconds(stallFactor * cost / share), stallFloor)
    }
}

extension UnitFailure {
    /// Whether the failure belongs to the member (another member may succeed), not to the unit.
    public var isMemberFailure: Bool {
        switch self {
        case .workerDied, .unsupportedCodec, .outOfMemory: true
        case .invalidData, .malformedUnit: false
        }
    }
}
