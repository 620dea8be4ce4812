/// A point on a monotonic clock, in nanoseconds from an arbitrary origin.
///
/// The instance never reads a clock: the shell passes `NIODeadline.now()`, a simulation its
/// virtual time. Only differences between instants of the same clock mean anything.
public struct MembershipInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = MembershipInstant(nanoseconds: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Self, rhs: Duration) -> Self {
        Self(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    public static func - (lhs: Self, rhs: Duration) -> Self {
        Self(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Self, rhs: Self) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { "\(Double(nanoseconds) / 1e6) ms" }
}

extension Duration {
    /// This duration in whole nanoseconds (saturating at `Int64.max`).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// This duration in milliseconds, as a floating-point number (for display and statistics).
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    /// This duration multiplied by a real factor, rounded to the nanosecond.
    func scaled(by factor: Double) -> Duration { .nanoseconds(Int64((Double(nanoseconds) * factor).rounded())) }
}
