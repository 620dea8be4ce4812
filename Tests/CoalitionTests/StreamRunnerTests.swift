@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore
import Testing
import TestSupport

/// The requester's stream shell over real sockets: three members (ServiceHost + ServiceServer on
/// 127.0.0.1, keyed) hold leases; the runner sends them units, one member goes away mid-stream,
/// and every frame still comes out once, in order. The members' executor stands in for the
/// decode worker (whose own tests decode real media): one frame per packet in the unit's emit
/// range, its digest made from the packet's bytes.
@Suite(.serialized) struct StreamRunnerTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    struct PacketDigestExecutor: UnitExecutor {
        func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation) async -> UnitOutcome {
            guard let decoded = try? MediaUnitEncoding.decodeUnit(unit) else {
                return .result(MediaUnitEncoding.encode(UnitResult(sequence: 0, stream: 0, frames: [], failure: .malformedUnit, cpuNanoseconds: 0)))
            }
            return .result(MediaUnitEncoding.encode(UnitResult(
                sequence: decoded.sequence, stream: decoded.stream, frames: StreamRunnerTests.frames(of: decoded), cpuNanoseconds: 1_000_000)))
        }
    }

    static func frames(of unit: MediaUnit) -> [DecodedFrame] {
        unit.packets.filter { $0.pts.map(unit.emit.contains) ?? false }.sorted { $0.pts! < $1.pts! }.map { packet in
            DecodedFrame(pts: packet.pts!, duration: packet.duration, byteCount: UInt32(packet.data.count), md5: Array(packet.data.prefix(16)))
        }
    }

    /// Unit `sequence` of a 24 fps stream: 24 packets, each's bytes naming its frame.
    static func unit(_ sequence: UInt32) -> MediaUnit {
        let first = Int64(sequence) * 24
        let packets = (0..<24).map { index in
            let pts = first + Int64(index)
            return MediaPacket(pts: pts, dts: pts, duration: 1, isKeyframe: index == 0, data: (0..<16).map { UInt8(truncatingIfNeeded: pts >> (($0 % 8) * 8)) ^ UInt8($0) })
        }
        return MediaUnit(
            sequence: sequence, stream: 0, parameters: CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 24)),
            emit: PresentationRange(start: first, end: first + 24), preRoll: 0, packets: packets)
    }

    /// A member on 127.0.0.1, as the daemon runs one: a `ServiceHost` on the test board and a
    /// keyed `ServiceServer` whose units go to `units`, holding a lease of `reserved` streams of SD
    /// for `service` (reserved through `client`). Returns the server's task (cancel it to stop
    /// the member) and where it answers.
    static func startMember(
        _ name: String, units: any UnitExecutor, cancels: UnitCancelCounter = UnitCancelCounter(), service: ServiceID,
        reserved: Double, through client: ServiceClient
    ) async throws -> (server: Task<Void, Never>, endpoint: ServiceEndpoint) {
        let id = MemberID.named(name)
        let host = ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 4, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let server = ServiceServer(
            configuration: .init(host: "127.0.0.1", port: 0, keyring: WireKeyring(.testKey)),
            host: host, units: units, me: id, cancels: cancels, logger: Self.logger, onListening: { listening.yield($0) })
        let task = Task<Void, Never> { _ = try? await server.run() }
        var iterator = ports.makeAsyncIterator()
        let endpoint = ServiceEndpoint(id: id, host: "127.0.0.1", port: UInt16(try #require(await iterator.next())))
        try #require(try await client.reserve(endpoint, service: service, level: QoSLevel(video: .sd), share: reserved).accepted)
        return (task, endpoint)
    }

    @Test func everyFrameComesOutOnceAndInOrder_whenAMemberGoesAwayMidStream() async throws {
        let service = ServiceID("req/7")
        let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: WireKeyring(.testKey)))
        var servers: [Task<Void, Never>] = []
        var members: [StreamRunner.Member] = []
        for index in 0..<3 {
            let member = try await Self.startMember("m\(index)", units: PacketDigestExecutor(), service: service, reserved: 1, through: client)
            servers.append(member.server)
            members.append(StreamRunner.Member(endpoint: member.endpoint, share: [1.0, 1.0, 2.0][index]))
        }
        let started = servers
        defer { for server in started { server.cancel() } }

        let runner = StreamRunner(
            service: service, transport: client,
            configuration: .init(session: StreamConfiguration(pacing: .batch, window: 6), unitTimeout: .seconds(5)), logger: Self.logger)
        let ticking = Task { await runner.run() }
        await runner.membersChanged(members)
        let unitCount: UInt32 = 40
        let biggest = started[2]
        let survivors = Array(members.prefix(2))
        let feeding = Task {
            for sequence in 0..<unitCount {
                try await runner.cut(MediaUnitEncoding.encode(Self.unit(sequence)))
                if sequence == 15 {
                    // The biggest member goes away: its server stops, and the sub-cluster is
                    // rebuilt without it.
                    biggest.cancel()
                    await runner.membersChanged(survivors)
                }
            }
            await runner.inputEnded()
        }

        var emitted: [DecodedFrame] = []
        var report: StreamReport?
        for await output in runner.outputs {
            switch output {
            case .emitted(let unit): emitted += unit.frames
            case .problem, .inputFailed, .thumbnails, .recalibrate, .memberServiceGone: break
            case .finished(let final): report = final
            }
        }
        try await feeding.value
        ticking.cancel()
        await client.close()

        let expected = (0..<unitCount).flatMap { Self.frames(of: Self.unit($0)) }
        #expect(emitted.count == expected.count)
        #expect(emitted == expected, "frames out of order, doubled or missing")
        let final = try #require(report)
        #expect(final.complete, "\(final.frames)")
        #expect(final.frames.lost == 0)
        #expect(final.members.count == 3)
        #expect(final.members.allSatisfy { $0.unitsDone > 0 }, "every member served before or after the loss")
    }

    /// A member whose unit never finishes, until its server goes away (its daemon died): it
    /// signals when a unit reaches it.
    struct StallingExecutor: UnitExecutor {
        let started: AsyncStream<Void>.Continuation
        func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation) async -> UnitOutcome {
            started.yield()
            try? await Task.sleep(for: .seconds(60))
            return .refused(.busy)
        }
    }

    /// A member's server goes away under a unit (its daemon killed): the connection closes, the
    /// runner says at once that the member's service is gone (for the coordinator, which
    /// rebuilds without it before membership notices), and the unit is decoded by the other
    /// member: every frame once, in order.
    @Test func aMemberWhoseServiceGoesAwayUnderAUnit_isReportedGoneAtOnce_andItsUnitDecodedElsewhere() async throws {
        let service = ServiceID("req/9")
        let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: WireKeyring(.testKey)))
        let (starts, started) = AsyncStream<Void>.makeStream()
        var servers: [Task<Void, Never>] = []
        var members: [StreamRunner.Member] = []
        for index in 0..<2 {
            let executor: any UnitExecutor = index == 0 ? PacketDigestExecutor() : StallingExecutor(started: started)
            let member = try await Self.startMember("g\(index)", units: executor, service: service, reserved: 1, through: client)
            servers.append(member.server)
            members.append(StreamRunner.Member(endpoint: member.endpoint, share: 1))
        }
        let running = servers
        defer { for server in running { server.cancel() } }

        let runner = StreamRunner(
            service: service, transport: client,
            configuration: .init(session: StreamConfiguration(pacing: .batch, window: 6), unitTimeout: .seconds(30)), logger: Self.logger)
        let ticking = Task { await runner.run() }
        await runner.membersChanged(members)
        let unitCount: UInt32 = 6
        let feeding = Task {
            for sequence in 0..<unitCount { try await runner.cut(MediaUnitEncoding.encode(Self.unit(sequence))) }
            await runner.inputEnded()
        }
        // Once a unit is decoding at g1, its server goes away.
        var startedIterator = starts.makeAsyncIterator()
        _ = await startedIterator.next()
        let cutAt = ContinuousClock.now
        running[1].cancel()

        var gone: [(MemberID, Duration)] = []
        var emitted: [DecodedFrame] = []
        var report: StreamReport?
        for await output in runner.outputs {
            switch output {
            case .memberServiceGone(let member, _):
                gone.append((member, ContinuousClock.now - cutAt))
                // What the coordinator's rebuild does: the sub-cluster without it.
                await runner.membersChanged([members[0]])
            case .emitted(let unit): emitted += unit.frames
            case .finished(let final): report = final
            default: break
            }
        }
        try await feeding.value
        ticking.cancel()
        await client.close()

        #expect(gone.map(\.0) == [MemberID.named("g1")], "said once, for g1")
        #expect(gone.allSatisfy { $0.1 < .seconds(5) }, "\(gone)")
        #expect(emitted == (0..<unitCount).flatMap { Self.frames(of: Self.unit($0)) })
        #expect(try #require(report).frames.lost == 0)
    }

    /// The requester cancels what it takes back: two members whose workers never finish (`sleep`
    /// in their real `DecodeWorkerPool`); one leaves the sub-cluster alive, and each of its
    /// copies is cancelled at it (its decode stopped, its queued unit dropped); the stream is then
    /// given up, and the other member's copies are cancelled too. The members answer those copies
    /// `cancelled`, which the runner drops without counting them as results.
    @Test func copiesTakenBack_areCancelledAtTheirMembers_andTheirAnswersDropped() async throws {
        let service = ServiceID("req/8")
        let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: WireKeyring(.testKey)))
        var servers: [Task<Void, Never>] = []
        var members: [StreamRunner.Member] = []
        var pools: [DecodeWorkerPool] = []
        var counters: [UnitCancelCounter] = []
        for index in 0..<2 {
            let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/sleep", arguments: ["600"], unitTimeout: .seconds(300)), logger: Self.logger)
            let counter = UnitCancelCounter()
            let member = try await Self.startMember("c\(index)", units: pool, cancels: counter, service: service, reserved: 0.25, through: client)
            servers.append(member.server)
            members.append(StreamRunner.Member(endpoint: member.endpoint, share: 1))
            pools.append(pool)
            counters.append(counter)
        }
        let started = servers
        defer { for server in started { server.cancel() } }

        let runner = StreamRunner(
            service: service, transport: client,
            configuration: .init(session: StreamConfiguration(pacing: .batch, window: 6), unitTimeout: .seconds(120)), logger: Self.logger)
        await runner.membersChanged(members)
        for sequence in UInt32(0)..<4 { try await runner.cut(MediaUnitEncoding.encode(Self.unit(sequence))) }
        // Each member decodes one unit (one worker at this share) and queues the next.
        for pool in pools {
            try await eventually(within: .seconds(120)) {
                let work = await pool.work()[service]
                return work?.busy == 1 && work?.waiting == 1
            }
        }
        let sent = await runner.report().members.map(\.unitsSent)
        #expect(sent == [2, 2])

        // c0 leaves the sub-cluster (alive): both its copies are cancelled there.
        await runner.membersChanged([members[1]])
        try await eventually(within: .seconds(60)) {
            let counts = counters[0].snapshot
            return counts.stopped + counts.dropped == 2
        }
        #expect(counters[0].snapshot.stopped == 1 && counters[0].snapshot.dropped == 1)
        try await eventually(within: .seconds(60)) { await pools[0].work()[service]?.statistics.unitsCancelled == 2 }

        // The stream is given up: c1's copies are cancelled too.
        await runner.abandon(reason: "the test stops it")
        var report: StreamReport?
        for await output in runner.outputs {
            if case .finished(let final) = output { report = final }
        }
        try await eventually(within: .seconds(60)) {
            let counts = counters[1].snapshot
            return counts.stopped == 1 && counts.stopped + counts.dropped >= 2
        }
        try await eventually(within: .seconds(60)) { await pools[1].work()[service]?.busy == 0 }
        let final = try #require(report)
        #expect(final.units.cancelled == 2 + counters[1].snapshot.stopped + counters[1].snapshot.dropped)
        #expect(counters.allSatisfy { $0.snapshot.refused == 0 })
        // The members' `cancelled` answers were not taken for results.
        let after = await runner.report()
        #expect(after.units.duplicateResultsDropped == 0 && after.units.unexpectedResultsDropped == 0)
        #expect(after.members.allSatisfy { $0.unitsFailed == 0 })
        await client.close()
        for pool in pools { await pool.stopAll() }
    }
}
