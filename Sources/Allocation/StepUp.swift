/// Raising services into free capacity, the step both the churn simulation (arrival order) and
/// the replanner (heaviest first) end with: every current level is kept, then each service in
/// `order` moves to its most valuable level that fits beside the others, if that is better.
enum StepUp {
    static func raise(_ services: [Service], _ current: [Int?], capacity: [Double], order: [Int]) -> [Int?] {
        var levels = current
        var usage = [Double](repeating: 0, count: capacity.count)
        for (service, level) in zip(services, levels) {
            if let level { for r in usage.indices { usage[r] += service.levels[level].demand[r] } }
        }
        for s in order {
            let service = services[s]
            let held = levels[s].map { service.levels[$0] }
            var best = levels[s]
            var bestValue = held?.value ?? 0
            for (l, candidate) in service.levels.enumerated() where candidate.value > bestValue {
                let fits = usage.indices.allSatisfy { r in
                    Tolerance.fits(usage[r] - (held?.demand[r] ?? 0) + candidate.demand[r], within: capacity[r])
                }
                if fits {
                    best = l
                    bestValue = candidate.value
                }
            }
            if let best, best != levels[s] {
                for r in usage.indices { usage[r] += service.levels[best].demand[r] - (held?.demand[r] ?? 0) }
                levels[s] = best
            }
        }
        return levels
    }
}
