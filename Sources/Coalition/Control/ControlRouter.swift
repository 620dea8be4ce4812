import Foundation

/// Dispatches request lines to the handler registered for their operation. Every malformed
/// request gets a specific error line; nothing thrown escapes to the connection.
public struct ControlRouter: Sendable {
    private let handlers: [ControlOperation: any ControlHandler]

    /// - Precondition: one handler per operation. `ping` is always there (see `PingHandler`).
    public init(_ handlers: [any ControlHandler]) {
        var table: [ControlOperation: any ControlHandler] = [.ping: PingHandler()]
        for handler in handlers {
            precondition(table[handler.operation] == nil, "two control handlers for op \(handler.operation)")
            table[handler.operation] = handler
        }
        self.handlers = table
    }

    /// The operations served, in protocol order.
    public var operations: [ControlOperation] { ControlOperation.allCases.filter { handlers[$0] != nil } }

    /// What every request line starts with, read loosely so that each defect gets its own error.
    private struct Head: Decodable {
        var v: Int?
        var op: String?
    }

    /// Parses `line` and lets its handler answer through `write` (one call per answer line).
    public func respond(to line: Data, write: @escaping @Sendable (Data) async throws -> Void) async {
        let head: Head
        do {
            head = try JSONDecoder().decode(Head.self, from: line)
        } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            await fail(ControlError(.badRequest, "\"\(field)\" has the wrong type: \"v\" is a number, \"op\" a string"), write: write)
            return
        } catch {
            await fail(ControlError(.badJSON, "the request is not a JSON object: \(describe(error))"), write: write)
            return
        }
        let known = head.op.flatMap(ControlOperation.init(rawValue:))
        guard let version = head.v else {
            await fail(ControlError(.badRequest, "the request has no protocol version \"v\" (this daemon speaks \(ControlProtocol.version))"), operation: known, write: write)
            return
        }
        guard version == ControlProtocol.version else {
            await fail(ControlError(.unsupportedVersion, "protocol version \(version) is not supported (this daemon speaks \(ControlProtocol.version))"), operation: known, write: write)
            return
        }
        guard let op = head.op else {
            await fail(ControlError(.badRequest, "the request has no \"op\" (known ops: \(list))"), write: write)
            return
        }
        guard let operation = known, let handler = handlers[operation] else {
            await fail(ControlError(.unknownOp, "unknown op \"\(op.prefix(64))\" (known ops: \(list))"), write: write)
            return
        }
        await dispatch(line, to: handler, write: write)
    }

    /// Decodes the handler's own parameters from `line` and lets it answer.
    private func dispatch<Handler: ControlHandler>(_ line: Data, to handler: Handler, write: @escaping @Sendable (Data) async throws -> Void) async {
        let reply = ControlReply<Handler.Call.Result>(operation: handler.operation, write: write)
        let parameters: Handler.Call.Parameters
        do {
            parameters = try JSONDecoder().decode(Handler.Call.Parameters.self, from: line)
        } catch {
            try? await reply.fail(ControlError(.badParams, "bad fields for op \"\(handler.operation)\": \(describe(error))"))
            return
        }
        do {
            try await handler.handle(parameters, reply: reply)
        } catch let error as ControlError {
            try? await reply.fail(error)
        } catch is CancellationError {
            return
        } catch {
            try? await reply.fail(ControlError(.failed, "op \"\(handler.operation)\" failed: \(error)"))
        }
    }

    /// Answers a line that was too long to read.
    public func respondTooLarge(write: @escaping @Sendable (Data) async throws -> Void) async {
        await fail(ControlError(.tooLarge, "the request is longer than \(ControlProtocol.maximumRequestBytes) bytes"), write: write)
    }

    private var list: String { operations.map(\.rawValue).joined(separator: ", ") }

    private func fail(_ error: ControlError, operation: ControlOperation? = nil, write: @escaping @Sendable (Data) async throws -> Void) async {
        try? await ControlReply<Empty>(operation: operation, write: write).fail(error)
    }
}
