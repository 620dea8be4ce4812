import Foundation
import MembershipCore
import Synchronization

/// A membership event with the wall-clock time it was seen, as the service hands it out.
public struct MembershipChange: Hashable, Sendable {
    public var event: MembershipEvent
    /// Wall-clock time of the event (for display and for comparing across hosts).
    public var date: Date

    public init(event: MembershipEvent, date: Date) {
        self.event = event
        self.date = date
    }
}

/// Hands every change to every current subscriber (`node status --watch`, the sub-cluster
/// manager, logs). Each subscriber has its own bounded buffer: a slow one loses its oldest
/// changes, never slows the heartbeat path.
final class MembershipEventBroadcaster: Sendable {
    private let subscribers = Mutex<(next: Int, continuations: [Int: AsyncStream<MembershipChange>.Continuation])>((0, [:]))
    private let bufferSize: Int

    init(bufferSize: Int = 1024) { self.bufferSize = bufferSize }

    func subscribe() -> AsyncStream<MembershipChange> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: MembershipChange.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = subscribers.withLock { state in
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ change: MembershipChange) {
        let continuations = subscribers.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(change) }
    }

    func finish() {
        let continuations = subscribers.withLock { state in
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
