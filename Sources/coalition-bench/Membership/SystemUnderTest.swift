import Foundation

/// A membership system the membership bench drives the same way on every lab host.
protocol SystemUnderTest {
    /// Starts the system on every host; returns the pids of the daemons to measure.
    func start() async throws -> [pid_t]
    /// Ends the system on every host.
    func stop()
    /// Whether every host lists every other as alive. Asked every half second while hosts
    /// converge: at 100 hosts it must cost little, or the asking itself loads the machine.
    func everyoneSeesEveryoneAlive() async -> Bool
    /// When the last other host reported `victim` dead after `since`, nil if not all have.
    func allOthersReportDead(_ victim: Int, since: Date) -> Date?
    /// Deaths reported by anyone after `since`.
    func deaths(since: Date) -> Int
    /// Deaths of members other than `victim`, reported after `since` by hosts other than
    /// `victim`: the false deaths around one cut and heal. Nil when the system does not say.
    func bystanderDeaths(around victim: Int, since: Date) -> BystanderDeaths?
    /// The hosts that have not reported `victim` dead since `since`, with what they last reported.
    func missingDeathReports(_ victim: Int, since: Date) -> String
    /// Who does not list whom as alive, and in which state, for a failure's message.
    func notSeenAlive() async -> String
    /// A host (the first found) whose member judges nobody now because its own timers ran late
    /// (Lifeguard's local health above 0: it accuses nobody until it recovers); nil when every
    /// host is healthy, or the system does not say.
    func hostWithDegradedHealth() async -> Int?
}

/// False deaths around one cut: deaths of members other than the cut one, reported by hosts
/// other than the cut one.
struct BystanderDeaths: CustomStringConvertible {
    /// Reports (one per host and member).
    var reports = 0
    /// Members reported dead.
    var members = 0
    /// Of `reports`, those about members the cut host had itself declared dead while cut off
    /// (its declarations, repeated once it could be heard again).
    var reportsOfTheCutHostsDeclarations = 0

    var description: String {
        "\(reports) reports of \(members) bystanders dead (\(reportsOfTheCutHostsDeclarations) of them about members the cut host had declared dead while cut off)"
    }
}

extension SystemUnderTest {
    func bystanderDeaths(around victim: Int, since: Date) -> BystanderDeaths? { nil }
    func notSeenAlive() async -> String { "" }
    /// Serf does not say (its awareness score is internal).
    func hostWithDegradedHealth() async -> Int? { nil }
}
