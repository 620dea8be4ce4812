import Allocation
import Testing

@Suite struct ExactSolverTests {
    @Test func exactEqualsBruteForce_onThreeThousandSmallRandomInstances() {
        for seed in UInt64(0)..<3000 {
            let instance = smallInstance(seed: seed)
            let solution = ExactSolver().solve(instance)
            let optimum = bruteForce(instance)
            expectSound(solution, instance, seed: seed)
            #expect(solution.guarantee == .optimal, "seed \(seed)")
            guard abs(solution.objective - optimum) <= 1e-7 * max(1, optimum) else {
                Issue.record("seed \(seed): exact \(solution.objective), brute force \(optimum)")
                return
            }
        }
    }

    @Test func theHeavyServiceGetsHD_andTheLightOnesStepDown() throws {
        // Room for two HD streams: the weight-5 service takes HD, the others share what is left.
        let ladder = [level("HD", 0.8, 0.9, 40), level("SD", 0.5, 0.35, 20)]
        let instance = try Instance(
            capacity: [1.8, 512],
            services: [
                Service(id: "a", weight: 1, levels: ladder), Service(id: "b", weight: 1, levels: ladder),
                Service(id: "c", weight: 5, levels: ladder),
            ])
        let solution = ExactSolver().solve(instance)
        #expect(solution.levels == [1, 1, 0])
        #expect(abs(solution.objective - (0.5 + 0.5 + 4.0)) < 1e-12)
    }

    @Test func aTinyNodeBudget_endsWithTheBestFoundAndAValidBound() {
        var exhausted = 0
        for seed in UInt64(0)..<15 {
            let instance = mediumInstance(seed: seed, services: 60)
            let optimum = ExactSolver().solve(instance)
            let limited = ExactSolver(nodeLimit: 1).solve(instance)
            expectSound(limited, instance, seed: seed)
            if limited.guarantee == .budgetExhausted {
                exhausted += 1
                #expect(atLeast(limited.upperBound!, optimum.objective), "seed \(seed)")
            } else {
                #expect(abs(limited.objective - optimum.objective) <= 1e-7 * optimum.objective, "seed \(seed)")
            }
        }
        #expect(exhausted > 0)
    }

    @Test func onHundredServiceInstances_exactIsOptimalAndBeatsEveryOtherAlgorithm() {
        for seed in UInt64(0)..<8 {
            let instance = mediumInstance(seed: seed, services: 100, irregular: seed % 2 == 1)
            let exact = ExactSolver().solve(instance)
            expectSound(exact, instance, seed: seed)
            #expect(exact.guarantee == .optimal, "seed \(seed)")
            for algorithm in Algorithm.allCases where algorithm != .exact {
                let other = instance.solve(with: algorithm, epsilon: 0.05)
                #expect(atLeast(exact.objective, other.objective), "seed \(seed): \(algorithm) beats exact")
                if let bound = other.upperBound { #expect(atLeast(bound, exact.objective), "seed \(seed): \(algorithm) bound") }
            }
        }
    }

    @Test func noServices_orNothingFits_givesAnEmptyOptimalAnswer() throws {
        let empty = try Instance(capacity: [1, 1], services: [])
        #expect(ExactSolver().solve(empty).levels == [])
        let tooBig = try Instance(capacity: [0.1, 10], services: [Service(id: "a", levels: [level("HD", 1, 0.9, 1)])])
        let solution = ExactSolver().solve(tooBig)
        #expect(solution.levels == [nil])
        #expect(solution.objective == 0)
        #expect(solution.guarantee == .optimal)
    }
}
