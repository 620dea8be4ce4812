import ArgumentParser
import Coalition
import Foundation
import Media
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore

/// `coalition-bench member-units`: a requester without a daemon, for the member side of service
/// work. It reserves a share of one member with the public `ServiceClient` (renewing the lease
/// every second), cuts a real input into units (`Demuxer`, `UnitCutter`), sends them one after
/// the other, and writes their framemd5 lines and outcomes as JSON. Phases run in order, each
/// re-reserving at its own share (a resize on the member). Between phases and units it reads the
/// member's `services` report from its control socket, so the figures carry the service
/// cgroup's CPU and throttling. A unit answered `workerDied` is sent once more.
///
/// A member serves only members, each from its own address (`RequesterAdmission`), so it speaks
/// in the id of the `node join` running beside it (`--requester-control-socket`), from that
/// node's host. The lab test `MemberWorkLabTests` runs it in a lab host, beside a `node join`,
/// against a `node join` in another.
struct MemberUnitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member-units",
        abstract: "Reserve a share of one member and send it the units of a real input (a lab tool).",
        shouldDisplay: false
    )

    @Option(help: "The member's address (its --bind).")
    var address: String

    @Option(help: "The member's query port.")
    var port: Int = 7947

    @Option(name: .customLong("control-socket"), help: "The member's control socket (read for its id and its work report).")
    var controlSocket: String

    @Option(name: .customLong("key-file"), help: "The coalition key file (none: an --insecure member).")
    var keyFile: String?

    @Option(
        name: .customLong("requester-control-socket"),
        help: "The control socket of the `node join` on this host: requests go in its id (a member serves only members, from their own address).")
    var requesterControlSocket: String

    @Option(help: "The input media file.")
    var input: String

    @Option(help: "The video level to reserve: SD, HD or FHD.")
    var video: String = "HD"

    @Option(help: "Phases as SHARE:UNITS, comma-separated: reserve SHARE of a stream, then send the first UNITS units (`all`: every unit).")
    var phases: String = "1:all"

    @Flag(name: .customLong("no-release"), help: "Leave without releasing the lease: it expires on the member as a vanished requester's does.")
    var noRelease = false

    @Option(help: "Where to write the JSON figures.")
    var output: String

    /// One unit's fate.
    struct UnitRecord: Codable {
        var sequence: UInt32
        /// `ok`, `failed:<failure>` or `refused:<refusal>`, per attempt.
        var attempts: [String]
        var frames: Int
    }

    /// One phase's figures.
    struct Phase: Codable {
        var share: Double
        var seconds: Double
        var units: [UnitRecord]
        /// The video framemd5 lines of the units decoded, in order.
        var lines: [String]
        /// The member's record of the service before and after the phase.
        var before: HeldServiceWorkRecord?
        var after: HeldServiceWorkRecord?
    }

    struct Figures: Codable {
        var service: String
        var phases: [Phase]
    }

    func run() async throws {
        let control = ControlClient(path: controlSocket)
        let status = try await control.call(StatusCall.self)
        guard let memberID = MemberID(status.node.id) else { throw BenchFailure("the member reports a malformed id \(status.node.id)") }
        let member = ServiceEndpoint(id: memberID, host: address, port: UInt16(port))
        let keyring = try keyFile.map { path throws(WireKeyError) in try WireKeyring(keyFile: path) }
        guard let level = VideoLevel(rawValue: video) else { throw ValidationError("--video must be SD, HD or FHD") }
        let requester = try await ControlClient(path: requesterControlSocket).call(StatusCall.self)
        guard let me = MemberID(requester.node.id) else { throw BenchFailure("the requester's node reports a malformed id \(requester.node.id)") }
        let service = ServiceID("\(me.rawValue)/bench-\(getpid())")
        let client = ServiceClient(me: me, configuration: .init(requestTimeout: .seconds(60), keyring: keyring))

        let demuxer = try Demuxer(MediaInput(argument: input))
        guard let video = demuxer.streams.first(where: { $0.parameters.codec.kind == .video }) else {
            throw BenchFailure("\(input) has no video stream")
        }
        let units = try demuxer.cutAll().flatMap { $0 }.filter { $0.stream == video.index }
        let stream = FrameMD5.Stream(index: 0, parameters: video.parameters, startTime: video.startTime)

        func record() async -> HeldServiceWorkRecord? {
            let report = try? await control.call(ServicesCall.self)
            return report?.work?.services.first { $0.service == service.rawValue }
        }

        var figures = Figures(service: service.rawValue, phases: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(1))
                    _ = try? await client.renew(member, services: [service])
                }
            }
            for phase in try parsePhases() {
                let answer = try await client.reserve(member, service: service, level: QoSLevel(video: level), share: phase.share)
                guard answer.accepted else { throw BenchFailure("the member refused share \(phase.share): \(answer.reason)") }
                var figure = Phase(share: phase.share, seconds: 0, units: [], lines: [], before: await record(), after: nil)
                let start = ContinuousClock.now
                for unit in units.prefix(phase.units ?? units.count) {
                    var attempts: [String] = []
                    var frames = 0
                    attempt: for _ in 0..<2 {
                        let outcome = try await client.execute(
                            unit: MediaUnitEncoding.encode(unit), plan: .full, of: service, on: member, timeout: .seconds(60))
                        switch outcome {
                        case .refused(let refusal):
                            attempts.append("refused:\(refusal)")
                            break attempt
                        case .cancelled:
                            // This requester cancels nothing; a member that says so is wrong.
                            attempts.append("cancelled")
                            break attempt
                        case .result(let bytes):
                            let result = try MediaUnitEncoding.decodeResult(bytes)
                            if let failure = result.failure {
                                attempts.append("failed:\(failure)")
                                if failure == .workerDied { continue attempt }
                                break attempt
                            }
                            attempts.append("ok")
                            frames = result.frames.count
                            figure.lines += result.frames.map { FrameMD5.line($0, in: stream) }
                            break attempt
                        }
                    }
                    figure.units.append(UnitRecord(sequence: unit.sequence, attempts: attempts, frames: frames))
                }
                figure.seconds = (ContinuousClock.now - start) / .seconds(1)
                figure.after = await record()
                figures.phases.append(figure)
            }
            group.cancelAll()
        }
        if !noRelease { try? await client.release(member, service: service) }
        await client.close()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(figures).write(to: URL(fileURLWithPath: output))
    }

    /// `1:all,0.25:2` as (share, units or nil for all).
    func parsePhases() throws -> [(share: Double, units: Int?)] {
        try phases.split(separator: ",").map { text in
            let parts = text.split(separator: ":")
            guard parts.count == 2, let share = Double(parts[0]), share > 0 else { throw ValidationError("--phases: '\(text)' is not SHARE:UNITS") }
            if parts[1] == "all" { return (share, nil) }
            guard let count = Int(parts[1]), count > 0 else { throw ValidationError("--phases: '\(text)' is not SHARE:UNITS") }
            return (share, count)
        }
    }
}
