import Foundation
import SystemCalls

/// The local control protocol between `node` commands and the running daemon: a Unix stream
/// socket carrying newline-delimited JSON, one request line, one or more answer lines.
///
///     {"v":2,"op":"status"}
///     {"ok":true,"op":"status","result":{...},"v":2}
///     {"error":{"code":"unknown-op","message":"..."},"ok":false,"v":2}
///
/// The operations are ``ControlOperation``; what each takes and answers is its ``ControlCall``
/// (`ControlCalls.swift`). PROTOCOL.md beside this file is the full description. A bad request
/// gets an error line and the connection stays usable; nothing a client sends can disturb the
/// daemon.
public enum ControlProtocol {
    /// The only protocol version this build speaks. 2: `request` carries a typed
    /// `ServiceRequest` (version 1 sent its options as strings). See PROTOCOL.md.
    public static let version = 2
    /// The longest request line accepted, in bytes (without its newline): 64 KiB.
    public static let maximumRequestBytes = 64 * 1024
    /// The longest response line a client accepts, in bytes: 16 MiB.
    public static let maximumResponseBytes = 16 * 1024 * 1024

    /// The default socket path: `/run/coalition/node.sock` for root, else
    /// `$XDG_RUNTIME_DIR/coalition/node.sock` (or `/tmp/coalition-UID/node.sock` without it).
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if CurrentProcess.userID == 0 { return "/run/coalition/node.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/coalition/node.sock" }
        return "/tmp/coalition-\(CurrentProcess.userID)/node.sock"
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
        /// `v` or `op` is missing, or not of the right JSON type.
        public static let badRequest = Code(rawValue: "bad-request")
        /// `v` is a version this daemon does not speak.
        public static let unsupportedVersion = Code(rawValue: "unsupported-version")
        /// `op` is no operation this daemon serves.
        public static let unknownOp = Code(rawValue: "unknown-op")
        /// The op's own fields are missing or of the wrong type.
        public static let badParams = Code(rawValue: "bad-params")
        /// The handler failed; the message says why.
        public static let failed = Code(rawValue: "failed")
        /// `stream`: the coalition cannot serve the level asked for (or the input's) now.
        public static let cannotServe = Code(rawValue: "cannot-serve")
        /// `stream`: the input is not media a coalition decodes (its sentence names where).
        public static let badInput = Code(rawValue: "bad-input")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// Sends answer lines back to the client of one request, each carrying a `Result`.
public struct ControlReply<Result: Encodable & Sendable>: Sendable {
    private let write: @Sendable (Data) async throws -> Void
    let operation: ControlOperation?

    /// - Parameters:
    ///   - operation: the request's operation, echoed as `op`; nil when it is not known.
    ///   - write: writes one complete line (the newline included).
    public init(operation: ControlOperation?, write: @escaping @Sendable (Data) async throws -> Void) {
        self.operation = operation
        self.write = write
    }

    /// Sends a success line carrying `result`. A streaming op may call this repeatedly; it
    /// throws once the client has gone.
    public func send(_ result: Result) async throws {
        try await write(ControlProtocol.line(Envelope(v: ControlProtocol.version, ok: true, op: operation, result: result, error: nil)))
    }

    /// Sends an error line.
    public func fail(_ error: ControlError) async throws {
        try await write(ControlProtocol.line(Envelope<Empty>(v: ControlProtocol.version, ok: false, op: operation, result: nil, error: error)))
    }
}

extension ControlProtocol {
    /// `value` as one JSON line (sorted keys, the newline included).
    static func line<E: Encodable>(_ value: E) throws -> Data {
        var data = try encoder().encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// The JSON object of every answer line.
public struct Envelope<Result> {
    public var v: Int
    public var ok: Bool
    /// The request's operation; absent when the request named none this daemon knows.
    public var op: ControlOperation?
    public var result: Result?
    public var error: ControlError?
}
extension Envelope: Encodable where Result: Encodable {}
extension Envelope: Decodable where Result: Decodable {}
extension Envelope: Sendable where Result: Sendable {}

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
