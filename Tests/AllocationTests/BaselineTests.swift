import Allocation
import Testing

@Suite struct BaselineTests {
    let ladder = [level("HD", 0.8, 0.9, 40), level("SD", 0.5, 0.35, 20)]

    func instance(weights: [Double], cpu: Double) throws -> Instance {
        try Instance(
            capacity: [cpu, 512],
            services: weights.enumerated().map { Service(id: "s\($0)", weight: $1, levels: ladder) })
    }

    @Test func firstComeFirstServed_givesEarlyArrivalsTheirBestLevel_andLateOnesWhatIsLeft() throws {
        let solution = try instance(weights: [1, 1, 5], cpu: 1.8).solve(with: .fcfs)
        // s0 HD (0.9), s1 HD (0.9): nothing left for the heavy latecomer.
        #expect(solution.levels == [0, 0, nil])
        #expect(abs(solution.objective - 1.6) < 1e-12)
    }

    @Test func weightedAllocation_slicesCapacityByWeight_andWastesWhatASliceCannotUse() throws {
        // Slices of 1.8 cores: 0.257, 0.257, 1.286. The light ones fit nothing; the heavy one HD.
        let solution = try instance(weights: [1, 1, 5], cpu: 1.8).solve(with: .wa)
        #expect(solution.levels == [nil, nil, 0])
    }

    @Test func unweightedAllocation_slicesCapacityEqually() throws {
        // Slices of 0.6 cores: everyone SD.
        let solution = try instance(weights: [1, 1, 5], cpu: 1.8).solve(with: .ua)
        #expect(solution.levels == [1, 1, 1])
    }

    @Test func raa_admitsAtTheLowestLevels_thenRaisesTheMostEfficientAverage() throws {
        // All start at SD (1.05 cores). Average efficiency w x 0.5 / (0.35 / 1.8 + 20 / 512): the
        // heavy one first; its step to HD fits (1.6 cores); then nobody else fits HD.
        let solution = try instance(weights: [1, 1, 5], cpu: 1.8).solve(with: .raa)
        #expect(solution.levels == [1, 1, 0])
    }

    @Test func raa_dropsTheLightestServices_whenEvenTheLowestLevelsDoNotFit() throws {
        let solution = try instance(weights: [2, 1, 5, 1], cpu: 1.0).solve(with: .raa)
        // Lowest levels need 1.4 cores: the first weight-1 service (s1) goes, then 1.05 still
        // exceeds 1.0 and the other weight-1 service (s3) goes.
        #expect(solution.levels[1] == nil && solution.levels[3] == nil)
        #expect(solution.levels[0] != nil && solution.levels[2] != nil)
    }

    @Test func everyBaselineIsFeasible_onRandomInstances() {
        for seed in UInt64(0)..<500 {
            let instance = smallInstance(seed: seed)
            for algorithm in [Algorithm.fcfs, .wa, .ua, .raa] {
                expectSound(instance.solve(with: algorithm), instance, seed: seed)
            }
        }
    }

    @Test func raaWithAFinerStep_visitsEveryRungOnTheWay() throws {
        let rungs = [level("L1", 0.2, 0.1), level("L2", 0.3, 0.2), level("L3", 0.4, 0.3), level("L4", 0.9, 0.9)]
        let instance = try Instance(capacity: [0.35, 10], services: [Service(id: "a", levels: rungs.reversed())])
        // From L1 (0.2) a step of 0.1 targets 0.3: L2, then L3; L4 does not fit.
        let solution = RAASolver(step: 0.1).solve(instance)
        #expect(solution.levels == [1])
    }
}
