@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import NIOCore
import QoSModel
import ServiceCore
import Synchronization
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Units over the real query port (127.0.0.1, keyed): a member runs a unit only under the
/// sender's lease, runs several at once and answers each when it is done, and refuses beyond its
/// bound. The executor here stands in for the decode worker (whose own tests decode real media):
/// it reads the unit and answers one digest per packet, after a gate the test opens.
@Suite(.serialized) struct UnitTransportTests {
    /// Answers each unit when the test releases its sequence number.
    final class GatedExecutor: UnitExecutor {
        private let gates = Mutex<[UInt32: CheckedContinuation<Void, Never>]>([:])
        private let opened = Mutex<Set<UInt32>>([])
        let started: AsyncStream<UInt32>
        private let startedSink: AsyncStream<UInt32>.Continuation

        init() { (started, startedSink) = AsyncStream.makeStream() }

        func open(_ sequence: UInt32) {
            let waiting = gates.withLock { $0.removeValue(forKey: sequence) }
            opened.withLock { _ = $0.insert(sequence) }
            waiting?.resume()
        }

        func execute(unit: [UInt8], plan: DeliveryPlan, under reservation: Reservation) async -> UnitOutcome {
            guard let decoded = try? MediaUnitEncoding.decodeUnit(unit) else {
                return .result(MediaUnitEncoding.encode(UnitResult(sequence: 0, stream: 0, frames: [], failure: .malformedUnit, cpuNanoseconds: 0)))
            }
            startedSink.yield(decoded.sequence)
            await withCheckedContinuation { continuation in
                let alreadyOpen = opened.withLock { $0.contains(decoded.sequence) }
                if alreadyOpen { continuation.resume() } else { gates.withLock { $0[decoded.sequence] = continuation } }
            }
            let frames = decoded.packets.map { packet in
                DecodedFrame(pts: packet.pts ?? 0, duration: packet.duration, byteCount: UInt32(packet.data.count), md5: Array(repeating: UInt8(decoded.sequence), count: 16))
            }
            return .result(MediaUnitEncoding.encode(UnitResult(sequence: decoded.sequence, stream: decoded.stream, frames: frames, cpuNanoseconds: 1)))
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func unit(_ sequence: UInt32, packets: Int = 3) -> [UInt8] {
        let parameters = CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 24), width: 64, height: 64, pixelFormat: 0)
        let packets = (0..<packets).map { MediaPacket(pts: Int64($0), dts: Int64($0), duration: 1, isKeyframe: $0 == 0, data: [UInt8](repeating: 7, count: 100 + $0)) }
        return MediaUnitEncoding.encode(MediaUnit(sequence: sequence, stream: 0, parameters: parameters, emit: PresentationRange(start: 0, end: Int64(packets.count)), preRoll: 0, packets: packets))
    }

    func withMember(
        maximumUnitsInFlight: Int = 8, units: (any UnitExecutor)? = nil, cancels: UnitCancelCounter = .init(),
        _ body: (ServiceEndpoint, GatedExecutor, ServiceClient) async throws -> Void
    ) async throws {
        let executor = GatedExecutor()
        let member = MemberID.named("m")
        let host = ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 4, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let server = ServiceServer(
            configuration: .init(host: "127.0.0.1", port: 0, keyring: WireKeyring(.testKey), maximumUnitsInFlight: maximumUnitsInFlight),
            host: host, units: units ?? executor, me: member, cancels: cancels, logger: Self.logger, onListening: { listening.yield($0) })
        let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: WireKeyring(.testKey)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(ServiceEndpoint(id: member, host: "127.0.0.1", port: UInt16(port)), executor, client)
            group.cancelAll()
        }
        await client.close()
    }

    @Test func aUnitWithoutALease_isRefused_andRunsOnceReserved() async throws {
        try await withMember { member, executor, client in
            let service = ServiceID("req/1")
            let refused = try await client.execute(unit: Self.unit(0), of: service, on: member, timeout: .seconds(5))
            #expect(refused == .refused(.noLease))

            let answer = try await client.reserve(member, service: service, level: QoSLevel(video: .sd), share: 1)
            try #require(answer.accepted, "\(answer)")
            executor.open(0)
            let outcome = try await client.execute(unit: Self.unit(0, packets: 5), of: service, on: member, timeout: .seconds(5))
            guard case .result(let bytes) = outcome else {
                Issue.record("not a result: \(outcome)")
                return
            }
            let result = try MediaUnitEncoding.decodeResult(bytes)
            #expect(result.frames.map(\.byteCount) == [100, 101, 102, 103, 104])

            // Another requester holds no lease of ours.
            let stranger = ServiceClient(me: MemberID.named("other"), configuration: .init(keyring: WireKeyring(.testKey)))
            #expect(try await stranger.execute(unit: Self.unit(0), of: service, on: member, timeout: .seconds(5)) == .refused(.noLease))
            await stranger.close()
        }
    }

    @Test func unitsRunConcurrently_andEachAnswerFindsItsRequest_beyondTheBoundTheyAreRefused() async throws {
        try await withMember(maximumUnitsInFlight: 3) { member, executor, client in
            let service = ServiceID("req/2")
            try #require(try await client.reserve(member, service: service, level: QoSLevel(video: .sd), share: 1).accepted)
            try await withThrowingTaskGroup(of: (UInt32, UnitOutcome).self) { group in
                for sequence in UInt32(1)...3 {
                    group.addTask { (sequence, try await client.execute(unit: Self.unit(sequence), of: service, on: member, timeout: .seconds(10))) }
                }
                // All three are running at the member before any is answered.
                var started = executor.started.makeAsyncIterator()
                var running: Set<UInt32> = []
                while running.count < 3, let sequence = await started.next() { running.insert(sequence) }
                #expect(running == [1, 2, 3])
                // A fourth is over the bound: refused at once, while the three still run.
                #expect(try await client.execute(unit: Self.unit(4), of: service, on: member, timeout: .seconds(5)) == .refused(.busy))
                // Answered in reverse order; each answer reaches the request that asked.
                for sequence in [UInt32(3), 2, 1] {
                    executor.open(sequence)
                    let (asked, outcome) = try #require(try await group.next())
                    guard case .result(let bytes) = outcome else {
                        Issue.record("unit \(asked): \(outcome)")
                        continue
                    }
                    #expect(asked == sequence)
                    #expect(try MediaUnitEncoding.decodeResult(bytes).sequence == asked)
                }
            }
        }
    }
}

