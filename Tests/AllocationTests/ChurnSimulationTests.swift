@testable import Allocation
import Foundation
import Testing

@Suite struct ChurnSimulationTests {
    /// HD (0.8, 0.9 cores) or SD (0.5, 0.35 cores), memory 10 MiB either way.
    func service(_ id: String, weight: Double) -> Service {
        Service(
            id: id, weight: weight,
            levels: [Level(name: "HD", value: 0.8, demand: [0.9, 10]), Level(name: "SD", value: 0.5, demand: [0.35, 10])])
    }

    var arrivals: [Arrival] {
        [Arrival(minute: 0, departure: 3, service: service("a", weight: 1)), Arrival(minute: 1, departure: 5, service: service("b", weight: 5))]
    }

    @Test func replanning_givesTheHeavierArrivalTheCapacity_andCountsThePreemption() {
        let simulation = ChurnSimulation(capacity: [1, 100])
        let report = simulation.run(arrivals, until: 5, planner: .replan) { ExactSolver().solve($0) }
        #expect(report.admitted == 2 && report.rejected == 0 && report.preempted == 1 && report.steppedDown == 0)
        #expect(report.plans == 3)
        // [0, 1): a alone at HD; [1, 3): b at HD, a waits (4 of 4.8); [3, 5): b alone at HD.
        #expect(abs(report.meanQoS - (1 + 2 * 4 / 4.8 + 2) / 5) < 1e-12)
        #expect(report.timeline.map(\.minute) == [0, 1, 3])
    }

    @Test func firstComeFirstServed_neverStepsDown_andUpgradesWhenCapacityFrees() {
        let simulation = ChurnSimulation(capacity: [1, 100])
        let report = simulation.run(arrivals, until: 5, planner: .firstComeFirstServed)
        #expect(report.admitted == 1 && report.rejected == 1 && report.preempted == 0 && report.steppedDown == 0)
        // [1, 3): a at HD, b waits (0.8 of 4.8); at 3 b is served at HD.
        #expect(abs(report.meanQoS - (1 + 2 * 0.8 / 4.8 + 2) / 5) < 1e-12)
        #expect(report.timeline.last?.qos == 1)
    }

    @Test func aDepartureAtTheSameInstant_freesItsCapacityBeforeTheArrivalTakesIt() {
        let simulation = ChurnSimulation(capacity: [1, 100])
        let back = [Arrival(minute: 0, departure: 2, service: service("a", weight: 1)), Arrival(minute: 2, departure: 4, service: service("b", weight: 1))]
        let report = simulation.run(back, until: 4, planner: .firstComeFirstServed)
        #expect(report.admitted == 2 && report.rejected == 0 && report.meanQoS == 1)
    }

    @Test func aSteppedDownService_isCounted() {
        let simulation = ChurnSimulation(capacity: [1, 100])
        // a at HD alone; b (same weight) arrives: both at SD (0.7 cores, 1.0) beats one at HD (0.8).
        let both = [Arrival(minute: 0, departure: 9, service: service("a", weight: 1)), Arrival(minute: 1, departure: 9, service: service("b", weight: 1))]
        let report = simulation.run(both, until: 2, planner: .replan) { ExactSolver().solve($0) }
        #expect(report.steppedDown == 1 && report.preempted == 0 && report.admitted == 2)
    }

    @Test func theWorkload_replaysFromItsSeed_andArrivesAtItsRate() {
        let workload = Workload(requestsPerMinute: 3, lifetimeMinutes: 1...10, durationMinutes: 10_000)
        func make(_ seed: UInt64) -> [Arrival] {
            var random = SplitMix64(seed: seed)
            return workload.arrivals(using: &random) { i, _ in Service(id: "s\(i)", levels: [Level(name: "L", value: 1, demand: [0, 0])]) }
        }
        let first = make(7)
        #expect(first == make(7))
        #expect(first != make(8))
        #expect(abs(Double(first.count) / 10_000 - 3) < 0.1, "rate \(Double(first.count) / 10_000)")
        #expect(first.allSatisfy { (1...10).contains($0.departure - $0.minute) })
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.minute <= $1.minute })
        let meanLifetime = first.reduce(0) { $0 + $1.departure - $1.minute } / Double(first.count)
        #expect(abs(meanLifetime - 5.5) < 0.1)
    }

    @Test func wholeMinutes_arriveOnTheMinute_withWholeLifetimes_asTheSeedsGenerator() {
        let workload = Workload(requestsPerMinute: 2, lifetimeMinutes: 1...10, durationMinutes: 5_000, wholeMinutes: true)
        var random = SplitMix64(seed: 11)
        let arrivals = workload.arrivals(using: &random) { i, _ in Service(id: "s\(i)", levels: [Level(name: "L", value: 1, demand: [0, 0])]) }
        #expect(arrivals.allSatisfy { $0.minute == $0.minute.rounded() && $0.departure == $0.departure.rounded() })
        #expect(Set(arrivals.map { $0.departure - $0.minute }) == Set((1...10).map(Double.init)))
        // Poisson counts per minute: mean and variance both about 2.
        var counts = [Int](repeating: 0, count: 5_000)
        for arrival in arrivals { counts[Int(arrival.minute)] += 1 }
        let mean = Double(counts.reduce(0, +)) / 5_000
        let variance = counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 5_000
        #expect(abs(mean - 2) < 0.1 && abs(variance - 2) < 0.2, "mean \(mean) variance \(variance)")
    }

    @Test func theLogarithm_isAccurate() {
        for x in [1e-300, 1e-9, 0.001, 0.5, 1, 2, 2.718281828459045, 10, 12345.678, 1e300] {
            #expect(abs(Workload.log(x) - Foundation.log(x)) <= 1e-14 * max(1, abs(Foundation.log(x))), "log(\(x))")
        }
    }
}
