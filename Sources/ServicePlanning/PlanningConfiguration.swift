import QoSModel

/// How the coalition's services and boards become an allocation instance.
public struct PlanningConfiguration: Equatable, Sendable {
    /// The value of each level. Default `LevelValues.default`.
    public var values: LevelValues
    /// The local evaluation's headroom and memory reserve, so that a level's demand is what
    /// formation reserves for it: CPU x (1 + headroom), 25% by default; and a board lends its
    /// available memory minus the reserve, 64 MiB by default. Default `.default`.
    public var evaluation: EvaluationConfiguration

    public init(values: LevelValues = .default, evaluation: EvaluationConfiguration = .default) {
        self.values = values
        self.evaluation = evaluation
    }

    public static let `default` = PlanningConfiguration()
}
