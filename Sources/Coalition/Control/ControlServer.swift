import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SystemCalls

/// The daemon's control socket: a Unix stream socket answering `ControlRouter` requests.
///
/// Refuses to start when another daemon already answers on the path; removes a stale socket
/// file left by a crashed one; removes its own file on exit.
public struct ControlServer: Service {
    public struct Configuration: Sendable {
        /// Where to listen. Default `ControlProtocol.defaultSocketPath()`.
        public var path: String = ControlProtocol.defaultSocketPath()
        /// The longest request line, in bytes. Default `ControlProtocol.maximumRequestBytes` (64 KiB).
        public var maximumRequestBytes: Int = ControlProtocol.maximumRequestBytes
        public init(path: String = ControlProtocol.defaultSocketPath()) { self.path = path }
    }

    private let configuration: Configuration
    private let router: ControlRouter
    private let logger: Logger

    public init(configuration: Configuration, router: ControlRouter, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    /// Listens until graceful shutdown or cancellation.
    public func run() async throws {
        let path = configuration.path
        try await prepare(path)
        let maximum = configuration.maximumRequestBytes
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ControlLineDecoder(maximumLength: maximum)))
                    return try NIOAsyncChannel<ControlLine, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("control socket listening", metadata: ["path": "\(path)", "ops": "\(router.operations.map(\.rawValue).joined(separator: ","))"])
        defer { try? FilePaths.remove(path) }  // gone already is as good
        await acceptConnections(on: server, name: "control socket", logger: logger) { connection in
            await self.serve(connection)
        }
        logger.info("control socket closed", metadata: ["path": "\(path)"])
    }

    /// Creates the directory and refuses to take over a live daemon's socket.
    private func prepare(_ path: String) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard FileManager.default.fileExists(atPath: path) else { return }
        if (try? await ControlClient.probe(path: path)) == true {
            throw ControlClientError(path: path, reason: "another node is already running there: stop it or use --control-socket")
        }
        logger.notice("removing a stale control socket left by a stopped node", metadata: ["path": "\(path)"])
    }

    private func serve(_ connection: NIOAsyncChannel<ControlLine, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                let write: @Sendable (Data) async throws -> Void = { data in
                    try await outbound.write(ByteBuffer(bytes: data))
                }
                for try await frame in inbound {
                    switch frame {
                    case .line(let line) where line.readableBytes == 0:
                        continue
                    case .line(let line):
                        await router.respond(to: Data(line.readableBytesView), write: write)
                    case .tooLong:
                        logger.warning("control request longer than \(configuration.maximumRequestBytes) bytes refused")
                        await router.respondTooLarge(write: write)
                    }
                }
            }
        } catch {
            logger.debug("control connection ended: \(error)")
        }
    }
}
