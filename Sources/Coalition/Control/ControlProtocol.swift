import Foundation

/// The local control protocol between `node` commands and the running daemon.
///
/// A Unix stream socket carrying newline-delimited JSON. Each request is one line, a JSON object
/// with the protocol version `v` and the operation `op`, plus the op's own fields at the top
/// level:
///
///     {"v":1,"op":"status"}
///
/// Each answer is one line (a streaming op such as a future `watch` may send several):
///
///     {"v":1,"ok":true,"op":"status","result":{...}}
///     {"v":1,"ok":false,"error":{"code":"unknown-op","message":"..."}}
///
/// A connection may carry many requests, one after the other. A bad request gets an error line
/// and the connection stays usable; nothing a client sends can disturb the daemon.
public enum ControlProtocol {
    /// The only protocol version this build speaks.
    public static let version = 1
    /// The longest request line accepted, in bytes (without its newline): 64 KiB.
    public static let maximumRequestBytes = 64 * 1024
    /// The longest response line a client accepts, in bytes: 16 MiB.
    public static let maximumResponseBytes = 16 * 1024 * 1024

    /// The default socket path: `/run/coalition/node.sock` for root, else
    /// `$XDG_RUNTIME_DIR/coalition/node.sock` (or `/tmp/coalition-UID/node.sock` without it).
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if getuid() == 0 { return "/run/coalition/node.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/coalition/node.sock" }
        return "/tmp/coalition-\(getuid())/node.sock"
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Why a control request failed. The `code` is for programs, the `message` for people.
public struct ControlError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    /// Stable, kebab-case error codes. New codes may be added.
    public struct Code: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// The line is not a JSON object.
        public static let badJSON = Code(rawValue: "bad-json")
        /// The line exceeds `ControlProtocol.maximumRequestBytes`.
        public static let tooLarge = Code(rawValue: "too-large")
        /// `v` is missing or `op` is missing.
        public static let badRequest = Code(rawValue: "bad-request")
        /// `v` is a version this daemon does not speak.
        public static let unsupportedVersion = Code(rawValue: "unsupported-version")
        /// No handler is registered for `op`.
        public static let unknownOp = Code(rawValue: "unknown-op")
        /// The op's own fields are missing or of the wrong type.
        public static let badParams = Code(rawValue: "bad-params")
        /// The handler failed; the message says why.
        public static let failed = Code(rawValue: "failed")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// One parsed request: its version, op and the raw line, from which the handler decodes its
/// own fields with `parameters(as:)`.
public struct ControlRequest: Sendable {
    public let version: Int
    public let op: String
    public let line: Data

    /// Decodes the op's own fields (top-level keys of the request object).
    public func parameters<P: Decodable>(as type: P.Type) throws(ControlError) -> P {
        do {
            return try JSONDecoder().decode(P.self, from: line)
        } catch {
            throw ControlError(.badParams, "bad fields for op \"\(op)\": \(describe(error))")
        }
    }
}

/// Sends answer lines back to the client of one request.
public struct ControlReply: Sendable {
    private let write: @Sendable (Data) async throws -> Void
    let op: String?

    /// - Parameter write: writes one complete line (the newline included).
    public init(op: String?, write: @escaping @Sendable (Data) async throws -> Void) {
        self.op = op
        self.write = write
    }

    /// Sends a success line carrying `result`. A streaming op may call this repeatedly; it
    /// throws once the client has gone.
    public func send<R: Encodable>(_ result: R) async throws {
        try await write(Self.line(Envelope(v: ControlProtocol.version, ok: true, op: op, result: result, error: nil)))
    }

    /// Sends an error line.
    public func fail(_ error: ControlError) async throws {
        try await write(Self.line(Envelope<Empty>(v: ControlProtocol.version, ok: false, op: op, result: nil, error: error)))
    }

    static func line<E: Encodable>(_ value: E) throws -> Data {
        var data = try ControlProtocol.encoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// The JSON object of every answer line.
public struct Envelope<Result> {
    public var v: Int
    public var ok: Bool
    public var op: String?
    public var result: Result?
    public var error: ControlError?
}
extension Envelope: Encodable where Result: Encodable {}
extension Envelope: Decodable where Result: Decodable {}

/// An empty result or parameter set.
public struct Empty: Codable, Sendable, Equatable { public init() {} }

/// A short description of a decoding error, naming the field when there is one.
func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return "\"\(path)\": \(context.debugDescription)"
    case DecodingError.dataCorrupted(let context): return context.debugDescription
    default: return "\(error)"
    }
}
