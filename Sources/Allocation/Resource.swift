/// One kind of capacity that services compete for, such as CPU or memory.
///
/// Demands and capacities are plain `Double`s indexed like `Instance.resources`; this type gives
/// each index its name (the JSON field that carries it) and its unit.
public struct Resource: Hashable, Sendable, CustomStringConvertible {
    /// The JSON field name of this resource in boards and levels, e.g. `cpu`.
    public var name: String
    /// The unit of every amount of this resource, e.g. `cores`.
    public var unit: String

    public init(name: String, unit: String) {
        self.name = name
        self.unit = unit
    }

    /// CPU in cores: CPU seconds per second kept busy (0.35 = a third of one core).
    public static let cpu = Resource(name: "cpu", unit: "cores")
    /// Memory in MiB (2^20 bytes).
    public static let memory = Resource(name: "memoryMiB", unit: "MiB")

    /// The resources of the coalition today, in this order: CPU cores, then memory MiB.
    public static let standard: [Resource] = [.cpu, .memory]

    public var description: String { "\(name) (\(unit))" }
}
