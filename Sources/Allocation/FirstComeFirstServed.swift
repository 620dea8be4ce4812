/// First come, first served: what the coalition does today. Services are taken in arrival
/// order (the instance's order); each takes the most valuable of its levels that still fits in
/// what the earlier ones left (equal values: the one needing the least capacity, as a sum of
/// fractions of each resource's capacity), or is not served. Nobody ever steps down for a
/// later arrival. No bound, no guarantee beyond feasibility. Time O(N d) for N levels.
public struct FirstComeFirstServedSolver: Sendable {
    public init() {}

    public func solve(_ instance: Instance) -> Solution {
        let prepared = Prepared(instance)
        let normalised = prepared.capacityNormalised
        var usage = [Double](repeating: 0, count: prepared.dimensions)
        var choice = [Int?](repeating: nil, count: prepared.serviceCount)
        for s in 0..<prepared.serviceCount {
            let fitting = prepared.options(of: s).filter { prepared.fits($0, replacing: nil, usage: usage) }
            guard let best = fitting.max(by: { better($1, than: $0, prepared, normalised) }) else { continue }
            prepared.apply(best, sign: 1, to: &usage)
            choice[s] = best
        }
        return prepared.solution(choice, in: instance, upperBound: nil, guarantee: .heuristic, algorithm: .fcfs)
    }
}

/// Higher profit wins; equal profit: the smaller normalised demand wins.
func better(_ a: Int, than b: Int, _ prepared: Prepared, _ normalised: [Double]) -> Bool {
    if prepared.profit[a] != prepared.profit[b] { return prepared.profit[a] > prepared.profit[b] }
    return prepared.aggregate(a, normalised) < prepared.aggregate(b, normalised)
}
