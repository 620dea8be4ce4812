/// Answers one control operation. Register handlers with a `ControlRouter`.
///
/// To add an op: write a type conforming to this protocol (decode your fields with
/// `request.parameters(as:)`, answer with `reply.send(result)` once, or repeatedly for a
/// streaming op until it throws because the client left), and add it to the daemon's router.
public protocol ControlHandler: Sendable {
    /// The op name clients put in `"op"`, e.g. `"status"`.
    var op: String { get }
    /// Answers `request`. Throwing a `ControlError` sends it as the error line.
    func handle(_ request: ControlRequest, reply: ControlReply) async throws
}

/// `ping`: answers `{"alive":true}`. Every router has it; a client uses it to tell a live
/// daemon from a stale socket file.
struct PingHandler: ControlHandler {
    static let name = "ping"
    let op = PingHandler.name
    func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        try await reply.send(["alive": true])
    }
}
