import Discovery
import Logging
import ServiceLifecycle

/// Runs Discovery for the daemon: publishes, browses, and feeds every event into `NodeState`
/// (and to `onEvent`, for services that want them). On graceful shutdown it withdraws the
/// record so peers see the goodbye at once.
public struct DiscoveryService: Service {
    private let agent: DiscoveryAgent
    private let state: NodeState
    private let onEvent: @Sendable (DiscoveryEvent) async -> Void

    public init(
        agent: DiscoveryAgent, state: NodeState,
        onEvent: @escaping @Sendable (DiscoveryEvent) async -> Void = { _ in }
    ) {
        self.agent = agent
        self.state = state
        self.onEvent = onEvent
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await cancelWhenGracefulShutdown { try await agent.run() }
            }
            group.addTask {
                for await event in agent.events {
                    await state.apply(event)
                    await onEvent(event)
                }
            }
            try await group.waitForAll()
        }
    }
}
