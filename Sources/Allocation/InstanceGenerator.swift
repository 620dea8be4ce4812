/// Random instances for tests, benchmarks and simulations, from an injected generator.
///
/// Each service gets a weight in 1...`maximumWeight` (whole numbers) and `levels` levels whose
/// values rise with their demands by default (a concave-ish ladder like SD/HD/FHD), shuffled
/// into random order; `irregular` ladders also get equal values, zero-demand levels, dominated
/// levels and values of 0. Capacities are `tightness` x the sum over services of their most
/// demanding level, per resource.
public struct InstanceGenerator: Sendable {
    /// Services per instance. Default 10.
    public var services: Int
    /// Levels per ladder. Default 5.
    public var levels: Int
    /// Resources (CPU cores, memory MiB, then more named `r2`, `r3`...). Default 2.
    public var dimensions: Int
    /// Capacity as a fraction of the total top demand, per resource. Default 0.4.
    public var tightness: Double
    /// Weights are drawn from 1...maximumWeight. Default 5.
    public var maximumWeight: Int
    /// Whether ladders get degenerate levels (see above). Default false.
    public var irregular: Bool

    public init(
        services: Int = 10, levels: Int = 5, dimensions: Int = 2, tightness: Double = 0.4, maximumWeight: Int = 5,
        irregular: Bool = false
    ) {
        precondition(services >= 0 && levels >= 1 && dimensions >= 1 && tightness >= 0 && maximumWeight >= 1)
        self.services = services
        self.levels = levels
        self.dimensions = dimensions
        self.tightness = tightness
        self.maximumWeight = maximumWeight
        self.irregular = irregular
    }

    public func make(using random: inout some RandomNumberGenerator) -> Instance {
        let resources = (0..<dimensions).map { r in
            r < Resource.standard.count ? Resource.standard[r] : Resource(name: "r\(r)", unit: "units")
        }
        let scales = (0..<dimensions).map { r in [1.0, 64.0][r % 2] }
        var top = [Double](repeating: 0, count: dimensions)
        var services: [Service] = []
        for s in 0..<self.services {
            var ladder: [Level] = []
            var value = 0.0
            var demand = [Double](repeating: 0, count: dimensions)
            for l in 0..<levels {
                value = min(1, value + Double.random(in: 0.05...0.45, using: &random))
                for r in 0..<dimensions { demand[r] += scales[r] * Double.random(in: 0.05...1, using: &random) }
                var level = Level(name: "L\(l)", value: value, demand: demand)
                if irregular {
                    switch Int.random(in: 0..<8, using: &random) {
                    case 0: level.value = ladder.last?.value ?? level.value
                    case 1: level.demand = [Double](repeating: 0, count: dimensions)
                    case 2: level.value = Double.random(in: 0...1, using: &random)
                    case 3: level.value = 0
                    case 4: level.demand = level.demand.map { $0 * Double.random(in: 0.2...3, using: &random) }
                    default: break
                    }
                }
                ladder.append(level)
            }
            for r in 0..<dimensions { top[r] += ladder.map { $0.demand[r] }.max()! }
            ladder.shuffle(using: &random)
            let weight = Double(Int.random(in: 1...maximumWeight, using: &random))
            services.append(Service(id: "s\(s)", weight: weight, levels: ladder))
        }
        let capacity = top.map { $0 * tightness }
        // Every field is in range by construction.
        return try! Instance(resources: resources, capacity: capacity, services: services)
    }
}
