import Allocation
import Profiler

/// One size's figures: per algorithm, its times and its objectives as fractions of the exact
/// solver's on the same instances (the anchor, run in the same process on the same instances).
struct SolverFigures: Codable, Equatable {
    struct Row: Codable, Equatable {
        /// `exact`, `fptas(0.1)`, `greedy`, ...
        var algorithm: String
        var p50Millis: Double
        var p99Millis: Double
        var maxMillis: Double
        /// Mean over instances of objective / exact objective (1 = always optimal).
        var meanOfExact: Double
        /// The smallest objective / exact objective seen.
        var worstOfExact: Double
        /// Mean of (bound - objective) / bound, for the algorithms that print a bound.
        var meanBoundGap: Double?
    }

    var services: Int
    var levels: Int
    var instances: Int
    var seed: UInt64
    var rows: [Row]

    /// Builds the figures from per-algorithm samples: `millis[a][i]`, `objectives[a][i]`,
    /// `gaps[a][i]` (nil without a bound); `exact` names the anchor's key.
    init(
        services: Int, levels: Int, seed: UInt64, order: [String], millis: [String: [Double]], objectives: [String: [Double]],
        gaps: [String: [Double?]], exact: String = "exact"
    ) {
        self.services = services
        self.levels = levels
        self.seed = seed
        let anchor = objectives[exact] ?? []
        instances = anchor.count
        rows = order.map { name in
            let times = (millis[name] ?? []).sorted()
            let ratios = zip(objectives[name] ?? [], anchor).map { $1 > 0 ? $0 / $1 : 1 }
            let bounded = (gaps[name] ?? []).compactMap { $0 }
            return Row(
                algorithm: name, p50Millis: Percentiles.nearestRank(50, of: times),
                p99Millis: Percentiles.nearestRank(99, of: times), maxMillis: times.last ?? 0,
                meanOfExact: ratios.isEmpty ? 0 : ratios.reduce(0, +) / Double(ratios.count),
                worstOfExact: ratios.min() ?? 0,
                meanBoundGap: bounded.isEmpty ? nil : bounded.reduce(0, +) / Double(bounded.count))
        }
    }

    /// The table `coalition-bench allocation` prints for this size.
    var table: String {
        var lines = [
            "allocation: \(services) services x \(levels) levels x 2 resources, \(instances) seeded instances (seed \(seed)); anchor: exact",
            "  algorithm      p50 ms    p99 ms    max ms   mean/exact  worst/exact  bound gap",
        ]
        for row in rows {
            lines.append(
                "  " + row.algorithm.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + fixed(row.p50Millis, 10, 3) + fixed(row.p99Millis, 10, 3) + fixed(row.maxMillis, 10, 3)
                    + fixed(row.meanOfExact, 13, 4) + fixed(row.worstOfExact, 13, 4)
                    + (row.meanBoundGap.map { fixed($0 * 100, 10, 2) + "%" } ?? "         -"))
        }
        return lines.joined(separator: "\n")
    }

    private func fixed(_ value: Double, _ width: Int, _ places: Int) -> String {
        let text = String(format: "%.\(places)f", value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
