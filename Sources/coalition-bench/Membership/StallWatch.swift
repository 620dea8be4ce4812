import Foundation

/// How late the bench's own timer runs while a cut is timed. The daemons it measures share the
/// machine with it: when a 100 ms sleep of the bench comes back seconds late, the machine was
/// too loaded to schedule anyone (a compiler beside the lab on two cores), and a slow detection
/// in that window says so rather than something about membership.
actor StallWatch {
    /// The sleep whose lateness is measured. 100 ms.
    static let tick: Duration = .milliseconds(100)
    /// Lateness, seconds, above which a trial is reported as stalled: 0.25 s, a third of a
    /// typical detection.
    static let reported = 0.25

    private var worst: Duration = .zero
    private var task: Task<Void, Never>?

    /// Starts watching; `stop()` returns the worst lateness seen.
    static func start() async -> StallWatch {
        let watch = StallWatch()
        await watch.begin()
        return watch
    }

    private func begin() {
        task = Task { [weak self] in
            let clock = ContinuousClock()
            while !Task.isCancelled {
                let before = clock.now
                try? await Task.sleep(for: Self.tick)
                await self?.observe(clock.now - before - Self.tick)
            }
        }
    }

    private func observe(_ lateness: Duration) {
        if lateness > worst { worst = lateness }
    }

    /// Stops watching: the worst lateness of a tick, in seconds.
    func stop() -> Double {
        task?.cancel()
        task = nil
        let (seconds, attoseconds) = worst.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
