@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import QoSModel
import ServiceCore
import Synchronization
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The pool over real processes and pipes. The workers here are ordinary programs that stand in
/// for `node worker decode` where only the pipe protocol matters: `cat` answers each message
/// with itself; a shell that kills itself is a worker crashing on bad data; `sleep` is a hung
/// one. (The real worker decodes real media in its own tests.)
@Suite struct DecodeWorkerPoolTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func reservation(_ service: String = "r/1", cores: Double = 1) -> Reservation {
        Reservation(
            service: ServiceID(service), requester: MemberID.named("req"), level: QoSLevel(video: .hd), share: 1,
            demand: Demand(cpuCores: cores, memoryBytes: 64 << 20), expiresAt: MembershipInstant(nanoseconds: 0))
    }

    static func unit(_ sequence: UInt32) -> [UInt8] {
        let parameters = CodecParameters(codec: .h264, timeBase: TimeBase(numerator: 1, denominator: 24))
        let packets = [MediaPacket(pts: 0, dts: 0, duration: 1, isKeyframe: true, data: Array(repeating: 1, count: 200_000))]
        return MediaUnitEncoding.encode(MediaUnit(sequence: sequence, stream: 1, parameters: parameters, emit: PresentationRange(start: 0, end: 1), preRoll: 0, packets: packets))
    }

    /// Records the pids it is asked to place, the leases applied, and the services retired.
    final class RecordingPlacement: WorkerPlacement {
        let placed = Mutex<[Int32]>([])
        let applied = Mutex<[Double]>([])
        let retired = Mutex<[ServiceID]>([])
        func apply(_ reservation: Reservation) throws { applied.withLock { $0.append(reservation.demand.cpuCores) } }
        func place(worker process: Int32, for reservation: Reservation) throws { placed.withLock { $0.append(process) } }
        func retire(_ service: ServiceID) { retired.withLock { $0.append(service) } }
    }

    /// Whether process `pid` still exists (it may be a zombie not yet reaped: then it is not ours).
    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    @Test func everyUnit_appliesItsLease_soAResizeReachesThePlacement() async throws {
        let placement = RecordingPlacement()
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), placement: placement, logger: Self.logger)
        _ = await pool.execute(unit: Self.unit(0), plan: .full, under: Self.reservation(cores: 0.5))
        _ = await pool.execute(unit: Self.unit(1), plan: .full, under: Self.reservation(cores: 0.2))
        #expect(placement.applied.withLock { $0 } == [0.5, 0.2])
        #expect(placement.placed.withLock { $0.count } == 1, "a resize keeps the worker")
        await pool.stopAll()
    }

    @Test func retiringAService_killsItsBusyWorker_answersItsUnitNoLease_thenRetiresThePlacement() async throws {
        let placement = RecordingPlacement()
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sleep", arguments: ["600"], unitTimeout: .seconds(300)), placement: placement, logger: Self.logger)
        let service = ServiceID("r/1")
        async let outcome = pool.execute(unit: Self.unit(4), plan: .full, under: Self.reservation())
        // Generous: in the whole suite on two cores, the suites that decode media synchronously
        // can hold the cooperative threads the worker's start needs for tens of seconds.
        try await eventually(within: .seconds(120)) { await pool.work()[service]?.busy == 1 }
        let pid = try #require(await pool.work()[service]?.pids.first)
        await pool.retire(service)
        #expect(await outcome == .refused(.noLease))
        #expect(placement.retired.withLock { $0 } == [service])
        #expect(!Self.alive(pid), "the worker \(pid) must be gone before its cgroup is removed")
        #expect(await pool.work().isEmpty)
        #expect(await pool.statistics.workersDied == 0, "a worker ended with its lease did not die")
    }

    @Test func aWorkerStartedAheadOfTheFirstUnit_isPlaced_andDecodesThatUnit() async throws {
        let placement = RecordingPlacement()
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), placement: placement, logger: Self.logger)
        let service = ServiceID("r/1")
        await pool.prepare(for: Self.reservation(), isHeld: { true })
        let started = try #require(await pool.work()[service])
        #expect(started.workers == 1 && started.busy == 0)
        #expect(placement.placed.withLock { $0 } == started.pids, "placed in the service's cgroup before any unit")
        let outcome = await pool.execute(unit: Self.unit(0), plan: .full, under: Self.reservation())
        #expect(outcome == .result(WorkerPipe.decodeRequest(unit: Self.unit(0), plan: .full)), "cat echoes the request")
        #expect(await pool.statistics.workersStarted == 1, "the unit used the worker started ahead")
        await pool.prepare(for: Self.reservation(), isHeld: { true })
        #expect(await pool.statistics.workersStarted == 1, "a service with a worker gets no other ahead")
        await pool.stopAll()
    }

    @Test func aLeaseEndedWhileItsWorkerStarted_keepsNothing() async throws {
        let placement = RecordingPlacement()
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), placement: placement, logger: Self.logger)
        let service = ServiceID("r/1")
        await pool.prepare(for: Self.reservation(), isHeld: { false })
        #expect(await pool.work()[service] == nil)
        #expect(placement.retired.withLock { $0 } == [service], "its cgroup is removed")
        let pid = try #require(placement.placed.withLock { $0.first })
        try await eventually { !Self.alive(pid) }
        #expect(await pool.statistics.workersDied == 0)
    }

    @Test func aUnitUnderANewLease_afterRetirement_getsAFreshWorker() async throws {
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), logger: Self.logger)
        let service = ServiceID("r/1")
        _ = await pool.execute(unit: Self.unit(0), plan: .full, under: Self.reservation())
        let first = try #require(await pool.work()[service]?.pids.first)
        await pool.retire(service)
        #expect(!Self.alive(first))
        let outcome = await pool.execute(unit: Self.unit(1), plan: .full, under: Self.reservation())
        #expect(outcome == .result(WorkerPipe.decodeRequest(unit: Self.unit(1), plan: .full)))
        let work = try #require(await pool.work()[service])
        #expect(work.pids != [first] && work.statistics.workersStarted == 1 && work.statistics.unitsDecoded == 1, "\(work)")
        await pool.stopAll()
    }

    @Test func aWorkerAnswersUnitAfterUnit_andIsReused() async throws {
        let placement = RecordingPlacement()
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), placement: placement, logger: Self.logger)
        for sequence in UInt32(0)..<5 {
            let outcome = await pool.execute(unit: Self.unit(sequence), plan: .full, under: Self.reservation())
            #expect(outcome == .result(WorkerPipe.decodeRequest(unit: Self.unit(sequence), plan: .full)))
        }
        #expect(await pool.statistics.workersStarted == 1)
        #expect(await pool.statistics.unitsDecoded == 5)
        #expect(placement.placed.withLock { $0.count } == 1)
        await pool.retire(ServiceID("r/1"))
        #expect(placement.retired.withLock { $0 } == [ServiceID("r/1")])
    }

    @Test func aServiceGetsAWorkerPerReservedCore_runningAtOnce() async throws {
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), logger: Self.logger)
        let reservation = Self.reservation(cores: 2.5)
        await withTaskGroup(of: UnitOutcome.self) { group in
            for sequence in UInt32(0)..<9 { group.addTask { await pool.execute(unit: Self.unit(sequence), plan: .full, under: reservation) } }
            var answered = 0
            for await outcome in group {
                if case .result = outcome { answered += 1 }
            }
            #expect(answered == 9)
        }
        let started = await pool.statistics.workersStarted
        #expect(started >= 1 && started <= 3, "at most ceil(2.5) workers: \(started)")
        await pool.stopAll()
    }

    @Test func aCrashingWorker_isReportedAsWorkerDiedForItsUnit_andReplaced() async throws {
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sh", arguments: ["-c", "head -c 10 >/dev/null; kill -SEGV $$"]), logger: Self.logger)
        for sequence in UInt32(3)..<5 {
            guard case .result(let bytes) = await pool.execute(unit: Self.unit(sequence), plan: .full, under: Self.reservation()) else {
                Issue.record("no result")
                continue
            }
            let result = try MediaUnitEncoding.decodeResult(bytes)
            #expect(result.failure == .workerDied)
            #expect(result.sequence == sequence && result.stream == 1 && result.frames.isEmpty)
        }
        #expect(await pool.statistics.workersStarted == 2)
        #expect(await pool.statistics.workersDied == 2)
        #expect(await pool.work()[ServiceID("r/1")]?.statistics.unitsFailed == 2)
    }

    @Test func aCancelledDecode_isStopped_andTheUnitWaitingBehindItDecodesOnTheReplacementWorker() async throws {
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sleep", arguments: ["600"], unitTimeout: .seconds(300)), logger: Self.logger)
        let service = ServiceID("r/1")
        let first = UnitCancellation(), second = UnitCancellation()
        async let a = pool.execute(unit: Self.unit(0), plan: .full, under: Self.reservation(cores: 0.5), cancellation: first)
        try await eventually(within: .seconds(120)) { await pool.work()[service]?.busy == 1 }
        let pid = try #require(await pool.work()[service]?.pids.first)
        async let b = pool.execute(unit: Self.unit(1), plan: .full, under: Self.reservation(cores: 0.5), cancellation: second)
        try await eventually(within: .seconds(60)) { await pool.work()[service]?.waiting == 1 }

        #expect(first.cancel() == .stopped)
        #expect(await a == .cancelled)
        #expect(!Self.alive(pid))
        // The unit behind it takes the worker started in the stopped one's place.
        try await eventually(within: .seconds(60)) {
            let work = await pool.work()[service]
            return work?.busy == 1 && work?.waiting == 0 && work?.pids.first != pid
        }
        #expect(await pool.statistics.workersStarted == 2)
        #expect(first.cancel() == .unknown, "a second cancel finds nothing")

        #expect(second.cancel() == .stopped)
        #expect(await b == .cancelled)
        let statistics = await pool.statistics
        #expect(statistics.unitsCancelled == 2 && statistics.decodesStopped == 2)
        #expect(statistics.workersDied == 0 && statistics.unitsFailed == 0)
        await pool.stopAll()
    }

    @Test func aUnitCancelledBeforeItCame_startsNoWorker_andAnAnsweredOneCannotBeCancelled() async throws {
        let pool = DecodeWorkerPool(configuration: .init(executable: "/bin/cat", arguments: []), logger: Self.logger)
        let early = UnitCancellation()
        #expect(early.cancel() == .dropped)
        #expect(await pool.execute(unit: Self.unit(0), plan: .full, under: Self.reservation(), cancellation: early) == .cancelled)
        let statistics = await pool.statistics
        #expect(statistics.workersStarted == 0)
        #expect(statistics.unitsCancelled == 1 && statistics.decodesStopped == 0)

        // `cat` answers at once; the server marks a unit answered (`finish`) before its answer goes out.
        let answered = UnitCancellation()
        guard case .result = await pool.execute(unit: Self.unit(1), plan: .full, under: Self.reservation(), cancellation: answered) else {
            Issue.record("cat's echo is a result")
            return
        }
        answered.finish()
        #expect(answered.cancel() == .unknown)
        await pool.stopAll()
    }

    @Test func aHungWorker_isKilledAfterTheUnitTimeout() async throws {
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sleep", arguments: ["600"], unitTimeout: .milliseconds(200)), logger: Self.logger)
        guard case .result(let bytes) = await pool.execute(unit: Self.unit(8), plan: .full, under: Self.reservation()) else {
            Issue.record("no result")
            return
        }
        #expect(try MediaUnitEncoding.decodeResult(bytes).failure == .workerDied)
        #expect(await pool.statistics.workersTimedOut == 1)
    }

    @Test func aWorkerThatCannotStart_makesTheUnitRefused() async throws {
        let pool = DecodeWorkerPool(configuration: .init(executable: "/nonexistent/node", arguments: []), logger: Self.logger)
        #expect(await pool.execute(unit: Self.unit(1), plan: .full, under: Self.reservation()) == .refused(.workerUnavailable))
    }

    @Test func aWorkerThatWritesGarbage_isCutOff() async throws {
        // Announces a 4 GiB answer.
        let pool = DecodeWorkerPool(
            configuration: .init(executable: "/bin/sh", arguments: ["-c", "printf '\\377\\377\\377\\377'; exec sleep 600"]), logger: Self.logger)
        guard case .result(let bytes) = await pool.execute(unit: Self.unit(2), plan: .full, under: Self.reservation()) else {
            Issue.record("no result")
            return
        }
        #expect(try MediaUnitEncoding.decodeResult(bytes).failure == .workerDied)
    }
}
