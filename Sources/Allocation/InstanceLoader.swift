#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
    /// negative amount, a weight <= 0.
    public init(json bytes: [UInt8]) throws(InstanceError) {
        let raw: RawInstance
        do {
            raw = try JSONDecoder().decode(RawInstance.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw InstanceError(decoding: error)
        } catch {
            throw InstanceError(path: "(document)", message: "cannot be read: \(error)")
        }
        let boards = try require(raw.boards, "boards")
        guard !boards.isEmpty else { throw InstanceError(path: "boards", message: "must not be empty") }
        var capacity = [0.0, 0.0]
        var boardIDs: [String: Int] = [:]
        for (b, board) in boards.enumerated() {
            let id = try require(board.id, "boards[\(b)].id")
            if let first = boardIDs[id] {
                throw InstanceError(path: "boards[\(b)].id", message: "duplicate id '\(id)' (also boards[\(first)])")
            }
            boardIDs[id] = b
            capacity[0] += try amount(board.cpu, "boards[\(b)].cpu")
            capacity[1] += try amount(board.memoryMiB, "boards[\(b)].memoryMiB")
        }
        var services: [Service] = []
        for (s, service) in try require(raw.services, "services").enumerated() {
            let path = "services[\(s)]"
            var levels: [Level] = []
            for (l, level) in try require(service.levels, "\(path).levels").enumerated() {
                let levelPath = "\(path).levels[\(l)]"
                levels.append(
                    Level(
                        name: try require(level.name, "\(levelPath).name"),
                        value: try require(level.value, "\(levelPath).value"),
                        demand: [
                            try amount(level.cpu, "\(levelPath).cpu"),
                            try amount(level.memoryMiB, "\(levelPath).memoryMiB"),
                        ]))
            }
            services.append(
                Service(id: try require(service.id, "\(path).id"), weight: service.weight ?? 1, levels: levels))
        }
        try self.init(resources: Resource.standard, capacity: capacity, services: services)
    }
}

private func require<T>(_ field: T?, _ path: String) throws(InstanceError) -> T {
    guard let field else { throw InstanceError(path: path, message: "is missing") }
    return field
}

private func amount(_ field: Double?, _ path: String) throws(InstanceError) -> Double {
    let value = try require(field, path)
    guard value.isFinite, value >= 0 else { throw InstanceError(path: path, message: "must be >= 0") }
    return value
}

private struct RawInstance: Decodable {
    var boards: [RawBoard]?
    var services: [RawService]?
}

private struct RawBoard: Decodable {
    var id: String?
    var cpu: Double?
    var memoryMiB: Double?
}

private struct RawService: Decodable {
    var id: String?
    var weight: Double?
    var levels: [RawLevel]?
}

private struct RawLevel: Decodable {
    var name: String?
    var value: Double?
    var cpu: Double?
    var memoryMiB: Double?
}

extension InstanceError {
    /// The field a decoding error is about, in the loader's path notation.
    init(decoding error: DecodingError) {
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
        case .dataCorrupted(let context):
            self.init(path: path(context.codingPath), message: "is not valid JSON (\(context.debugDescription))")
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
