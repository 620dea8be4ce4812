import Foundation

/// Waiting for a condition, for code that has no event to wait on.
extension Lab {
    /// Polls `condition` every `interval` seconds until it holds or `seconds` have passed;
    /// returns whether it held. Blocks the thread: for synchronous tests.
    public static func poll(within seconds: Double, every interval: Double = 0.2, _ condition: () throws -> Bool) rethrows
        -> Bool
    {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Polls `condition` every `interval` seconds until it holds or `seconds` have passed;
    /// returns whether it held. Suspends between polls: for async code (the benchmarks).
    public static func wait(
        within seconds: Double, every interval: Double = 0.2, until condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try await condition() { return true }
            if Date() >= deadline { return false }
            try await Task.sleep(for: .seconds(interval))
        }
    }
}
