import Testing

/// Waits until `condition` holds, checking every 20 ms for at most `timeout`, then records an
/// issue if it never did. For conditions that no event announces (a peer's state over a real
/// socket); the bound only keeps a broken build from hanging and is no assertion about speed.
public func eventually(
    within timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    #expect(try await condition(), "condition not met within \(timeout)", sourceLocation: sourceLocation)
}
