#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a service's levels come from when the document describes them otherwise than as
/// explicit levels, and what a board's figures mean: the hook through which a caller that knows
/// the QoS model (profiles, requests) builds instances from its own vocabulary, while this
/// loader keeps reading, bounding and validating every field.
public protocol LevelSource {
    /// What a service's `request` field holds.
    associatedtype Request: Decodable
    /// A board that names a `profile`: its capacity in the instance's units (CPU cores and
    /// memory MiB), given its spare `cpu` (cores) and `memoryMiB`; `path` names the board.
    mutating func capacity(ofBoard profile: String, cpu: Double, memoryMiB: Double, path: String) throws(InstanceError)
        -> (cpu: Double, memoryMiB: Double)
    /// The ladder of a service given by its `request`; `path` names the request field.
    mutating func levels(for request: Request, path: String) throws(InstanceError) -> [Level]
}

/// The plain format: no board names a profile and no service has a request.
public struct ExplicitLevelsOnly: LevelSource {
    /// Never decodes: a `request` field is refused by name.
    public struct Request: Decodable {
        public init(from decoder: any Decoder) throws {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "requests need the QoS model (use `node allocate`)"))
        }
    }

    public init() {}

    public func capacity(ofBoard profile: String, cpu: Double, memoryMiB: Double, path: String) throws(InstanceError)
        -> (cpu: Double, memoryMiB: Double)
    {
        throw InstanceError(path: "\(path).profile", message: "profiles need the QoS model (use `node allocate`)")
    }

    public func levels(for request: Request, path: String) throws(InstanceError) -> [Level] { [] }
}

extension Instance {
    /// Reads an instance from the bytes of its JSON form (the caller reads the file):
    ///
    /// ```json
    /// {"boards": [{"id": "b1", "cpu": 1.5, "memoryMiB": 512}],
    ///  "services": [{"id": "s1", "weight": 2,
    ///    "levels": [{"name": "HD", "value": 0.8, "cpu": 0.9, "memoryMiB": 40},
    ///               {"name": "SD", "value": 0.5, "cpu": 0.35, "memoryMiB": 20}]}]}
    /// ```
    ///
    /// Capacity is pooled per resource over the boards (CPU in cores, memory in MiB). A
    /// service's `weight` defaults to 1. Every fault throws an `InstanceError` naming its field
    /// (`services[2].levels[0].cpu: must be >= 0`): malformed JSON, a missing or mistyped field,
    /// duplicate board or service ids, no boards, an empty ladder, a value outside [0, 1], a
    /// negative amount, a weight <= 0, and anything beyond `limits` (a document, a count, a
    /// name, an amount or a weight too large).
    public init(json bytes: [UInt8], limits: InstanceLimits = .default) throws(InstanceError) {
        var source = ExplicitLevelsOnly()
        try self.init(json: bytes, limits: limits, source: &source)
    }

