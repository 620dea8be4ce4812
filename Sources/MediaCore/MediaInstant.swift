/// A point on the requester's monotonic clock, in nanoseconds from an arbitrary origin.
///
/// The stream's state machines never read a clock: the shell passes `NIODeadline.now()` (or
/// `ContinuousClock`'s reading), a simulation its virtual time. Only differences between
/// instants of the same clock mean anything.
public struct MediaInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = MediaInstant(nanoseconds: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Self, rhs: Duration) -> Self {
        Self(nanoseconds: lhs.nanoseconds &+ rhs.wholeNanoseconds)
    }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Self, rhs: Self) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { "\(Double(nanoseconds) / 1e6) ms" }
}

extension Duration {
    /// This duration in whole nanoseconds, saturating at `Int64.min`/`.max`.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// This duration in seconds, as a real number (for rates and costs).
    var realSeconds: Double { Double(wholeNanoseconds) / 1e9 }

    /// `seconds` as a duration, rounded to the nanosecond and saturating.
    static func realSeconds(_ seconds: Double) -> Duration {
        let nanoseconds = (seconds * 1e9).rounded()
        guard nanoseconds.isFinite, nanoseconds.magnitude < 9.2e18 else { return .nanoseconds(seconds < 0 ? Int64.min : Int64.max) }
        return .nanoseconds(Int64(nanoseconds))
    }
}
