import Allocation
import QoSModel

/// A modelled coalition for churn simulations: `boards` boards measured as `profile`, each
/// with a seeded amount of spare CPU and available memory, and services asking for seeded
/// requests priced by `CoalitionModel`.
public struct SimulatedCoalition: Sendable {
    /// Boards in the coalition. Default 5.
    public var boards: Int
    /// Each board's spare CPU is uniform in this range, in cores of its profile. Default
    /// 0.2...0.6 (a build-machine core decodes FHD at about 0.27 cores; a Raspberry Pi 3's
    /// whole spare capacity is of that order in these units).
    public var spareCores: ClosedRange<Double>
    /// Each board's available memory is uniform in this range, in MiB. Default 256...512.
    public var availableMiB: ClosedRange<Double>
    /// A service's weight is a whole number in 1...maximumWeight. Default 5.
    public var maximumWeight: Int
    /// A service's stream count is uniform in 1...maximumStreams. Default 3.
    public var maximumStreams: Int
    /// Values and pricing. Default `.default`.
    public var configuration: PlanningConfiguration

    public init(
        boards: Int = 5, spareCores: ClosedRange<Double> = 0.2...0.6, availableMiB: ClosedRange<Double> = 256...512,
        maximumWeight: Int = 5, maximumStreams: Int = 3, configuration: PlanningConfiguration = .default
    ) {
        precondition(boards >= 1 && spareCores.lowerBound >= 0 && availableMiB.lowerBound >= 0)
        precondition(maximumWeight >= 1 && (1...64).contains(maximumStreams))
        self.boards = boards
        self.spareCores = spareCores
        self.availableMiB = availableMiB
        self.maximumWeight = maximumWeight
        self.maximumStreams = maximumStreams
        self.configuration = configuration
    }

    /// The pooled capacity of the boards drawn from `random`, and the model that prices levels.
    public func model(_ profile: CapabilityProfile, using random: inout some RandomNumberGenerator)
        -> (capacity: [Double], model: CoalitionModel)
    {
        var model = CoalitionModel(configuration: configuration)
        var capacity = [0.0, 0.0]
        for _ in 0..<boards {
            let lent = model.addBoard(
                profile, spareCores: Double.random(in: spareCores, using: &random),
                availableMiB: Double.random(in: availableMiB, using: &random))
            capacity[0] += lent.cpu
            capacity[1] += lent.memoryMiB
        }
        return (capacity, model)
    }

    /// A seeded service: a video level (SD, HD or FHD, equally likely) accepting every lower
    /// one, high, medium or low audio or none (equally likely), 1...maximumStreams streams and a
    /// weight in 1...maximumWeight; its id is `s<index>`.
    public func service(_ index: Int, model: CoalitionModel, using random: inout some RandomNumberGenerator) -> Service {
        let top = VideoLevel.allCases.randomElement(using: &random)!
        let audio = ([nil] + AudioLevel.allCases.map { Optional($0) }).randomElement(using: &random)!
        let streams = Int.random(in: 1...maximumStreams, using: &random)
        let weight = Double(Int.random(in: 1...maximumWeight, using: &random))
        let ladder = VideoLevel.allCases.filter { $0 <= top }.reversed().map { QoSLevel(video: $0, audio: audio) }
        // A descending ladder of 1...64 streams is always a valid request.
        let request = try! ServiceRequest(ladder: Array(ladder), streams: streams)
        return Service(id: "s\(index)", weight: weight, levels: model.levels(for: request)!)
    }
}
