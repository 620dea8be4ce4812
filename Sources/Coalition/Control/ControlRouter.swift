import Foundation

/// Dispatches request lines to the handler registered for their op. Every malformed request gets
/// a specific error line; nothing thrown escapes to the connection.
public struct ControlRouter: Sendable {
    private let handlers: [String: any ControlHandler]

    /// - Precondition: op names are unique. `ping` is always there (see `PingHandler`).
    public init(_ handlers: [any ControlHandler]) {
        var table: [String: any ControlHandler] = [PingHandler.name: PingHandler()]
        for handler in handlers {
            precondition(table[handler.op] == nil, "two control handlers for op \(handler.op)")
            table[handler.op] = handler
        }
        self.handlers = table
    }

    /// The ops registered, sorted.
    public var ops: [String] { handlers.keys.sorted() }

    private struct Head: Decodable {
        var v: Int?
        var op: String?
    }

    /// Parses `line` and lets its handler answer through `write` (one call per answer line).
    public func respond(to line: Data, write: @escaping @Sendable (Data) async throws -> Void) async {
        let head: Head
        do {
            head = try JSONDecoder().decode(Head.self, from: line)
        } catch {
            await fail(ControlError(.badJSON, "the request is not a JSON object: \(describe(error))"), op: nil, write: write)
            return
        }
        guard let version = head.v else {
            await fail(ControlError(.badRequest, "the request has no protocol version \"v\" (this daemon speaks \(ControlProtocol.version))"), op: head.op, write: write)
            return
        }
        guard version == ControlProtocol.version else {
            await fail(ControlError(.unsupportedVersion, "protocol version \(version) is not supported (this daemon speaks \(ControlProtocol.version))"), op: head.op, write: write)
            return
        }
        guard let op = head.op else {
            await fail(ControlError(.badRequest, "the request has no \"op\" (known ops: \(ops.joined(separator: ", ")))"), op: nil, write: write)
            return
        }
        guard let handler = handlers[op] else {
            await fail(ControlError(.unknownOp, "unknown op \"\(op.prefix(64))\" (known ops: \(ops.joined(separator: ", ")))"), op: nil, write: write)
            return
        }
        let reply = ControlReply(op: op, write: write)
        do {
            try await handler.handle(ControlRequest(version: version, op: op, line: line), reply: reply)
        } catch let error as ControlError {
            try? await reply.fail(error)
        } catch is CancellationError {
            return
        } catch {
            try? await reply.fail(ControlError(.failed, "op \"\(op)\" failed: \(error)"))
        }
    }

    /// Answers a line that was too long to read.
    public func respondTooLarge(write: @escaping @Sendable (Data) async throws -> Void) async {
        await fail(ControlError(.tooLarge, "the request is longer than \(ControlProtocol.maximumRequestBytes) bytes"), op: nil, write: write)
    }

    private func fail(_ error: ControlError, op: String?, write: @escaping @Sendable (Data) async throws -> Void) async {
        try? await ControlReply(op: op, write: write).fail(error)
    }
}
