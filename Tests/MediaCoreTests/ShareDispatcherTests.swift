import MediaCore
import MembershipCore
import Testing

@Suite struct ShareDispatcherTests {
    static func ready(_ sequence: Int, cost: Double = 1) -> ShareDispatcher.ReadyUnit {
        .init(key: UnitKey(stream: 0, sequence: UInt32(sequence)), cost: cost)
    }

    @Test func sharesOneOneFive_700Units_eachWithinOneOfProportional() {
        var dispatcher = ShareDispatcher(configuration: .init(inFlightLimit: 1_000))
        let (a, b, c) = (Fixture.member(1), Fixture.member(2), Fixture.member(3))
        dispatcher.addMember(a, share: 0.1)
        dispatcher.addMember(b, share: 0.1)
        dispatcher.addMember(c, share: 0.5)
        for sequence in 0..<700 { dispatcher.enqueue(Self.ready(sequence)) }
        var counts: [MemberID: Int] = [:]
        // Within 2 after every prefix of the dispatch order, exact at the end.
        for (index, assignment) in dispatcher.dispatch(at: .zero).enumerated() {
            counts[assignment.member, default: 0] += 1
            let total = Double(index + 1)
            #expect(abs(Double(counts[a] ?? 0) - total / 7) < 2)
            #expect(abs(Double(counts[c] ?? 0) - total * 5 / 7) < 2)
        }
        #expect(counts == [a: 100, b: 100, c: 500])
    }

    @Test func aUnitOfTwiceTheCostCountsTwice() {
        var dispatcher = ShareDispatcher(configuration: .init(inFlightLimit: 1_000))
        let (a, b) = (Fixture.member(1), Fixture.member(2))
        dispatcher.addMember(a, share: 0.5)
        dispatcher.addMember(b, share: 0.5)
        for sequence in 0..<300 { dispatcher.enqueue(Self.ready(sequence, cost: sequence % 3 == 0 ? 2 : 1)) }
        var cost: [MemberID: Double] = [:]
        for assignment in dispatcher.dispatch(at: .zero) {
            cost[assignment.member, default: 0] += assignment.key.sequence % 3 == 0 ? 2 : 1
        }
        #expect(abs(cost[a]! - cost[b]!) <= 2)
    }

