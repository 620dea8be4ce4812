/// Our own punctuality, judged from our ticks (after Lifeguard's "local health awareness"): a
/// process that waits for a CPU, swaps or was stopped sees its timers fire late, and a silence
/// it measured across that wait was its own, not its peers'.
///
/// Two things follow from a late tick, both measured rather than guessed:
/// - its lateness is credited to every deadline (the instance's `credit`), so nobody is
///   suspected for our wait;
/// - nobody is accused on it, nor on any tick until two in a row were punctual: the punctual
///   one after a late one has read what arrived while we waited before anyone is judged.
///
/// The score (it rises with every late tick, more for later ones, and falls by one per
/// `recoveryTicks` punctual ticks) says how late our ticks have run lately; `node status` shows
/// it. It no longer silences or slows the detector: memberlist's answer (accuse nobody, or
/// multiply every timeout by `1 + score`, for seconds after a late tick) turned every
/// machine-wide CPU burst of the 100-host lab into 4-18 s of blindness, while the credit already
/// accounts for exactly the time we lost.
struct LocalHealth: Hashable, Sendable {
    private(set) var score = 0
    /// Punctual ticks since the score last changed.
    private var punctualSinceChange = 0
    /// Punctual ticks in a row, up to 2.
    private var punctualInARow = 0
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
            punctualSinceChange = 0
            punctualInARow = 0
            return true
        }
        punctualInARow = min(2, punctualInARow + 1)
        punctualSinceChange += 1
        if punctualSinceChange >= recoveryTicks, score > 0 {
            score -= 1
            punctualSinceChange = 0
        }
        return false
    }

    /// Whether this tick may judge silences: it and the one before it were punctual.
    var mayAccuse: Bool { punctualInARow >= 2 }
}
