import Foundation
import NIOCore
import NIOPosix
import SystemCalls

/// A connection to a running daemon's control socket, used by `node status` and friends.
public struct ControlClient: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Sends one request and decodes the first answer line's `result`.
    ///
    /// - Throws: `ControlClientError` when no daemon answers at `path`; `ControlError` when the
    ///   daemon answered with an error.
    public func call<R: Decodable>(_ op: String, fields: [String: String] = [:], as type: R.Type) async throws -> R {
        var request: [String: AnyEncodable] = ["v": AnyEncodable(ControlProtocol.version), "op": AnyEncodable(op)]
        for (key, value) in fields { request[key] = AnyEncodable(value) }
        let line = try await exchange(try ControlReply.line(request))
        let envelope: Envelope<R>
        do {
            envelope = try JSONDecoder().decode(Envelope<R>.self, from: line)
        } catch {
            throw ControlClientError(path: path, reason: "the daemon's answer is not understood: \(describe(error))")
        }
        if let error = envelope.error { throw error }
        guard envelope.ok, let result = envelope.result else {
            throw ControlClientError(path: path, reason: "the daemon's answer has no result")
        }
        return result
    }

    /// Sends raw bytes (which should end with a newline) and returns the first answer line.
    public func exchange(_ request: Data) async throws -> Data {
        let first = FirstLine()
        try await exchangeLines(request) { line in
            await first.set(line)
            return false
        }
        guard let line = await first.line else {
            throw ControlClientError(path: path, reason: "the daemon closed the connection without answering")
        }
        return line
    }

    /// Sends raw bytes (which should end with a newline) and hands each answer line to `each`
    /// until it returns false or the daemon closes the connection.
    public func exchangeLines(_ request: Data, each: @escaping @Sendable (Data) async throws -> Bool) async throws {
        let channel: NIOAsyncChannel<ControlLine, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(ControlLineDecoder(maximumLength: ControlProtocol.maximumResponseBytes)))
                        return try NIOAsyncChannel<ControlLine, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            let reason = (error as? IOError).map { SystemCallError.Code(rawValue: $0.errnoCode).description } ?? "\(error)"
            throw ControlClientError(path: path, reason: "cannot connect: \(reason)")
        }
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: request))
            for try await frame in inbound {
                switch frame {
                case .line(let line):
                    guard try await each(Data(line.readableBytesView)) else { return }
                case .tooLong: throw ControlClientError(path: path, reason: "the daemon's answer is too large")
                }
            }
        }
    }

    /// True when a daemon answers `ping` on `path` (a socket file left by a dead daemon does not).
    public static func probe(path: String) async throws -> Bool {
        do {
            _ = try await ControlClient(path: path).exchange(Data("{\"v\":1,\"op\":\"ping\"}\n".utf8))
            return true
        } catch is ControlClientError {
            return false
        }
    }
}

/// No daemon answers on the control socket, or its answer is unusable.
public struct ControlClientError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Type-erases the few scalar values a request carries.
struct AnyEncodable: Encodable {
    private let encodeValue: (inout SingleValueEncodingContainer) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = { try $0.encode(value) } }
    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try encodeValue(&container)
    }
}

private actor FirstLine {
    var line: Data?
    func set(_ line: Data) { self.line = line }
}
