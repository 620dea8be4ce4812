/// Op `status`: `{"v":1,"op":"status"}` -> `StatusReport`.
public struct StatusHandler: ControlHandler {
    public let op = "status"
    private let report: @Sendable () async -> StatusReport

    /// - Parameter report: produces the current report (e.g. `NodeState.statusReport`).
    public init(report: @escaping @Sendable () async -> StatusReport) { self.report = report }

    public func handle(_ request: ControlRequest, reply: ControlReply) async throws {
        try await reply.send(await report())
    }
}
