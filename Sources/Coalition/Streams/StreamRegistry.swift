import MediaCore
import ServiceCore

/// The streams running from this node, for `node status`: each one's runner by its service.
public actor StreamRegistry {
    private var runners: [ServiceID: StreamRunner] = [:]

    public init() {}

    func add(_ runner: StreamRunner) { runners[runner.service] = runner }

    func remove(_ service: ServiceID) { runners.removeValue(forKey: service) }

    /// Every running stream's counters now, by service id.
    public func statuses() async -> [StreamStatus] {
        var statuses: [StreamStatus] = []
        for (service, runner) in runners.sorted(by: { $0.key < $1.key }) {
            statuses.append(StreamStatus(service: service.rawValue, report: await runner.report()))
        }
        return statuses
    }
}

/// A running stream as `node status` shows it: its service and its counters so far (the same
/// `StreamReport` that becomes report.json at the end).
public struct StreamStatus: Codable, Sendable, Equatable {
    public var service: String
    public var report: StreamReport

    public init(service: String, report: StreamReport) {
        self.service = service
        self.report = report
    }
}
