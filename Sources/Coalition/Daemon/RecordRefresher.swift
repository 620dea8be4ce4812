import MembershipCore
import ServiceLifecycle

/// The shell of ``RecordRefreshPolicy``: membership events in, Discovery re-resolutions out.
/// Checks once a second (``checkInterval``) for members whose resolution is due (they stayed
/// dead, or restarted a few seconds ago).
actor RecordRefresher: Service {
    /// How often due re-resolutions are looked for. The policy's delays are seconds long, so
    /// one second of granularity costs them nothing.
    static let checkInterval: Duration = .seconds(1)

    private var policy: RecordRefreshPolicy
    private let resolve: @Sendable (MemberID) -> Void
    private var random = SystemRandomNumberGenerator()

    /// - Parameter resolve: asks Discovery to resolve the member's record again.
    init(configuration: RecordRefreshPolicy.Configuration = .init(), resolve: @escaping @Sendable (MemberID) -> Void) {
        self.policy = RecordRefreshPolicy(configuration: configuration)
        self.resolve = resolve
    }

    /// MUST be called with every membership event, in order.
    func observe(_ event: MembershipEvent) {
        // A restart's resolution is handed out by `due(at:)` like a death's, a few seconds on.
        _ = policy.observe(event, at: .now, using: &random)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.checkInterval)
                await self.resolveDue()
            }
        }
    }

    private func resolveDue() {
        for member in policy.due(at: .now) { resolve(member) }
    }
}
