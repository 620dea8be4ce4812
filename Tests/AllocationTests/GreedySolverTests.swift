import Allocation
import Testing

@Suite struct GreedySolverTests {
    @Test func greedyIsWithinItsBound_andItsBoundIsAboveTheOptimum() {
        for seed in UInt64(0)..<1000 {
            let instance = smallInstance(seed: seed)
            let greedy = GreedySolver().solve(instance)
            let optimum = bruteForce(instance)
            expectSound(greedy, instance, seed: seed)
            #expect(atLeast(optimum, greedy.objective), "seed \(seed)")
            #expect(atLeast(greedy.upperBound!, optimum), "seed \(seed): bound \(greedy.upperBound!) < optimum \(optimum)")
        }
    }

    @Test func greedyIsAtLeastHalfTheOptimum_onOneResource() {
        for seed in UInt64(0)..<1000 {
            let instance = smallInstance(seed: seed, dimensions: 1)
            let greedy = GreedySolver().solve(instance)
            #expect(atLeast(greedy.objective, bruteForce(instance) / 2), "seed \(seed)")
        }
    }

    @Test func greedyTakesTheBestSingleLevel_whenTheEfficientOnesBlockIt() throws {
        let instance = try Instance(
            resources: [.cpu], capacity: [1],
            services: [
                Service(id: "small", levels: [Level(name: "S", value: 0.15, demand: [0.1])]),
                Service(id: "big", levels: [Level(name: "B", value: 1, demand: [1])]),
            ])
        let greedy = GreedySolver().solve(instance)
        #expect(greedy.levels == [nil, 0])
        #expect(greedy.objective == 1)
        #expect(abs(greedy.upperBound! - 1.05) < 1e-12)
    }

    @Test func everyAnswerCarriesItsGap() {
        let instance = mediumInstance(seed: 7, services: 100)
        let greedy = GreedySolver().solve(instance)
        let gap = greedy.relativeGap!
        #expect(gap >= 0 && gap < 0.05)
    }
}
