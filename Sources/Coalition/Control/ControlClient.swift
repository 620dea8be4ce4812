import Foundation
import NIOCore
import NIOPosix
import SystemCalls

/// A connection to a running daemon's control socket, used by `node status` and friends.
public struct ControlClient: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Sends one request of `call` and hands each answer line's result to `each` until it
    /// returns false or the daemon closes the connection.
    ///
    /// - Throws: `ControlClientError` when no daemon answers at `path` or its answer is not
    ///   understood; `ControlError` when the daemon answered with an error line.
    public func stream<Call: ControlCall>(
        _ call: Call.Type, _ parameters: Call.Parameters, each: @escaping @Sendable (Call.Result) async throws -> Bool
    ) async throws {
        let request = try ControlProtocol.line(ControlRequestLine<Call>(parameters))
        try await exchangeLines(request) { [path] answer in
            let envelope: Envelope<Call.Result>
            do {
                envelope = try JSONDecoder().decode(Envelope<Call.Result>.self, from: answer)
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

    /// Sends one request of `call` and decodes the first answer line's result.
    public func call<Call: ControlCall>(_ call: Call.Type, _ parameters: Call.Parameters) async throws -> Call.Result {
        let box = FirstResult<Call.Result>()
        try await stream(call, parameters) { result in
            await box.set(result)
            return false
        }
        guard let result = await box.value else {
            throw ControlClientError(path: path, reason: "the daemon closed the connection without answering")
        }
        return result
    }

    /// Sends one request of a `call` that takes no parameters and decodes the first result.
    public func call<Call: ControlCall>(_ call: Call.Type) async throws -> Call.Result where Call.Parameters == Empty {
        try await self.call(call, Empty())
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

    /// True when a daemon answers `ping` on `path` (a socket file left by a dead daemon does
    /// not). Any answer line counts, even an error from a daemon of another protocol version.
    public static func probe(path: String) async throws -> Bool {
        do {
            _ = try await ControlClient(path: path).exchange(ControlProtocol.line(ControlRequestLine<PingCall>(Empty())))
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

private actor FirstLine {
    var line: Data?
    func set(_ line: Data) { self.line = line }
}

private actor FirstResult<R: Sendable> {
    var value: R?
    func set(_ value: R) { self.value = value }
}
