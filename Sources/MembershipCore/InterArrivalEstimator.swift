/// The learned bound on heartbeat silence for one watched member: the mean plus a number of
/// standard deviations of the recent inter-arrival gaps, clamped to [floor, ceiling].
///
/// This is the practical form of phi accrual (Hayashibara et al., 2004) with a normal
/// approximation: suspecting at `mean + k·σ` is suspecting at a fixed phi. Lost heartbeats show
/// up as long gaps, so a lossy link learns a longer bound on its own.
struct InterArrivalEstimator: Hashable, Sendable {
    private var gaps: [Double]  // milliseconds, a ring buffer
    private var next = 0
    private var sum = 0.0
    private var sumOfSquares = 0.0
    private let capacity: Int

    init(window: Int) {
        capacity = max(2, window)
        gaps = []
        gaps.reserveCapacity(capacity)
    }

    var sampleCount: Int { gaps.count }

    /// Records the gap between two consecutive heartbeats (capped at `cap` so one long outage
    /// does not make the member unwatchable afterwards).
    mutating func record(_ gap: Duration, cap: Duration) {
        let value = min(gap, cap).milliseconds
        if gaps.count < capacity {
            gaps.append(value)
        } else {
            let old = gaps[next]
            sum -= old
            sumOfSquares -= old * old
            gaps[next] = value
            next = (next + 1) % capacity
        }
        sum += value
        sumOfSquares += value * value
    }

    /// How long a silence may last before suspicion. With fewer than two samples, the floor
    /// (the nominal interval is all we know).
    func suspicionTimeout(deviations: Double, floor: Duration, ceiling: Duration) -> Duration {
        guard gaps.count >= 2 else { return floor }
        let n = Double(gaps.count)
        let mean = sum / n
        let variance = max(0, sumOfSquares / n - mean * mean)
        let bound = Duration.nanoseconds(Int64((mean + deviations * variance.squareRoot()) * 1e6))
        return min(max(bound, floor), ceiling)
    }
}