    @Test func inFlightBound_holdsAndAFreedSlotIsRefilled() {
        var dispatcher = ShareDispatcher()
        let members = (1...3).map(Fixture.member)
        for member in members { dispatcher.addMember(member, share: 0.4) }
        for sequence in 0..<20 { dispatcher.enqueue(Self.ready(sequence)) }
        #expect(dispatcher.dispatch(at: .zero).count == 6)
        for member in members { #expect(dispatcher.inFlight(at: member).count == 2) }
        #expect(dispatcher.dispatch(at: .zero).isEmpty)

        let head = dispatcher.inFlight(at: members[1])[0].key
        _ = dispatcher.finish(head, except: members[1], now: Fixture.at(1))
        let next = dispatcher.dispatch(at: Fixture.at(1))
        #expect(next.map(\.member) == [members[1]])
        #expect(next.map(\.key.sequence) == [6])
    }

    @Test func aMemberLost_givesItsUnitsBackToTheFrontInOrder() {
        var dispatcher = ShareDispatcher()
        let (a, b) = (Fixture.member(1), Fixture.member(2))
        dispatcher.addMember(a, share: 0.5)
        dispatcher.addMember(b, share: 0.5)
        for sequence in 0..<6 { dispatcher.enqueue(Self.ready(sequence)) }
        _ = dispatcher.dispatch(at: .zero)
        let held = dispatcher.inFlight(at: a).map(\.key)
        #expect(dispatcher.removeMember(a, at: Fixture.at(1)) == held.sorted())
        #expect(Array(dispatcher.ready.prefix(2).map(\.key)) == held.sorted())
        #expect(dispatcher.ready.count == 4)
    }

    @Test func aNewcomer_sharesFromItsArrival_notUntilItCaughtUp() {
        var dispatcher = ShareDispatcher(configuration: .init(inFlightLimit: 1_000))
        let (a, b) = (Fixture.member(1), Fixture.member(2))
        dispatcher.addMember(a, share: 0.5)
        for sequence in 0..<100 { dispatcher.enqueue(Self.ready(sequence)) }
        _ = dispatcher.dispatch(at: .zero)
        dispatcher.addMember(b, share: 0.5)
        for sequence in 100..<110 { dispatcher.enqueue(Self.ready(sequence)) }
        let counts = Dictionary(grouping: dispatcher.dispatch(at: .zero), by: \.member).mapValues(\.count)
        #expect(counts == [a: 5, b: 5])
    }

    @Test func aFailedUnit_avoidsItsMember_whileAnotherExists() {
        var dispatcher = ShareDispatcher()
        let (a, b) = (Fixture.member(1), Fixture.member(2))
        dispatcher.addMember(a, share: 0.9)
        dispatcher.addMember(b, share: 0.1)
        dispatcher.requeueAtFront([.init(key: UnitKey(stream: 0, sequence: 0), cost: 1, avoid: [a])])
        #expect(dispatcher.dispatch(at: .zero).map(\.member) == [b])

        var alone = ShareDispatcher()
        alone.addMember(a, share: 0.9)
        alone.requeueAtFront([.init(key: UnitKey(stream: 0, sequence: 0), cost: 1, avoid: [a])])
        #expect(alone.dispatch(at: .zero).map(\.member) == [a])
    }

    @Test func aLateHead_isOverdueAfterThreeTimesItsExpectedTime_orTheFloor() {
        let configuration = StreamConfiguration()
        #expect(configuration.stallBound(cost: 1, share: 0.5) == .seconds(6))
        #expect(configuration.stallBound(cost: 0.1, share: 1) == .seconds(1))
        var dispatcher = ShareDispatcher()
        let a = Fixture.member(1)
        dispatcher.addMember(a, share: 0.5)
        dispatcher.enqueue(Self.ready(0))
        dispatcher.enqueue(Self.ready(1))
        _ = dispatcher.dispatch(at: .zero)
        let bound = { (unit: ShareDispatcher.InFlightUnit, share: Double) in configuration.stallBound(cost: unit.cost, share: share) }
        #expect(dispatcher.overdue(at: Fixture.at(6), bound: bound).isEmpty)
        #expect(dispatcher.overdue(at: Fixture.at(6.000_000_001), bound: bound).map(\.member) == [a])
        #expect(dispatcher.markBehind(a, now: Fixture.at(6.1)) == [UnitKey(stream: 0, sequence: 1)])
        #expect(dispatcher.isBehind(a))
        #expect(dispatcher.overdue(at: Fixture.at(60), bound: bound).isEmpty)
    }

    @Test func aShareChange_isFollowedFromThenOn() {
        var dispatcher = ShareDispatcher(configuration: .init(inFlightLimit: 1_000))
        let (a, b) = (Fixture.member(1), Fixture.member(2))
        dispatcher.addMember(a, share: 0.5)
        dispatcher.addMember(b, share: 0.5)
        for sequence in 0..<10 { dispatcher.enqueue(Self.ready(sequence)) }
        #expect(Dictionary(grouping: dispatcher.dispatch(at: .zero), by: \.member).mapValues(\.count) == [a: 5, b: 5])
        dispatcher.setShare(0.1, of: a)
        for sequence in 10..<70 { dispatcher.enqueue(Self.ready(sequence)) }
        #expect(Dictionary(grouping: dispatcher.dispatch(at: .zero), by: \.member).mapValues(\.count) == [a: 10, b: 50])
    }

    @Test func suspensions_doubleUntilTheMemberAnswersFirst_andAreCapped() {
        var dispatcher = ShareDispatcher()
        let a = Fixture.member(1)
        dispatcher.addMember(a, share: 0.5)
        func suspend(at seconds: Double) -> Duration {
            dispatcher.suspend(a, at: Fixture.at(seconds), initial: .seconds(5), maximum: .seconds(12))
        }
        #expect(suspend(at: 0) == .seconds(5))
        #expect(dispatcher.suspension(of: a, at: Fixture.at(4.9)) == Fixture.at(5))
        #expect(dispatcher.suspension(of: a, at: Fixture.at(5)) == nil)
        dispatcher.enqueue(Self.ready(0))
        #expect(dispatcher.dispatch(at: Fixture.at(4.9)).isEmpty)
        #expect(dispatcher.dispatch(at: Fixture.at(5)).map(\.member) == [a])
        #expect(suspend(at: 10) == .seconds(10))
        #expect(suspend(at: 30) == .seconds(12))
        dispatcher.forgetSuspensions(of: a)
        #expect(suspend(at: 50) == .seconds(5))
    }
}
