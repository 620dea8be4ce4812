import Allocation
import QoSModel

/// The coalition as the allocation sees it: capacity pooled over the boards, CPU in cores of
/// one *reference* profile, and each service's ladder priced as formation prices it.
///
/// The mapping (issue 17, "in the coalition"):
/// - **Value** of a level: `LevelValues` (a stated policy per preset).
/// - **CPU demand** of a level: what formation reserves for it, `streams x cost x (1 +
///   headroom)`, where `cost` is the sum of its presets' single-thread CPU seconds per media
///   second on the reference profile (`CapabilityProfile.demand(of:)`, as the local evaluation
///   reads it). Formation spreads a stream over members in proportion to their offers, so the
///   CPU reserved in all is the same whichever members carry it.
/// - **CPU capacity** of a board: its spare cores converted to reference cores by its speed
///   relative to the reference, `sum of the reference's preset costs / sum of its own` (exact
///   when costs on the two devices are proportional; the video presets dominate both sums).
/// - **Memory demand**: `streams x` the largest decoder high-water mark of the level's presets
///   over the boards' profiles, in MiB: every stream needs a whole decoder somewhere. A stream
///   split over m members holds m decoders, which the pooled model does not see: it is an
///   optimistic bound on memory (CPU is the resource that binds on these boards).
/// - **Memory capacity** of a board: its available memory minus the evaluation's reserve.
public struct CoalitionModel: Sendable {
    public var configuration: PlanningConfiguration
    /// The profile whose cores measure CPU; the first board's.
    public private(set) var reference: CapabilityProfile?
    /// Every profile seen so far, for the memory of decoders.
    public private(set) var profiles: [CapabilityProfile] = []

    public init(configuration: PlanningConfiguration = .default) {
        self.configuration = configuration
    }

    /// How many reference cores one core of `profile` is worth.
    public func speed(of profile: CapabilityProfile) -> Double {
        guard let reference else { return 1 }
        let mine = Self.totalCost(profile)
        return mine > 0 ? Self.totalCost(reference) / mine : 1
    }

    private static func totalCost(_ profile: CapabilityProfile) -> Double {
        profile.presets.reduce(0) { $0 + $1.singleThread.cpuSecondsPerMediaSecond }
    }

    /// Adds a board with `spareCores` idle and `availableMiB` of available memory; returns what
    /// it lends in the instance's units (reference cores, MiB). The first board sets the reference.
    public mutating func addBoard(_ profile: CapabilityProfile, spareCores: Double, availableMiB: Double)
        -> (cpu: Double, memoryMiB: Double)
    {
        if reference == nil { reference = profile }
        profiles.append(profile)
        let reserveMiB = Double(configuration.evaluation.memoryReserveBytes) / 1_048_576
        return (spareCores * speed(of: profile), max(0, availableMiB - reserveMiB))
    }

    /// The allocation ladder of `request`: one level per step of its ladder, best first, named
    /// like the QoS model names it (`HD+high`); nil when no board has a profile yet.
    public func levels(for request: ServiceRequest) -> [Level]? {
        guard let reference else { return nil }
        let headroom = 1 + configuration.evaluation.headroom
        let streams = Double(request.streams)
        return request.ladder.map { level in
            let cost = reference.demand(of: level)?.cpuCores ?? 0
            let decoderBytes = profiles.compactMap { $0.demand(of: level)?.memoryBytes }.max() ?? 0
            return Level(
                name: level.description, value: configuration.values.value(of: level),
                demand: [streams * cost * headroom, streams * Double(decoderBytes) / 1_048_576])
        }
    }
}
