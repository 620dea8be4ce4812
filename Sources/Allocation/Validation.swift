/// Feasibility, in one place, so that every solver and the validator agree: a total fits a
/// capacity when it exceeds it by no more than 1e-9 of it (or 1e-12 absolute), which absorbs the
/// rounding of adding demands in different orders.
enum Tolerance {
    static func slack(_ capacity: Double) -> Double { max(capacity * 1e-9, 1e-12) }

    static func fits(_ total: Double, within capacity: Double) -> Bool { total <= capacity + slack(capacity) }

    /// Objective comparisons: bounds within this of the incumbent do not count as better.
    static func objective(_ scale: Double) -> Double { max(scale, 1) * 1e-9 }
}

/// The recomputed facts of a choice of levels, independent of any solver.
public struct Check: Hashable, Sendable {
    /// The sum of `weight x value` over the served services.
    public var objective: Double
    /// The total demand per resource.
    public var usage: [Double]
    /// Everything wrong with the choice, as sentences; empty when it is feasible.
    public var faults: [String]

    public var isFeasible: Bool { faults.isEmpty }
}

extension Instance {
    /// Recomputes the objective and the usage of `levels` (one entry per service, nil = not
    /// served) and lists what is wrong: a wrong count, an index out of a ladder, or a resource
    /// over capacity.
    public func check(_ levels: [Int?]) -> Check {
        var faults: [String] = []
        var usage = [Double](repeating: 0, count: dimensions)
        var objective = 0.0
        if levels.count != services.count {
            faults.append("\(levels.count) choices for \(services.count) services")
        }
        for (s, choice) in zip(services.indices, levels) {
            guard let choice else { continue }
            let service = services[s]
            guard service.levels.indices.contains(choice) else {
                faults.append("services[\(s)] has no level \(choice)")
                continue
            }
            let level = service.levels[choice]
            objective += service.weight * level.value
            for r in 0..<dimensions { usage[r] += level.demand[r] }
        }
        for r in 0..<dimensions where !Tolerance.fits(usage[r], within: capacity[r]) {
            faults.append("\(resources[r].name): \(usage[r]) \(resources[r].unit) used of \(capacity[r])")
        }
        return Check(objective: objective, usage: usage, faults: faults)
    }

    /// The objective of `levels` if they are feasible, nil otherwise.
    public func objective(of levels: [Int?]) -> Double? {
        let check = check(levels)
        return check.isFeasible ? check.objective : nil
    }
}