    /// As `init(json:limits:)`, where a board may also name a `profile` and a service may give
    /// a `request` instead of `levels`; `source` turns those into capacities and ladders.
    public init<Source: LevelSource>(json bytes: [UInt8], limits: InstanceLimits = .default, source: inout Source)
        throws(InstanceError)
    {
        guard bytes.count <= limits.maximumBytes else {
            throw InstanceError(path: "(document)", message: "is \(bytes.count) bytes; at most \(limits.maximumBytes) are read")
        }
        let raw: RawInstance<Source.Request>
        do {
            raw = try JSONDecoder().decode(RawInstance<Source.Request>.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw InstanceError(decoding: error)
        } catch {
            throw InstanceError(path: "(document)", message: "cannot be read: \(error)")
        }
        let boards = try require(raw.boards, "boards")
        guard !boards.isEmpty else { throw InstanceError(path: "boards", message: "must not be empty") }
        try limit(boards.count, limits.maximumBoards, "boards", "boards")
        var capacity = [0.0, 0.0]
        var boardIDs: [String: Int] = [:]
        for (b, board) in boards.enumerated() {
            let path = "boards[\(b)]"
            let id = try name(board.id, "\(path).id", limits)
            if let first = boardIDs[id] {
                throw InstanceError(path: "\(path).id", message: "duplicate id '\(id)' (also boards[\(first)])")
            }
            boardIDs[id] = b
            var cpu = try amount(board.cpu, "\(path).cpu", at: limits.maximumCores, "cores")
            var memory = try amount(board.memoryMiB, "\(path).memoryMiB", at: limits.maximumMemoryMiB, "MiB")
            if let profile = board.profile {
                (cpu, memory) = try source.capacity(ofBoard: profile, cpu: cpu, memoryMiB: memory, path: path)
            }
            capacity[0] += cpu
            capacity[1] += memory
        }
        let rawServices = try require(raw.services, "services")
        try limit(rawServices.count, limits.maximumServices, "services", "services")
        var services: [Service] = []
        for (s, service) in rawServices.enumerated() {
            let path = "services[\(s)]"
            let id = try name(service.id, "\(path).id", limits)
            var levels: [Level] = []
            switch (service.levels, service.request) {
            case (let rawLevels?, nil):
                try limit(rawLevels.count, limits.maximumLevels, "levels", "\(path).levels")
                for (l, level) in rawLevels.enumerated() {
                    let levelPath = "\(path).levels[\(l)]"
                    levels.append(
                        Level(
                            name: try name(level.name, "\(levelPath).name", limits),
                            value: try require(level.value, "\(levelPath).value"),
                            demand: [
                                try amount(level.cpu, "\(levelPath).cpu", at: limits.maximumCores, "cores"),
                                try amount(level.memoryMiB, "\(levelPath).memoryMiB", at: limits.maximumMemoryMiB, "MiB"),
                            ]))
                }
            case (nil, let request?):
                levels = try source.levels(for: request, path: "\(path).request")
                try limit(levels.count, limits.maximumLevels, "levels", "\(path).request")
            case (nil, nil):
                throw InstanceError(path: "\(path).levels", message: "is missing (give levels or a request)")
            case (_?, _?):
                throw InstanceError(path: "\(path).request", message: "cannot be given beside levels")
            }
            if let weight = service.weight, weight > limits.maximumWeight {
                throw InstanceError(path: "\(path).weight", message: "\(weight) is absurd; at most \(limits.maximumWeight)")
            }
            services.append(Service(id: id, weight: service.weight ?? 1, levels: levels))
        }
        try self.init(resources: Resource.standard, capacity: capacity, services: services)
    }
}

private func limit(_ count: Int, _ maximum: Int, _ noun: String, _ path: String) throws(InstanceError) {
    guard count <= maximum else { throw InstanceError(path: path, message: "has \(count) \(noun); at most \(maximum)") }
}

private func name(_ field: String?, _ path: String, _ limits: InstanceLimits) throws(InstanceError) -> String {
    let text = try require(field, path)
    guard !text.isEmpty else { throw InstanceError(path: path, message: "must not be empty") }
    guard text.count <= limits.maximumNameLength else {
        throw InstanceError(path: path, message: "has \(text.count) characters; at most \(limits.maximumNameLength)")
    }
    return text
}

private func require<T>(_ field: T?, _ path: String) throws(InstanceError) -> T {
    guard let field else { throw InstanceError(path: path, message: "is missing") }
    return field
}

private func amount(_ field: Double?, _ path: String, at maximum: Double, _ unit: String) throws(InstanceError) -> Double {
    let value = try require(field, path)
    guard value.isFinite, value >= 0 else { throw InstanceError(path: path, message: "must be >= 0") }
    guard value <= maximum else { throw InstanceError(path: path, message: "\(value) \(unit) is absurd; at most \(maximum)") }
    return value
}

private struct RawInstance<Request: Decodable>: Decodable {
    var boards: [RawBoard]?
    var services: [RawService<Request>]?
}

private struct RawBoard: Decodable {
    var id: String?
    var cpu: Double?
    var memoryMiB: Double?
    var profile: String?
}

private struct RawService<Request: Decodable>: Decodable {
    var id: String?
    var weight: Double?
    var levels: [RawLevel]?
    var request: Request?
}

private struct RawLevel: Decodable {
    var name: String?
    var value: Double?
    var cpu: Double?
    var memoryMiB: Double?
}

extension InstanceError {
    /// The field a decoding error is about, in the loader's path notation.
    public init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
            return text.isEmpty ? "(document)" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(path: path(context.codingPath), message: "must be \(Self.noun(type))")
        case .valueNotFound(let type, let context):
            self.init(path: path(context.codingPath), message: "must be \(Self.noun(type)), not null")
        case .keyNotFound(let key, let context):
            self.init(path: path(context.codingPath + [key]), message: "is missing")
        case .dataCorrupted(let context) where context.underlyingError != nil || context.codingPath.isEmpty:
            self.init(path: path(context.codingPath), message: "is not valid JSON (\(context.debugDescription))")
        case .dataCorrupted(let context):
            self.init(path: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            self.init(path: "(document)", message: "cannot be decoded")
        }
    }

    private static func noun(_ type: Any.Type) -> String {
        if type == Double.self { return "a number" }
        if type == String.self { return "a string" }
        if String(describing: type).hasPrefix("Array") { return "an array" }
        return "an object"
    }
}
