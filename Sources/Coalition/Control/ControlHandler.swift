/// Answers one control operation. Register handlers with a `ControlRouter`.
///
/// To add an op: add a case to ``ControlOperation`` and a ``ControlCall`` to `ControlCalls.swift`
/// (its parameters and result), write a type conforming to this protocol for that call (answer
/// with `reply.send(result)` once, or repeatedly for a streaming op until it throws because the
/// client left), add it to the daemon's router, and describe it in PROTOCOL.md.
public protocol ControlHandler: Sendable {
    associatedtype Call: ControlCall
    /// Answers a request whose fields decoded as `parameters`. Throwing a `ControlError` sends
    /// it as the error line.
    func handle(_ parameters: Call.Parameters, reply: ControlReply<Call.Result>) async throws
}

extension ControlHandler {
    /// The operation this handler answers.
    public var operation: ControlOperation { Call.operation }
}

/// `ping`: answers `{"alive":true}`. Every router has it; a client uses it to tell a live
/// daemon from a stale socket file.
struct PingHandler: ControlHandler {
    typealias Call = PingCall
    func handle(_ parameters: Empty, reply: ControlReply<PingResult>) async throws {
        try await reply.send(PingResult())
    }
}
