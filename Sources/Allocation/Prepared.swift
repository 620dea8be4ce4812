/// The instance as the solvers see it: per service, only the levels worth considering
/// ("options"): value > 0 (a level of value 0 is never better than not serving) and fitting the
/// capacity on its own. Profits are `weight x value`. Flat arrays, for speed.
struct Prepared: Sendable {
    let dimensions: Int
    let capacity: [Double]
    let serviceCount: Int
    /// Options of service s are `optionStart[s] ..< optionStart[s + 1]`.
    private(set) var optionStart: [Int]
    /// The level index in the instance's ladder, per option.
    private(set) var level: [Int]
    /// `weight x value`, per option; > 0.
    private(set) var profit: [Double]
    /// Demands, `dimensions` per option.
    private(set) var demand: [Double]
    /// The sum of all weights: the scale of objectives, for tolerances.
    let weightSum: Double

    init(_ instance: Instance) {
        dimensions = instance.dimensions
        capacity = instance.capacity
        serviceCount = instance.services.count
        optionStart = [0]
        level = []
        profit = []
        demand = []
        var weights = 0.0
        let capacity = instance.capacity
        for service in instance.services {
            weights += service.weight
            for (l, candidate) in service.levels.enumerated() where candidate.value > 0 {
                let fits = zip(candidate.demand, capacity).allSatisfy { Tolerance.fits($0, within: $1) }
                guard fits else { continue }
                level.append(l)
                profit.append(service.weight * candidate.value)
                demand.append(contentsOf: candidate.demand)
            }
            optionStart.append(level.count)
        }
        weightSum = weights
    }

    func options(of service: Int) -> Range<Int> { optionStart[service]..<optionStart[service + 1] }

    var optionCount: Int { level.count }

    @inline(__always) func demand(_ option: Int, _ resource: Int) -> Double { demand[option * dimensions + resource] }

    /// Sum of `multipliers[r] x demand[r]`: the option's demand on one surrogate resource.
    func aggregate(_ option: Int, _ multipliers: [Double]) -> Double {
        var total = 0.0
        for r in 0..<dimensions { total += multipliers[r] * demand[option * dimensions + r] }
        return total
    }

    /// 1 / capacity per resource (0 where the capacity is 0: every option's demand there is 0).
    var capacityNormalised: [Double] { capacity.map { $0 > 0 ? 1 / $0 : 0 } }

    /// Whether `option` fits beside `usage` after giving back `released` (an option or nil).
    func fits(_ option: Int, replacing released: Int?, usage: [Double]) -> Bool {
        for r in 0..<dimensions {
            var total = usage[r] + demand(option, r)
            if let released { total -= demand(released, r) }
            if !Tolerance.fits(total, within: capacity[r]) { return false }
        }
        return true
    }

    /// Adds `sign x demand(option)` to `usage`.
    func apply(_ option: Int, sign: Double, to usage: inout [Double]) {
        for r in 0..<dimensions { usage[r] += sign * demand(option, r) }
    }

    /// The total profit of a choice (an option or nil per service).
    func value(of choice: [Int?]) -> Double { choice.reduce(0.0) { $0 + ($1.map { profit[$0] } ?? 0) } }

    /// The best single option: the most profitable one (every option fits alone), or nil.
    var bestSingle: Int? { profit.indices.max { profit[$0] < profit[$1] } }

    /// The service an option belongs to (binary search).
    func service(of option: Int) -> Int {
        var low = 0
        var high = serviceCount
        while high - low > 1 {
            let middle = (low + high) / 2
            if optionStart[middle] <= option { low = middle } else { high = middle }
        }
        return low
    }

    /// A `Solution` choosing `options` (per service, an option or nil), its objective recomputed.
    func solution(
        _ options: [Int?], in instance: Instance, upperBound: Double?, guarantee: Guarantee, algorithm: Algorithm,
        work: Int = 0
    ) -> Solution {
        let levels = options.map { $0.map { level[$0] } }
        let objective = instance.check(levels).objective
        return Solution(
            levels: levels, objective: objective, upperBound: upperBound.map { max($0, objective) },
            guarantee: guarantee, algorithm: algorithm, work: work)
    }
}
