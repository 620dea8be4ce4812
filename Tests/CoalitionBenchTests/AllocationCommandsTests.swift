import ArgumentParser
import Testing

@testable import coalition_bench

@Suite struct AllocationCommandsTests {
    @Test func theAllocationBench_parsesItsSizes_andRefusesAbsurdOnes() throws {
        let bench = try #require(try CoalitionBench.parseAsRoot(["allocation", "--sizes", "10,100", "--instances", "5"]) as? BenchAllocationCommand)
        #expect(bench.sizes == [10, 100] && bench.instances == 5 && bench.epsilon == [0.1, 0.3])
        #expect(throws: (any Error).self) { try CoalitionBench.parseAsRoot(["allocation", "--sizes", "0"]) }
        #expect(throws: (any Error).self) { try CoalitionBench.parseAsRoot(["allocation", "--epsilon", "1.5"]) }
    }

    @Test func theSimulation_defaultsToTheGatewaySettings() throws {
        let simulate = try #require(try CoalitionBench.parseAsRoot(["simulate"]) as? BenchSimulateCommand)
        #expect(simulate.rates == [1, 2, 3, 4, 5] && simulate.lifetime == [1, 10] && simulate.minutes == 30)
        #expect(simulate.epsilon == 0.1 && simulate.step == 0.1 && !simulate.continuous)
        #expect(simulate.algorithms().map(\.name) == ["exact", "fptas(0.1)", "greedy", "raa", "wa", "ua", "fcfs", "bounded"])
        #expect(throws: (any Error).self) { try CoalitionBench.parseAsRoot(["simulate", "--lifetime", "10,1"]) }
    }

    @Test func aSmallMeasurement_hasARowPerAlgorithm_andExactIsItsOwnAnchor() throws {
        let bench = try #require(try CoalitionBench.parseAsRoot(["allocation", "--instances", "3"]) as? BenchAllocationCommand)
        let figures = bench.measure(services: 12)
        #expect(figures.instances == 3)
        #expect(figures.rows.map(\.algorithm) == ["exact", "fptas(0.1)", "fptas(0.3)", "greedy", "raa", "wa", "ua", "fcfs"])
        #expect(figures.rows[0].meanOfExact == 1)
        #expect(figures.rows.allSatisfy { $0.worstOfExact <= 1 + 1e-9 })
        #expect(figures.rows[1].worstOfExact >= 0.9 - 1e-9)
    }
}
