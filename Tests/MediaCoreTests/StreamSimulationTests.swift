import MediaCore
import MembershipCore
import Testing
import TestSupport

/// A whole stream through a `StreamSession` over simulated members: seeded, in virtual time,
/// no sleeps. Members decode their units one after another at their share times their own
/// speed (one much slower than its share), answers cross a network of random delay (so they
/// arrive out of order), members are killed (declared dead 0.85 s later) and rejoin, some are
/// declared dead while still working, some workers die on a unit once.
struct StreamSimulation {
    struct Member {
        var id: MemberID
        var share: Double
        /// Stream-seconds per wall second, as a multiple of the share.
        var speed: Double
        var running = true
        /// Bumped when the process dies or aborts a unit: older completions are void.
        var epoch = 0
        var queue: [(key: UnitKey, plan: DeliveryPlan)] = []
        var decoding: UnitKey?
    }

    enum Happening {
        case cut(UInt32)
        case tick
        case decoded(Int, epoch: Int)
        case arrive(UnitResult, from: MemberID)
        case kill(Int)
        case declareLost(Int)
        case rejoin(Int)
        case abandon
    }

    var random: SeededGenerator
    let seed: UInt64
    let unitsPerStream: UInt32
    let rejoin: Bool
    var session: StreamSession
    var members: [Member] = []
    var now = MediaInstant.zero
    var agenda: [(at: MediaInstant, order: Int, happening: Happening)] = []
    var order = 0
    var units: [UnitKey: UnitMetadata] = [:]
    var failedOnce: Set<UnitKey> = []
    var nextCut: UInt32 = 0
    var paused = false
    var emitted: [UInt8: [EmittedUnit]] = [:]
    var report: StreamReport?
    var violations: [String] = []

    init(seed: UInt64, unitsPerStream: UInt32 = 120, rejoin: Bool = true) {
        self.seed = seed
        self.random = SeededGenerator(seed: seed)
        self.unitsPerStream = unitsPerStream
        self.rejoin = rejoin
        self.session = StreamSession(configuration: StreamConfiguration(pacing: .live))
        for index in 0..<4 {
            let share = Double.random(in: 0.25...0.6, using: &random)
            let speed = index == 3 ? 0.15 : Double.random(in: 0.8...1.4, using: &random)
            members.append(Member(id: Fixture.member(index + 1), share: share, speed: speed))
        }
    }

    mutating func schedule(_ happening: Happening, after seconds: Double) {
        order += 1
        agenda.append((now + .nanoseconds(Int64(seconds * 1e9)), order, happening))
    }

    func unit(_ sequence: UInt32, stream: UInt8) -> UnitMetadata {
        stream == 0
            ? Fixture.unit(sequence, stream: 0, frames: 24, disposable: 0, kind: .video, cost: 0.9)
            : Fixture.unit(sequence, stream: 1, frames: 47, kind: .audio, cost: 0.1)
    }

    mutating func run() {
        apply(session.handle(.inputStarted, at: now))
        for index in members.indices {
            apply(session.handle(.memberAdded(members[index].id, share: members[index].share, estimate: CPUEstimate(cpuPerMediaSecond: 0.9)), at: now))
        }
        schedule(.cut(0), after: 1)
        schedule(.tick, after: 0.1)
        schedule(.kill(Int.random(in: 0..<4, using: &random)), after: Double.random(in: 5...12, using: &random))
        while report == nil, let next = agenda.indices.min(by: { (agenda[$0].at, agenda[$0].order) < (agenda[$1].at, agenda[$1].order) }) {
            let (at, _, happening) = agenda.remove(at: next)
            now = at
            guard now < MediaInstant(nanoseconds: 3_600_000_000_000) else { break }
            happen(happening)
        }
    }

