/// Capped exponential backoff for reconnecting to the Avahi daemon. Pure: the caller asks for
/// the next delay and resets after a success.
public struct Backoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    public let multiplier: Double
    /// Failures since the last reset.
    public private(set) var attempts = 0

    public init(initial: Duration, maximum: Duration, multiplier: Double) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1, "backoff needs 0 < initial <= maximum and multiplier >= 1")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before the next attempt: initial, initial*m, initial*m^2, ... capped at maximum.
    public mutating func next() -> Duration {
        let exponent = Double(min(attempts, 62))
        attempts += 1
        let seconds = Double(initial.components.seconds) + Double(initial.components.attoseconds) * 1e-18
        let scaled = seconds * pow(multiplier, exponent)
        let cap = Double(maximum.components.seconds) + Double(maximum.components.attoseconds) * 1e-18
        return scaled >= cap ? maximum : .milliseconds(Int64((scaled * 1000).rounded()))
    }

    /// Back to the initial delay after a success.
    public mutating func reset() { attempts = 0 }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base; if result.isInfinite { break } }
    return result
}
