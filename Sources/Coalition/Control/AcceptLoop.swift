import Logging
import NIOCore
import ServiceLifecycle

/// Accepts connections on `server` and serves each in its own child task until graceful shutdown
/// or cancellation; then stops accepting and cancels the connections still open. A failure of
/// the listener is logged as "`name` failed".
func acceptConnections<Inbound: Sendable, Outbound: Sendable>(
    on server: NIOAsyncChannel<NIOAsyncChannel<Inbound, Outbound>, Never>, name: String, logger: Logger,
    serve: @escaping @Sendable (NIOAsyncChannel<Inbound, Outbound>) async -> Void
) async {
    await cancelWhenGracefulShutdown {
        await withDiscardingTaskGroup { group in
            do {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await serve(connection) }
                    }
                }
            } catch {
                if !Task.isCancelled { logger.error("\(name) failed: \(error)") }
            }
            group.cancelAll()
        }
    }
}
