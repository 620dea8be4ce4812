import MediaCore
import NIOCore
import NIOPosix
import SystemCalls

/// The demux worker of a stream (`node worker demux`), started by the requester's daemon: its
/// messages (`DemuxMessage`) one at a time, in order. Reading the next message is what lets the
/// worker write more: while the stream holds its input back, the worker blocks on its pipe.
public final class DemuxSource: Sendable {
    /// How the worker is started.
    public struct Configuration: Sendable {
        /// The worker program. Default: this very executable (`/proc/self/exe`).
        public var executable: String
        /// The arguments before the input's own. Default `["worker", "demux"]`.
        public var arguments: [String]

        public init(executable: String = "/proc/self/exe", arguments: [String] = ["worker", "demux"]) {
            self.executable = executable
            self.arguments = arguments
        }
    }

    /// Why the source failed to give a message.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The worker wrote something that is not a framed demux message.
        case malformed(String)
        /// The worker ended without its `end` or `failure` message (it crashed): its status.
        case ended(PipedProcess.ExitStatus?)

        public var description: String {
            switch self {
            case .malformed(let reason): "the demux worker wrote an unreadable message: \(reason)"
            case .ended(let status): "the demux worker ended without a word (\(status.map { "\($0)" } ?? "status unknown"))"
            }
        }
    }

    private let process: PipedProcess
    private let channel: NIOAsyncChannel<ByteBuffer, Never>
    private let iterator: IteratorBox

    private final class IteratorBox: @unchecked Sendable {
        // Used by one reader at a time (`next()` is not called concurrently: the stream reads
        // its input in one task).
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var reader = WorkerPipe.Reader(limit: MediaUnitLimits.standard.maximumUnitBytes + 1)
        var ended = false
        /// Set once the worker was waited for: its pid may then belong to another process.
        var reaped = false
        init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.inbound = inbound }
    }

    /// Starts the worker on `inputArguments` (e.g. `--input clip.mp4 --unit-seconds 1`).
    public static func start(_ inputArguments: [String], configuration: Configuration = .init()) async throws -> DemuxSource {
        let process = try PipedProcess.spawn(executable: configuration.executable, arguments: configuration.arguments + inputArguments)
        // The worker reads nothing from us.
        try? process.input.close()
        do {
            let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptor(input: process.output.rawValue) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                    }
                }
            return DemuxSource(process: process, channel: channel)
        } catch {
            try? process.output.close()
            try? process.send(signal: SIGKILL)
            _ = try? await NIOThreadPool.singleton.runIfActive { try process.waitForExit() }
            throw error
        }
    }

    private init(process: PipedProcess, channel: NIOAsyncChannel<ByteBuffer, Never>) {
        self.process = process
        self.channel = channel
        self.iterator = IteratorBox(channel.inbound.makeAsyncIterator())
    }

    /// The next message; nil after `end` or `failure` was returned.
    public func next() async throws -> DemuxMessage? {
        let box = iterator
        guard !box.ended else { return nil }
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try box.reader.next()
            } catch {
                await stop()
                throw Failure.malformed(error.description)
            }
            if let bytes {
                let message: DemuxMessage
                do {
                    message = try DemuxMessage.decode(bytes)
                } catch {
                    await stop()
                    throw Failure.malformed(error.description)
                }
                switch message {
                case .end, .failure:
                    box.ended = true
                    _ = await reap()
                case .streams, .unit:
                    break
                }
                return message
            }
            guard let chunk = try await box.inbound.next() else {
                box.ended = true
                throw Failure.ended(await reap())
            }
            box.reader.append(chunk.readableBytesView)
        }
    }

    /// Kills the worker (by the pid it was started as, unless it was already reaped) and reaps it.
    public func stop() async {
        iterator.ended = true
        if !iterator.reaped { try? process.send(signal: SIGKILL) }
        try? await channel.channel.close()
        _ = await reap()
    }

    private func reap() async -> PipedProcess.ExitStatus? {
        guard !iterator.reaped else { return nil }
        iterator.reaped = true
        let process = self.process
        return try? await NIOThreadPool.singleton.runIfActive { try process.waitForExit() }
    }
}
