/// Op `status`: `{"v":2,"op":"status"}` -> ``StatusReport``.
public struct StatusHandler: ControlHandler {
    public typealias Call = StatusCall
    private let report: @Sendable () async -> StatusReport

    /// - Parameter report: produces the current report (e.g. `NodeState.statusReport`).
    public init(report: @escaping @Sendable () async -> StatusReport) { self.report = report }

    public func handle(_ parameters: Empty, reply: ControlReply<StatusReport>) async throws {
        try await reply.send(await report())
    }
}
