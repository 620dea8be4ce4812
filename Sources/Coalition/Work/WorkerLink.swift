import MediaCore
import NIOCore
import NIOPosix
import SystemCalls

/// One worker process and the framed pipes to it (`WorkerPipe`): a message out, its answer
/// back, one at a time. The worker's standard error is the daemon's, so its complaints reach
/// the journal.
final class WorkerLink: Sendable {
    /// Why an exchange with a worker failed.
    enum Failure: Error, Sendable, CustomStringConvertible {
        /// The worker closed its output: it exited or was killed (its status, once reaped).
        case ended
        /// It did not answer within the exchange's time limit; it was killed.
        case timedOut(Duration)
        /// It wrote something that is not a framed answer (or an answer nobody asked for).
        case brokenPipe(String)
        /// An exchange was started while another was running (a bug of the caller).
        case busy

        var description: String {
            switch self {
            case .ended: "the worker ended"
            case .timedOut(let limit): "the worker did not answer within \(limit)"
            case .brokenPipe(let reason): "the worker broke its pipe protocol: \(reason)"
            case .busy: "the worker was already busy"
            }
        }
    }

    let process: ChildProcess
    private let channel: Channel

    private init(process: ChildProcess, channel: Channel) {
        self.process = process
        self.channel = channel
    }

    /// Starts `executable` with `arguments` and connects to its pipes. Answers longer than
    /// `answerLimit` bytes break the link.
    static func start(executable: String, arguments: [String], answerLimit: Int) async throws -> WorkerLink {
        let process = try ChildProcess.spawn(executable: executable, arguments: arguments)
        do {
            let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(WorkerLinkHandler(answerLimit: answerLimit))
                    }
                }
                .takingOwnershipOfDescriptors(input: process.output.rawValue, output: process.input.rawValue)
                .get()
            return WorkerLink(process: process, channel: channel)
        } catch {
            try? process.input.close()
            try? process.output.close()
            try? process.send(signal: SIGKILL)
            _ = try? await NIOThreadPool.singleton.runIfActive { try process.waitForExit() }
            throw error
        }
    }

    /// Sends `message` and waits for the answer, at most `timeout` (then the worker is killed).
    func exchange(_ message: [UInt8], timeout: Duration) async throws(Failure) -> [UInt8] {
        let promise = channel.eventLoop.makePromise(of: [UInt8].self)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(Failure.timedOut(timeout))
        }
        // A worker that already closed its pipes (it crashed, or broke the protocol before it
        // was asked anything) fails the write: the answer will never come.
        channel.writeAndFlush(WorkerLinkHandler.Request(message: message, answer: promise)).whenFailure { _ in
            promise.fail(Failure.ended)
        }
        do {
            let answer = try await promise.futureResult.get()
            timer.cancel()
            return answer
        } catch let failure as Failure {
            timer.cancel()
            if case .timedOut = failure { await stop() }
            throw failure
        } catch {
            timer.cancel()
            throw .brokenPipe("\(error)")
        }
    }

    /// Kills the worker (SIGKILL, to the pid it was started as), closes the pipes and reaps it;
    /// returns how it ended.
    @discardableResult
    func stop() async -> ChildProcess.ExitStatus? {
        try? process.send(signal: SIGKILL)
        try? await channel.close()
        return await reap()
    }

    /// Waits for the worker to end and reaps it, off the event loops.
    func reap() async -> ChildProcess.ExitStatus? {
        let process = self.process
        return try? await NIOThreadPool.singleton.runIfActive { try process.waitForExit() }
    }

    /// Whether the pipes are still open (the worker may still be running).
    var isOpen: Bool { channel.isActive }
}

/// Frames requests, fulfils the one pending with the next answer, and fails it when the worker
/// closes its output or breaks the framing.
private final class WorkerLinkHandler: ChannelDuplexHandler {
    struct Request {
        var message: [UInt8]
        var answer: EventLoopPromise<[UInt8]>
    }

    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    private var reader: WorkerPipe.Reader
    private var pending: EventLoopPromise<[UInt8]>?

    init(answerLimit: Int) {
        reader = WorkerPipe.Reader(limit: answerLimit)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.answer.fail(WorkerLink.Failure.busy)
            promise?.fail(WorkerLink.Failure.busy)
            return
        }
        pending = request.answer
        var buffer = context.channel.allocator.buffer(capacity: 4 + request.message.count)
        buffer.writeInteger(UInt32(request.message.count))
        buffer.writeBytes(request.message)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        reader.append(bytes.readableBytesView)
        do {
            while let message = try reader.next() {
                guard let answer = pending else {
                    fail(context, .brokenPipe("an answer of \(message.count) bytes nobody asked for"))
                    return
                }
                pending = nil
                answer.succeed(message)
            }
        } catch {
            fail(context, .brokenPipe(error.description))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.fail(WorkerLink.Failure.ended)
        pending = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, .brokenPipe("\(error)"))
    }

    private func fail(_ context: ChannelHandlerContext, _ failure: WorkerLink.Failure) {
        pending?.fail(failure)
        pending = nil
        context.close(promise: nil)
    }
}
