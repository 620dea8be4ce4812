import Allocation
import Foundation

/// What `node allocate` prints: `--json` as one object, otherwise a table.
struct AllocationAnswer: Encodable {
    var objective: Double
    /// Nil for the baselines, which compute no bound (printed as null).
    var upperBound: Double?
    /// Per service id, its level's name, or nil (null) when not served.
    var levels: [String: String?]
    var algorithm: String
    /// `optimal`, `approximate`, `budgetExhausted` or `heuristic`.
    var guarantee: String
    /// The solver's wall-clock time, in milliseconds.
    var milliseconds: Double

    init(_ instance: Instance, _ solution: Solution, milliseconds: Double) {
        objective = solution.objective
        upperBound = solution.upperBound
        levels = solution.levelNames(in: instance)
        algorithm = solution.algorithm.rawValue
        switch solution.guarantee {
        case .optimal: guarantee = "optimal"
        case .approximate: guarantee = "approximate"
        case .budgetExhausted: guarantee = "budgetExhausted"
        case .heuristic: guarantee = "heuristic"
        }
        self.milliseconds = milliseconds
        self.solution = solution
    }

    private let solution: Solution

    enum CodingKeys: String, CodingKey { case objective, upperBound, levels, algorithm, guarantee, milliseconds }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(objective, forKey: .objective)
        try container.encode(upperBound, forKey: .upperBound)
        try container.encode(levels, forKey: .levels)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(guarantee, forKey: .guarantee)
        try container.encode(milliseconds, forKey: .milliseconds)
    }

    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// One row per service (weight, level, value, demand), then the usage against the capacity,
    /// the objective, its bound and gap, and the time.
    func table(_ instance: Instance) -> String {
        let rows = zip(instance.services, solution.levels).map { service, choice -> [String] in
            guard let choice else { return [service.id, number(service.weight), "not served", "-", "-", "-"] }
            let level = service.levels[choice]
            return [
                service.id, number(service.weight), level.name, String(format: "%.3f", level.value),
                String(format: "%.3f", level.demand[0]), String(format: "%.1f", level.demand[1]),
            ]
        }
        var lines = Rendering.table(["SERVICE", "WEIGHT", "LEVEL", "VALUE", "CPU (cores)", "MEMORY (MiB)"], rows)
        let check = instance.check(solution.levels)
        lines.append("")
        lines.append(
            String(
                format: "used %.3f of %.3f cores, %.1f of %.1f MiB", check.usage[0], instance.capacity[0], check.usage[1],
                instance.capacity[1]))
        var summary = String(format: "%@: weighted QoS %.4f", algorithm, objective)
        if let upperBound {
            summary += String(format: ", upper bound %.4f (gap at most %.2f%%)", upperBound, (solution.relativeGap ?? 0) * 100)
        }
        summary += " (\(guarantee)), \(String(format: "%.3f", milliseconds)) ms"
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    private func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}
