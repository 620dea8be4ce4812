import Allocation
import Testing

@Suite struct LadderShapeTests {
    @Test func shufflingTheLadders_changesNoObjective_ofExactWAAndUA() throws {
        for seed in UInt64(0)..<200 {
            let instance = smallInstance(seed: seed)
            var random = SplitMix64(seed: seed ^ 0xABCDEF)
            let shuffled = try Instance(
                resources: instance.resources, capacity: instance.capacity,
                services: instance.services.map { Service(id: $0.id, weight: $0.weight, levels: $0.levels.shuffled(using: &random)) })
            for algorithm in [Algorithm.exact, .wa, .ua] {
                let a = instance.solve(with: algorithm).objective
                let b = shuffled.solve(with: algorithm).objective
                #expect(abs(a - b) <= 1e-9 * max(1, a), "seed \(seed): \(algorithm) \(a) vs \(b)")
            }
        }
    }

    @Test func dominatedEqualAndZeroDemandLevels_areHandledByEveryAlgorithm() throws {
        let ladder = [
            level("free", 0.2, 0, 0),  // zero demand: always worth taking
            level("HD", 0.8, 0.9, 40),
            level("HD-bloated", 0.8, 1.2, 60),  // same value, more demand: dominated
            level("worse", 0.1, 0.5, 30),  // less value than "free" at a cost: dominated
            level("nothing", 0, 0.1, 1),  // value 0: never chosen
            level("SD", 0.5, 0.35, 20),
        ]
        let instance = try Instance(
            capacity: [1.0, 512],
            services: (0..<3).map { Service(id: "s\($0)", weight: Double($0 + 1), levels: ladder) })
        for algorithm in Algorithm.allCases {
            let solution = instance.solve(with: algorithm)
            expectSound(solution, instance, seed: 0)
            for choice in solution.levels.compactMap({ $0 }) {
                #expect(![2, 3, 4].contains(choice), "\(algorithm) chose \(ladder[choice].name)")
            }
        }
        // The optimum: the heaviest at HD (0.9 cores), the others free.
        let exact = ExactSolver().solve(instance)
        #expect(exact.levels == [0, 0, 1])
        #expect(abs(exact.objective - (0.2 + 0.4 + 2.4)) < 1e-12)
    }

    @Test func irregularLaddersOfSixtyServices_areSolvedOptimally() {
        for seed in UInt64(100)..<105 {
            let instance = mediumInstance(seed: seed, services: 60, irregular: true)
            let exact = ExactSolver().solve(instance)
            expectSound(exact, instance, seed: seed)
            #expect(exact.guarantee == .optimal, "seed \(seed)")
        }
    }
}
