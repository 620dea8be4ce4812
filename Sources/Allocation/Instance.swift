/// One level of a service's ladder: the QoS it delivers and what it costs.
public struct Level: Hashable, Sendable {
    /// A name for people and for output, e.g. `HD`. Need not be unique.
    public var name: String
    /// The level's QoS value in [0, 1] (1 = the best the service can be). A level of value 0 is
    /// never chosen by any algorithm: not serving is as good and costs nothing.
    public var value: Double
    /// The demand per resource, indexed like `Instance.resources`, in each resource's unit; >= 0.
    public var demand: [Double]

    public init(name: String, value: Double, demand: [Double]) {
        self.name = name
        self.value = value
        self.demand = demand
    }
}

/// A service competing for capacity: its importance and its ladder of acceptable levels.
public struct Service: Hashable, Sendable {
    /// Unique among the instance's services.
    public var id: String
    /// How much one unit of this service's QoS is worth; > 0. Default 1.
    public var weight: Double
    /// The levels the service may be served at, in any order; at least one. Ladders need not be
    /// sorted, convex or free of dominated levels: every solver copes.
    public var levels: [Level]

    public init(id: String, weight: Double = 1, levels: [Level]) {
        self.id = id
        self.weight = weight
        self.levels = levels
    }
}

/// A multiple-choice multidimensional knapsack of service levels: choose one level (or none) per
/// service to maximise the sum of `weight x value` with the total demand within `capacity` in
/// every resource. Always valid: the initialiser checks every field.
public struct Instance: Hashable, Sendable {
    /// The resources, in the order of every `capacity` and `demand` array.
    public let resources: [Resource]
    /// The pooled capacity per resource, in each resource's unit; >= 0.
    public let capacity: [Double]
    /// The competing services, in arrival order (first come, first served reads this order).
    public let services: [Service]

    /// Checks every field and throws the first fault, naming its path
    /// (`services[2].levels[0].cpu: must be >= 0`).
    public init(resources: [Resource] = Resource.standard, capacity: [Double], services: [Service])
        throws(InstanceError)
    {
        guard !resources.isEmpty else { throw InstanceError(path: "resources", message: "must not be empty") }
        guard capacity.count == resources.count else {
            throw InstanceError(path: "capacity", message: "has \(capacity.count) amounts for \(resources.count) resources")
        }
        for (r, amount) in capacity.enumerated() {
            try Self.check(amount, path: "capacity.\(resources[r].name)")
        }
        var seen: [String: Int] = [:]
        for (s, service) in services.enumerated() {
            let path = "services[\(s)]"
            if let first = seen[service.id] {
                throw InstanceError(path: "\(path).id", message: "duplicate id '\(service.id)' (also services[\(first)])")
            }
            seen[service.id] = s
            guard service.weight.isFinite, service.weight > 0 else {
                throw InstanceError(path: "\(path).weight", message: "must be > 0")
            }
            guard !service.levels.isEmpty else {
                throw InstanceError(path: "\(path).levels", message: "must not be empty")
            }
            for (l, level) in service.levels.enumerated() {
                let levelPath = "\(path).levels[\(l)]"
                guard level.value.isFinite, level.value >= 0, level.value <= 1 else {
                    throw InstanceError(path: "\(levelPath).value", message: "must be in [0, 1]")
                }
                guard level.demand.count == resources.count else {
                    throw InstanceError(
                        path: "\(levelPath)", message: "has \(level.demand.count) demands for \(resources.count) resources")
                }
                for (r, amount) in level.demand.enumerated() {
                    try Self.check(amount, path: "\(levelPath).\(resources[r].name)")
                }
            }
        }
        self.resources = resources
        self.capacity = capacity
        self.services = services
    }

    private static func check(_ amount: Double, path: String) throws(InstanceError) {
        guard amount.isFinite, amount >= 0 else { throw InstanceError(path: path, message: "must be >= 0") }
    }

    /// The number of resources, d.
    public var dimensions: Int { resources.count }
}

/// A fault in an instance: which field, and what is wrong with it.
public struct InstanceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where, e.g. `services[2].levels[0].cpu`.
    public var path: String
    /// What, e.g. `must be >= 0`.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
