import Foundation

extension ControlClient {
    /// Sends op `op` with the fields of `parameters` and hands each answer line's result to
    /// `each` until it returns false or the daemon closes the connection.
    ///
    /// - Throws: `ControlClientError` when no daemon answers; `ControlError` when it answers
    ///   with an error line.
    public func stream<P: Encodable, R: Decodable & Sendable>(
        _ op: String, parameters: P, as type: R.Type, each: @escaping @Sendable (R) async throws -> Bool
    ) async throws {
        var object = (try JSONSerialization.jsonObject(with: JSONEncoder().encode(parameters)) as? [String: Any]) ?? [:]
        object["v"] = ControlProtocol.version
        object["op"] = op
        var line = try JSONSerialization.data(withJSONObject: object)
        line.append(UInt8(ascii: "\n"))
        try await exchangeLines(line) { answer in
            let envelope: Envelope<R>
            do {
                envelope = try JSONDecoder().decode(Envelope<R>.self, from: answer)
            } catch {
                throw ControlClientError(path: path, reason: "the daemon's answer is not understood: \(describe(error))")
            }
            if let error = envelope.error { throw error }
            guard envelope.ok, let result = envelope.result else {
                throw ControlClientError(path: path, reason: "the daemon's answer has no result")
            }
            return try await each(result)
        }
    }

    /// Sends op `op` with the fields of `parameters` and decodes the first answer's result.
    public func call<P: Encodable, R: Decodable & Sendable>(_ op: String, parameters: P, as type: R.Type) async throws -> R {
        let box = FirstResult<R>()
        try await stream(op, parameters: parameters, as: R.self) { result in
            await box.set(result)
            return false
        }
        guard let result = await box.value else {
            throw ControlClientError(path: path, reason: "the daemon closed the connection without answering")
        }
        return result
    }
}

private actor FirstResult<R: Sendable> {
    var value: R?
    func set(_ value: R) { self.value = value }
}
