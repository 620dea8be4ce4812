/// Our own health, judged from the punctuality of our ticks (Lifeguard's "local health
/// awareness", memberlist's `awareness.go`): a process that is starved of CPU, swapping or was
/// stopped sees its timers fire late, and its silence-based judgements of others are then wrong.
///
/// The score rises with every late tick (more for later ones) and falls by one per
/// `healthRecoveryTicks` punctual ticks. While it is above zero the instance accuses nobody
/// and multiplies its timeouts by ``timeoutMultiplier``.
struct LocalHealth: Hashable, Sendable {
    private(set) var score = 0
    private var punctualTicks = 0
    private let maximum: Int
    private let recoveryTicks: Int

    init(maximum: Int, recoveryTicks: Int) {
        self.maximum = maximum
        self.recoveryTicks = recoveryTicks
    }

    /// Records a tick that came `lateness` after its schedule; returns whether it was late.
    mutating func recordTick(lateness: Duration, tolerance: Duration, interval: Duration) -> Bool {
        if lateness > tolerance {
            let intervalsLate = Int(lateness.nanoseconds / max(1, interval.nanoseconds))
            score = min(maximum, score + 1 + intervalsLate)
            punctualTicks = 0
            return true
        }
        punctualTicks += 1
        if punctualTicks >= recoveryTicks, score > 0 {
            score -= 1
            punctualTicks = 0
        }
        return false
    }

    /// Whether we are healthy enough to accuse anyone.
    var mayAccuse: Bool { score == 0 }

    /// Timeouts grow with the score, as in memberlist's `ScaleTimeout`.
    var timeoutMultiplier: Int { 1 + score }
}
