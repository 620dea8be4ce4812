import Allocation
import Testing

@Suite struct FPTASSolverTests {
    @Test(arguments: [0.5, 0.25, 0.1, 0.02])
    func fptasIsWithinOneMinusEpsilonOfExact_onOneResource(epsilon: Double) {
        for seed in UInt64(0)..<250 {
            let instance = smallInstance(seed: seed, dimensions: 1)
            expectWithinEpsilon(instance, epsilon: epsilon, seed: seed)
        }
        for seed in UInt64(0)..<6 {
            expectWithinEpsilon(mediumInstance(seed: seed, services: 40, dimensions: 1), epsilon: epsilon, seed: seed)
        }
    }

    @Test(arguments: [0.5, 0.1, 0.02])
    func fptasIsWithinOneMinusEpsilonOfExact_onSeveralResources(epsilon: Double) {
        for seed in UInt64(0)..<250 {
            expectWithinEpsilon(smallInstance(seed: seed), epsilon: epsilon, seed: seed)
        }
        for seed in UInt64(0)..<6 {
            expectWithinEpsilon(mediumInstance(seed: seed, services: 40, irregular: true), epsilon: epsilon, seed: seed)
        }
    }

    @Test func aCoarseEpsilon_stillKeepsItsPromiseWhereGreedyIsPoor() throws {
        // Greedy takes the efficient small level and then cannot fit the big one: half the optimum.
        let instance = try Instance(
            resources: [.cpu], capacity: [1],
            services: [
                Service(id: "small", levels: [Level(name: "S", value: 0.1, demand: [0.1])]),
                Service(id: "big", levels: [Level(name: "B", value: 1, demand: [1])]),
                Service(id: "half", levels: [Level(name: "H", value: 0.5, demand: [0.5])]),
            ])
        let solution = FPTASSolver(epsilon: 0.3).solve(instance)
        #expect(solution.objective >= 0.7 * 1.0)
        #expect(solution.guarantee == .approximate(epsilon: 0.3))
    }

    private func expectWithinEpsilon(_ instance: Instance, epsilon: Double, seed: UInt64) {
        let exact = ExactSolver().solve(instance)
        let fptas = FPTASSolver(epsilon: epsilon).solve(instance)
        expectSound(fptas, instance, seed: seed)
        #expect(fptas.guarantee == .approximate(epsilon: epsilon), "seed \(seed)")
        #expect(atLeast(fptas.objective, (1 - epsilon) * exact.objective), "seed \(seed): \(fptas.objective) < (1 - \(epsilon)) x \(exact.objective)")
        #expect(atLeast(fptas.upperBound!, exact.objective), "seed \(seed): bound \(fptas.upperBound!) < optimum \(exact.objective)")
    }
}
