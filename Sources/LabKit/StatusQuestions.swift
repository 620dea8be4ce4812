import Coalition
import Foundation
import MediaCore

/// The questions the demo and the lab scripts ask of `node status --json` and of a stream's
/// `report.json`, answered from the product's own types (``StatusDocument``, ``StreamReport``).
/// Pure: no I/O; `coalition-lab` reads the documents and prints the answers.
public enum StatusQuestions {
    /// Which service a question is about.
    public enum ServiceChoice: String, Sendable, CaseIterable {
        /// The first service requested at the board (the oldest).
        case first
        /// The last service requested at the board that is serving now.
        case lastServing = "last-serving"
    }

    /// The peers the board's membership holds alive (others only announced, suspect, dead or
    /// gone do not count).
    public static func alivePeers(_ document: StatusDocument) -> Int {
        document.peerRows.filter { $0.state == .member(.alive) }.count
    }

    /// The id of the first member of the chosen service; nil when there is no such service or it
    /// has no member.
    public static func firstMember(of choice: ServiceChoice, in document: StatusDocument) -> String? {
        let services = document.services?.services ?? []
        let service: ServiceSummary? =
            switch choice {
            case .first: services.first
            case .lastServing: services.last { $0.phase == .serving }
            }
        return service?.members.first?.peer
    }

    /// The 1-based position of the board whose own id is `member`, among the boards' status
    /// documents (nil for a board that did not answer); nil when none is.
    public static func board(holding member: String, among boards: [StatusDocument?]) -> Int? {
        boards.firstIndex { $0?.status.node.id == member }.map { $0 + 1 }
    }

    /// One line for a stream's report: `report.json: 480 frames on time, 0 late, 0 lost; 20
    /// units, 2 re-dispatched; members: 1f2e3d4c 9 units, 5a6b7c8d 11 units`.
    public static func streamSummary(_ report: StreamReport) -> String {
        let f = report.frames
        let members = report.members.map { "\($0.member.prefix(8)) \($0.unitsDone) units" }.joined(separator: ", ")
        return "report.json: \(f.onTime) frames on time, \(f.late) late, \(f.lost) lost; "
            + "\(report.units.cut) units, \(report.units.redispatched) re-dispatched; members: \(members.isEmpty ? "none" : members)"
    }

    /// Reads a stream's `report.json` (what `node request --input ... --output DIR` writes).
    public static func streamReport(json: Data) throws -> StreamReport {
        try JSONDecoder().decode(StreamReport.self, from: json)
    }
}
