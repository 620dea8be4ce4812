/// What the instance loader accepts at most: anything larger is refused, naming the field,
/// before any solver sees it. The defaults are far above any coalition (a household has a
/// handful of boards and tens of streams) and low enough that loading, validating and a
/// greedy pass stay within milliseconds and megabytes.
public struct InstanceLimits: Hashable, Sendable {
    /// Bytes of JSON. Default 16 MiB.
    public var maximumBytes: Int
    /// Boards. Default 1,024 (the membership table's bound).
    public var maximumBoards: Int
    /// Services. Default 10,000.
    public var maximumServices: Int
    /// Levels per service. Default 64.
    public var maximumLevels: Int
    /// Characters of an id or a level name. Default 128.
    public var maximumNameLength: Int
    /// A service's weight. Default 1,000,000.
    public var maximumWeight: Double
    /// CPU of one board or one level, in cores. Default 1,024 (the profile's bound on cores).
    public var maximumCores: Double
    /// Memory of one board or one level, in MiB. Default 16,777,216 (16 TiB, the profile's bound).
    public var maximumMemoryMiB: Double

    public init(
        maximumBytes: Int = 16 << 20, maximumBoards: Int = 1_024, maximumServices: Int = 10_000, maximumLevels: Int = 64,
        maximumNameLength: Int = 128, maximumWeight: Double = 1_000_000, maximumCores: Double = 1_024,
        maximumMemoryMiB: Double = 16 * 1_048_576
    ) {
        precondition(maximumBytes > 0 && maximumBoards > 0 && maximumServices >= 0 && maximumLevels > 0)
        precondition(maximumNameLength > 0 && maximumWeight > 0 && maximumCores > 0 && maximumMemoryMiB > 0)
        self.maximumBytes = maximumBytes
        self.maximumBoards = maximumBoards
        self.maximumServices = maximumServices
        self.maximumLevels = maximumLevels
        self.maximumNameLength = maximumNameLength
        self.maximumWeight = maximumWeight
        self.maximumCores = maximumCores
        self.maximumMemoryMiB = maximumMemoryMiB
    }

    public static let `default` = InstanceLimits()
}