    mutating func happen(_ happening: Happening) {
        switch happening {
        case .cut(let sequence):
            guard sequence == nextCut, sequence < unitsPerStream else { return }
            guard session.canAcceptUnit else { return }  // resumed by .resumeInput
            nextCut += 1
            for stream: UInt8 in [0, 1] {
                let metadata = unit(sequence, stream: stream)
                units[metadata.key] = metadata
                apply(session.handle(.unitCut(metadata), at: now))
            }
            if nextCut == unitsPerStream {
                apply(session.handle(.inputEnded, at: now))
            } else {
                schedule(.cut(nextCut), after: 1)
            }
        case .tick:
            apply(session.handle(.tick, at: now))
            schedule(.tick, after: 0.1)
        case .decoded(let index, let epoch):
            guard members[index].epoch == epoch, members[index].running, let key = members[index].decoding else { return }
            members[index].decoding = nil
            let plan = members[index].queue.removeFirst().plan
            var result = Fixture.result(for: units[key]!, keep: units[key]!.expectedFrames(under: plan))
            if !failedOnce.contains(key), Double.random(in: 0..<1, using: &random) < 0.02 {
                failedOnce.insert(key)
                result = Fixture.failure(for: units[key]!, .workerDied)
            }
            schedule(.arrive(result, from: members[index].id), after: Double.random(in: 0.001...0.08, using: &random))
            startNext(index)
        case .arrive(let result, let member):
            apply(session.handle(.result(result, from: member), at: now))
        case .kill(let index):
            // One death in five is false: declared dead while it keeps working.
            if Double.random(in: 0..<1, using: &random) >= 0.2 {
                members[index].running = false
                members[index].epoch += 1
                members[index].queue = []
                members[index].decoding = nil
            }
            schedule(.declareLost(index), after: 0.85)
            schedule(.kill(Int.random(in: 0..<4, using: &random)), after: Double.random(in: 3...10, using: &random))
        case .declareLost(let index):
            apply(session.handle(.memberLost(members[index].id), at: now))
            if rejoin {
                schedule(.rejoin(index), after: Double.random(in: 1...4, using: &random))
            } else if session.members.isEmpty {
                schedule(.abandon, after: 5)
            }
        case .rejoin(let index):
            members[index].running = true
            members[index].epoch += 1
            members[index].queue = []
            members[index].decoding = nil
            apply(session.handle(.memberAdded(members[index].id, share: members[index].share, estimate: CPUEstimate(cpuPerMediaSecond: 0.9)), at: now))
        case .abandon:
            apply(session.handle(.abandon(reason: "every member died"), at: now))
        }
    }

    mutating func startNext(_ index: Int) {
        guard members[index].running, members[index].decoding == nil, let next = members[index].queue.first else { return }
        members[index].decoding = next.key
        let seconds = units[next.key]!.cost / (members[index].share * members[index].speed)
        schedule(.decoded(index, epoch: members[index].epoch), after: seconds)
    }

    mutating func apply(_ directives: [StreamDirective]) {
        for directive in directives {
            switch directive {
            case .send(let key, let member, let plan):
                guard session.members.contains(member) else { violations.append("sent \(key) to \(member), not a member"); continue }
                let index = members.firstIndex { $0.id == member }!
                guard members[index].running else { continue }  // dead, not yet declared: the unit vanishes
                members[index].queue.append((key, plan))
                startNext(index)
            case .cancel(let key, let member):
                let index = members.firstIndex { $0.id == member }!
                members[index].queue.removeAll { $0.key == key }
                if members[index].decoding == key {
                    members[index].decoding = nil
                    members[index].epoch += 1
                    startNext(index)
                }
            case .emit(let unit):
                let stream = unit.key.stream
                let expected = UInt32(emitted[stream]?.count ?? 0)
                if unit.key.sequence != expected { violations.append("emitted \(unit.key), expected sequence \(expected)") }
                emitted[stream, default: []].append(unit)
            case .pauseInput:
                paused = true
            case .resumeInput:
                paused = false
                schedule(.cut(nextCut), after: 0)
            case .finished(let report):
                self.report = report
            case .forget, .report, .recalibrate:
                // The simulation's members are priced by share alone: a recalibration changes
                // no share.
                break
            }
        }
        for member in session.members where session.inFlight(at: member).count > session.configuration.dispatch.inFlightLimit {
            violations.append("\(member) holds \(session.inFlight(at: member).count) units at \(now)")
        }
        if paused == session.canAcceptUnit, !session.inputEnded { violations.append("paused \(paused) but canAcceptUnit \(session.canAcceptUnit)") }
    }
}

