/// Ties an operation to what it takes and what it answers, so the client and the daemon
/// encode and decode the same types: a `ControlClient` call and a `ControlHandler` name the
/// same `ControlCall`, and the compiler holds them to its `Parameters` and `Result`.
///
/// `Parameters` is a JSON object whose keys sit beside `v` and `op` on the request line
/// (``Empty`` for none); `Result` is the `result` of each answer line.
public protocol ControlCall: Sendable {
    associatedtype Parameters: Codable & Sendable
    associatedtype Result: Codable & Sendable
    static var operation: ControlOperation { get }
}

/// One request line: `{"v":2,"op":"release","service":"31901bd4/1"}`: the version and the
/// operation, and the parameters' own keys at the top level beside them.
public struct ControlRequestLine<Call: ControlCall>: Sendable {
    public var v: Int
    public var op: ControlOperation { Call.operation }
    public var parameters: Call.Parameters

    public init(_ parameters: Call.Parameters, version: Int = ControlProtocol.version) {
        self.v = version
        self.parameters = parameters
    }

    private enum Key: String, CodingKey { case v, op }
}

extension ControlRequestLine: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try parameters.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(v, forKey: .v)
        try container.encode(op, forKey: .op)
    }
}

extension ControlRequestLine: Decodable {
    /// Decodes a line of this call's operation; a line of another operation is an error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        v = try container.decode(Int.self, forKey: .v)
        let op = try container.decode(ControlOperation.self, forKey: .op)
        guard op == Call.operation else {
            throw DecodingError.dataCorruptedError(
                forKey: .op, in: container, debugDescription: "op \"\(op)\" is not \"\(Call.operation)\"")
        }
        parameters = try Call.Parameters(from: decoder)
    }
}
