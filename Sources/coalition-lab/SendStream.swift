import ArgumentParser
import Foundation
import LabKit
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP sender for the lab tests' stranger (WireGapsLabTests): it knows nothing of the
/// protocol, opens a connection, writes the file's bytes as they are, and reports what came back
/// and whether the peer closed; as many times as asked, each time on a fresh connection (so the
/// same tagged frames are replayed on a new connection).
struct SendStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-stream",
        abstract: "Write a file's bytes on fresh TCP connections; print per connection what came back and whether the peer closed.",
        discussion: "One line per connection: `connection N: sent S B, received R B, closed by peer` (or `still open`).")

    @Argument(help: ArgumentHelp("The bytes to send.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The target.", valueName: "address:port"))
    var to: String

    @Option(help: ArgumentHelp("How many connections, one after another.", valueName: "n"))
    var connections: Int = 1

    @Option(help: ArgumentHelp("How long to wait for answers on each connection, seconds.", valueName: "s"))
    var wait: Double = 2

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard wait > 0 else { throw ValidationError("--wait must be above 0") }
        _ = try target()
    }

    func target() throws -> SocketAddress {
        try SocketAddress.labTarget(to)
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw Unanswered(description: "cannot read \(file)") }
        let target = try target()
        for number in 1...connections {
            let received = Counter()
            let channel = try ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ReceivedBytes(counter: received)) }
                }
                .connect(to: target).wait()
            try channel.writeAndFlush(channel.allocator.buffer(bytes: data)).wait()
            let closedByPeer = Counter()
            channel.closeFuture.whenComplete { _ in closedByPeer.add(1) }
            let deadline = Date().addingTimeInterval(wait)
            while closedByPeer.value == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            let closed = closedByPeer.value > 0
            if !closed { try? channel.close().wait() }
            print("connection \(number): sent \(data.count) B, received \(received.value) B, \(closed ? "closed by peer" : "still open")")
        }
    }
}

/// Counts what a connection receives.
private final class ReceivedBytes: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let counter: Counter
    init(counter: Counter) { self.counter = counter }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        counter.add(unwrapInboundIn(data).readableBytes)
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