@Suite struct StreamSimulationTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func deathsRejoinsSlowMembersAndReorderedAnswers_everyFrameOnceInOrder_noneLost(seed: UInt64) {
        var simulation = StreamSimulation(seed: seed)
        simulation.run()
        #expect(simulation.violations.isEmpty, "seed \(seed): \(simulation.violations.prefix(5))")
        guard let report = simulation.report else {
            Issue.record("seed \(seed): the stream did not finish")
            return
        }
        for (stream, frames) in [(UInt8(0), 24), (UInt8(1), 47)] {
            let pts = (simulation.emitted[stream] ?? []).flatMap(\.frames).map(\.pts)
            #expect(pts == Array(0..<(Int64(simulation.unitsPerStream) * Int64(frames))), "seed \(seed): stream \(stream)")
        }
        #expect(report.frames.lost == 0, "seed \(seed)")
        #expect(report.complete, "seed \(seed)")
        #expect(report.units.done == 240, "seed \(seed)")
        #expect(report.units.redispatched > 0 && report.units.duplicated > 0, "seed \(seed): \(report.units)")
    }

    @Test func everyMemberDead_theAbandonedStreamStillEmitsEveryUnitOnce_andCountsTheLost() {
        var simulation = StreamSimulation(seed: 42, rejoin: false)
        simulation.run()
        #expect(simulation.violations.isEmpty, "\(simulation.violations.prefix(5))")
        guard let report = simulation.report else {
            Issue.record("the stream did not finish")
            return
        }
        #expect(report.frames.lost > 0)
        #expect(report.frames.delivered + report.frames.lost == report.frames.expected)
        for stream: UInt8 in [0, 1] {
            #expect((simulation.emitted[stream] ?? []).map(\.key.sequence) == Array(0..<UInt32(simulation.emitted[stream]?.count ?? 0)))
        }
    }

    @Test func membersAtTheirShareSpeed_shareTheWorkInProportion() {
        // Shares 1:1:5, each member exactly as fast as its share, 700 units of equal cost.
        var session = StreamSession(configuration: StreamConfiguration(pacing: .batch, window: 32))
        let shares = [(Fixture.member(1), 0.1), (Fixture.member(2), 0.1), (Fixture.member(3), 0.5)]
        for (member, share) in shares { _ = session.handle(.memberAdded(member, share: share, estimate: nil), at: .zero) }
        var done: [MemberID: Int] = [:]
        var finishing: [(at: Int64, member: MemberID, key: UnitKey)] = []
        var busyUntil: [MemberID: Int64] = [:]
        var now: Int64 = 0
        var cut: UInt32 = 0
        func handle(_ directives: [StreamDirective]) {
            for case .send(let key, let member, _) in directives {
                let share = shares.first { $0.0 == member }!.1
                let start = max(now, busyUntil[member] ?? 0)
                busyUntil[member] = start + Int64((1 / share * 1e9).rounded())
                finishing.append((busyUntil[member]!, member, key))
            }
        }
        while cut < 700 || !finishing.isEmpty {
            while cut < 700, session.canAcceptUnit {
                handle(session.handle(.unitCut(Fixture.unit(cut, frames: 1)), at: MediaInstant(nanoseconds: now)))
                cut += 1
            }
            guard let next = finishing.indices.min(by: { (finishing[$0].at, finishing[$0].member) < (finishing[$1].at, finishing[$1].member) }) else { break }
            let (at, member, key) = finishing.remove(at: next)
            now = at
            done[member, default: 0] += 1
            handle(session.handle(.result(Fixture.result(for: Fixture.unit(key.sequence, frames: 1)), from: member), at: MediaInstant(nanoseconds: now)))
        }
        #expect(done.values.reduce(0, +) == 700)
        let report = session.report(at: MediaInstant(nanoseconds: now))
        for (member, share) in shares {
            // Within 1% of 700 × share / 0.7.
            #expect(abs(Double(done[member] ?? 0) - 700 * share / 0.7) <= 7, "\(member): \(done[member] ?? 0)")
            // Always busy, each exactly as fast as its share: measured throughput = share.
            let account = report.members.first { $0.member == member.rawValue }
            #expect(abs((account?.throughput ?? 0) - share) < share * 0.01, "\(member): \(account.map(\.throughput) ?? 0)")
            #expect(account?.measuredCPUPerMediaSecond == 0.5)
        }
    }
}
