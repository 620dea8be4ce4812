import NIOCore
import NIOHTTP1
import Synchronization

/// The live page's open event streams, and the last snapshot sent, so a new page gets one at
/// once. ``push(_:)`` writes one SSE event to every stream whose socket can take it; a stream
/// whose reader is slower than the pushes skips snapshots instead of queueing them (a later
/// snapshot replaces an earlier one anyway).
final class EventStreamHub: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var latest: String?
    }

    private let state = Mutex(State())

    var isEmpty: Bool { state.withLock { $0.channels.isEmpty } }

    /// Adds a stream (its response head already written) and returns the latest snapshot's event.
    func add(_ channel: any Channel) -> String? {
        state.withLock { state in
            state.channels[ObjectIdentifier(channel)] = channel
            return state.latest
        }
    }

    func remove(_ channel: any Channel) {
        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// `event: snapshot` with `json` as its data (one line: JSON from `JSONEncoder` has none).
    static func event(_ json: String) -> String { "event: snapshot\ndata: \(json)\n\n" }

    /// Sends `json` to every stream that can take it now.
    func push(_ json: String) {
        let text = Self.event(json)
        let channels = state.withLock { state in
            state.latest = text
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.eventLoop.execute {
                guard channel.isActive, channel.isWritable else { return }
                let buffer = channel.allocator.buffer(string: text)
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
            }
        }
    }

    /// Ends every stream (shutdown).
    func closeAll() {
        let channels = state.withLock { state in
            defer { state.channels.removeAll() }
            return Array(state.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
    }
}