/// Cancels over the real query port, into the member's real `DecodeWorkerPool`: its workers are
/// `sleep` (a decode that never ends, as a hung or slow unit; the pipe protocol only matters
/// here, the real worker decodes in its own tests), one per service at this share, so a second
/// unit waits for the first's worker.
@Suite(.serialized) struct UnitCancelTests {
    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    @Test func aQueuedUnitIsDropped_aDecodingOneStopped_eachAnsweredCancelled_strangersRefused_repeatsNoOps() async throws {
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sleep", arguments: ["600"], unitTimeout: .seconds(300)), logger: UnitTransportTests.logger)
        let cancels = UnitCancelCounter()
        try await UnitTransportTests().withMember(units: pool, cancels: cancels) { member, _, client in
            let service = ServiceID("req/9")
            let reserved = try await client.reserve(member, service: service, level: QoSLevel(video: .sd), share: 0.25)
            try #require(reserved.accepted, "\(reserved)")
            let decoding = Task { try await client.execute(unit: UnitTransportTests.unit(0), of: service, on: member, timeout: .seconds(120)) }
            // As in the pool's own tests: the worker's start can wait long for a starved thread.
            try await eventually(within: .seconds(120)) { await pool.work()[service]?.busy == 1 }
            let pid = try #require(await pool.work()[service]?.pids.first)
            let queued = Task { try await client.execute(unit: UnitTransportTests.unit(1), of: service, on: member, timeout: .seconds(120)) }
            try await eventually(within: .seconds(60)) { await pool.work()[service]?.waiting == 1 }

            // Another requester may not cancel our unit; nothing changes.
            let stranger = ServiceClient(me: MemberID.named("other"), configuration: .init(keyring: WireKeyring(.testKey)))
            #expect(try await stranger.cancel(unit: UnitKey(stream: 0, sequence: 1), of: service, on: member, timeout: .seconds(5)) == .refused)
            await stranger.close()
            #expect(await pool.work()[service]?.waiting == 1)

            // The queued unit: dropped at once, its own request answered cancelled.
            #expect(try await client.cancel(unit: UnitKey(stream: 0, sequence: 1), of: service, on: member, timeout: .seconds(5)) == .dropped)
            #expect(try await queued.value == .cancelled)
            #expect(await pool.work()[service]?.busy == 1, "the decoding unit goes on")

            // The decoding unit: its worker killed, its request answered cancelled, a fresh
            // worker left idle in its place; no worker counted dead.
            #expect(try await client.cancel(unit: UnitKey(stream: 0, sequence: 0), of: service, on: member, timeout: .seconds(5)) == .stopped)
            #expect(try await decoding.value == .cancelled)
            #expect(!Self.alive(pid), "the worker \(pid) decoding the cancelled unit is gone")
            try await eventually(within: .seconds(60)) {
                let work = await pool.work()[service]
                return work?.workers == 1 && work?.busy == 0 && work?.pids.first != pid
            }

            // Cancelling it again, or a unit never sent: no-ops.
            #expect(try await client.cancel(unit: UnitKey(stream: 0, sequence: 0), of: service, on: member, timeout: .seconds(5)) == .unknown)
            #expect(try await client.cancel(unit: UnitKey(stream: 3, sequence: 77), of: service, on: member, timeout: .seconds(5)) == .unknown)

            var expected = UnitCancelCounts()
            expected.dropped = 1
            expected.stopped = 1
            expected.unknown = 2
            expected.refused = 1
            #expect(cancels.snapshot == expected)
            let statistics = try #require(await pool.work()[service]?.statistics)
            #expect(statistics.unitsCancelled == 2 && statistics.decodesStopped == 1)
            #expect(statistics.workersDied == 0 && statistics.unitsFailed == 0 && statistics.unitsDecoded == 0)
            #expect(statistics.workersStarted == 2, "the stopped worker was replaced")
        }
        await pool.stopAll()
    }
}
