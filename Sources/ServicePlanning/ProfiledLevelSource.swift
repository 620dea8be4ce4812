import Allocation
import QoSModel

/// The instance loader's hook for coalition documents: a board may name its capability
/// `profile` (its `cpu` and `memoryMiB` are then what it has spare and available, as `node
/// status` shows them), and a service may give a `request` instead of levels:
///
/// ```json
/// {"boards": [{"id": "b1", "profile": "amd-epyc.vm", "cpu": 0.5, "memoryMiB": 512}],
///  "services": [{"id": "cam", "weight": 5,
///    "request": {"video": "FHD", "audio": "high", "accept": ["HD", "SD"], "streams": 2}}]}
/// ```
///
/// Levels and capacities follow `CoalitionModel`. Boards without a profile count as given, in
/// reference cores.
public struct ProfiledLevelSource: LevelSource {
    /// A request as the document gives it; the fields of `node request`.
    public struct Request: Decodable, Sendable {
        public var video: String?
        public var audio: String?
        public var accept: [String]?
        public var streams: Int?
    }

    public private(set) var model: CoalitionModel
    private let profile: (String) throws -> CapabilityProfile

    /// `profile` loads a profile by the name a board gives (the caller reads the file); what it
    /// throws is reported at the board's `profile` field.
    public init(configuration: PlanningConfiguration = .default, profile: @escaping (String) throws -> CapabilityProfile) {
        model = CoalitionModel(configuration: configuration)
        self.profile = profile
    }

    public mutating func capacity(ofBoard name: String, cpu: Double, memoryMiB: Double, path: String) throws(InstanceError)
        -> (cpu: Double, memoryMiB: Double)
    {
        let loaded: CapabilityProfile
        do {
            loaded = try profile(name)
        } catch {
            throw InstanceError(path: "\(path).profile", message: "\(error)")
        }
        return model.addBoard(loaded, spareCores: cpu, availableMiB: memoryMiB)
    }

    public mutating func levels(for request: Request, path: String) throws(InstanceError) -> [Level] {
        let parsed: ServiceRequest
        do {
            parsed = try ServiceRequest.parse(
                video: request.video, audio: request.audio, accept: request.accept ?? [], streams: request.streams ?? 1)
        } catch ServiceRequestError.streamCount(let count) {
            throw InstanceError(path: "\(path).streams", message: "must be in 1...64, got \(count)")
        } catch {
            throw InstanceError(path: path, message: "\(error)")
        }
        guard let levels = model.levels(for: parsed) else {
            throw InstanceError(path: path, message: "needs at least one board with a profile to price its levels")
        }
        return levels
    }
}
