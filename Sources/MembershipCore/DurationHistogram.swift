/// Counts of durations in fixed buckets, with their sum: what a Prometheus histogram exposes
/// (`_bucket{le=...}`, `_sum`, `_count`). A pure value the cores and their shells fill and the
/// metrics endpoint reads; it keeps no samples, so its size is fixed whatever it observed.
///
/// Here because MembershipCore is the lowest core that times things (detection); the service
/// shell times formations and rebuilds with it too.
public struct DurationHistogram: Hashable, Sendable {
    /// Upper bounds of the buckets in seconds, ascending; an implicit `+Inf` bucket follows.
    public let bounds: [Double]
    /// Observations at or below each bound (not cumulative), one per bound.
    public private(set) var counts: [Int]
    /// Observations above the last bound.
    public private(set) var overflow = 0
    /// The sum of every observation, in seconds.
    public private(set) var sum = 0.0
    /// How many observations.
    public private(set) var count = 0

    /// - Parameter bounds: upper bounds in seconds; MUST be ascending, finite and non-empty.
    public init(bounds: [Double]) {
        precondition(!bounds.isEmpty && bounds.allSatisfy(\.isFinite) && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 },
            "histogram bounds must be finite, ascending and non-empty")
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    /// Bounds for times the design wants under a second or two (failure detection, rebuilds,
    /// formations): 10 ms to 30 s.
    public static let subsecond: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30]

    /// Records one duration; a negative one counts as zero.
    public mutating func observe(_ duration: Duration) {
        let seconds = max(0, Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
        observe(seconds: seconds)
    }

    /// Records one duration given in seconds; a negative or NaN one counts as zero.
    public mutating func observe(seconds: Double) {
        let value = seconds.isNaN ? 0 : max(0, seconds)
        if let index = bounds.firstIndex(where: { value <= $0 }) {
            counts[index] += 1
        } else {
            overflow += 1
        }
        sum += value.isFinite ? value : 0
        count += 1
    }

    /// The cumulative counts Prometheus wants, one per bound (the `+Inf` bucket is ``count``).
    public var cumulativeCounts: [Int] {
        var running = 0
        return counts.map { running += $0; return running }
    }
}
