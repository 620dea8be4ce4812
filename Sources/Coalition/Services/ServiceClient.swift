import MediaCore
import MembershipCore
import NIOCore
import NIOPosix
import QoSModel
import ServiceCore

/// Talks to members' query ports over TCP: one connection per member, kept open and shared by
/// concurrent requests (answers are matched by request number). A broken connection fails its
/// outstanding requests and is re-opened by the next call.
public actor ServiceClient: ServiceTransport {
    public struct Configuration: Sendable {
        /// How long a connection attempt may take. Default 250 ms (a LAN answers in well under one).
        public var connectTimeout: Duration
        /// How long a request waits for its answer before failing. Default 300 ms. A member cut
        /// off without a word never answers: its requests fail after this, and no caller waits
        /// longer for it.
        public var requestTimeout: Duration
        /// The coalition keys, read per frame so a reload applies at once, also on open
        /// connections; nil sends untagged frames. Default nil.
        public var keyring: WireKeyring?

        public init(
            connectTimeout: Duration = .milliseconds(250), requestTimeout: Duration = .milliseconds(300),
            keyring: WireKeyring? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.keyring = keyring
        }
    }

    public let me: MemberID
    public let configuration: Configuration
    private var connections: [ServiceEndpoint: EventLoopFuture<Channel>] = [:]
    private var nextRequest: UInt32 = 1
    /// One replay memory for the answers on every connection.
    private let replay = SharedReplayGuard()

    public init(me: MemberID, configuration: Configuration = .init()) {
        self.me = me
        self.configuration = configuration
    }

    public func query(
        _ peer: ServiceEndpoint, service: ServiceID, ladder: [QoSLevel], weight: Double = 1, input: InputDescription? = nil
    ) async throws -> PeerOffer {
        // The default weight is left out, so a query reads as before to a member that predates weights.
        let message = ServiceMessage.query(
            request: number(), sender: me, service: service, ladder: ladder, weight: weight == 1 && input == nil ? nil : weight,
            input: input)
        let answer = try await send(message, to: peer)
        guard case .offer(_, let responder, let shares, let reasons) = answer, shares.count == ladder.count else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a query with \(answer.type)")
        }
        guard responder == peer.id else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered as \(responder)")
        }
        return PeerOffer(peer: peer.id, shares: shares, reasons: reasons)
    }

    public func reserve(
        _ peer: ServiceEndpoint, service: ServiceID, level: QoSLevel, share: Double, claim: ReservationClaim? = nil,
        input: InputDescription? = nil
    ) async throws -> ReserveAnswer {
        let answer = try await send(
            .reserve(request: number(), sender: me, service: service, level: level, share: share, claim: claim, input: input), to: peer)
        guard case .reserveAnswer(_, let accepted, let available, let reason, let demand, let estimate) = answer else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a reservation with \(answer.type)")
        }
        return ReserveAnswer(accepted: accepted, reason: reason, available: available, demand: demand, estimate: estimate)
    }

    public func renew(_ peer: ServiceEndpoint, services: [ServiceID]) async throws -> RenewAnswer {
        let answer = try await send(.renew(request: number(), sender: me, services: services), to: peer)
        guard case .renewAnswer(_, let unknown, let stepDowns) = answer else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a renewal with \(answer.type)")
        }
        return RenewAnswer(unknown: unknown, stepDowns: stepDowns)
    }

    public func release(_ peer: ServiceEndpoint, service: ServiceID) async throws {
        let answer = try await send(.release(request: number(), sender: me, service: service), to: peer)
        guard case .releaseAnswer = answer else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a release with \(answer.type)")
        }
    }

    /// Sends a unit of `service` (in `MediaUnitEncoding`'s form) to `peer`, which decodes it under
    /// our lease, and returns its answer. `timeout` bounds the whole exchange: a unit takes about
    /// its media duration at its share, so the stream session picks it per unit.
    public func execute(
        unit: [UInt8], plan: DeliveryPlan = .full, of service: ServiceID, on peer: ServiceEndpoint, timeout: Duration
    ) async throws -> UnitOutcome {
        let answer = try await send(.unit(request: number(), sender: me, service: service, plan: plan, unit: unit), to: peer, timeout: timeout)
        guard case .unitAnswer(_, let outcome) = answer else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a unit with \(answer.type)")
        }
        return outcome
    }

    /// Tells `peer` to give up `unit` of `service`, sent to it before (dropped if queued, stopped
    /// if decoding; its own request is answered `.cancelled`). Returns what the member found.
    public func cancel(unit: UnitKey, of service: ServiceID, on peer: ServiceEndpoint, timeout: Duration) async throws -> UnitCancelOutcome {
        let answer = try await send(.unitCancel(request: number(), sender: me, service: service, unit: unit), to: peer, timeout: timeout)
        guard case .unitCancelAnswer(_, let outcome) = answer else {
            throw ServiceClientError(peer: peer, failure: .unexpectedAnswer, reason: "answered a unit cancel with \(answer.type)")
        }
        return outcome
    }

    /// Closes every connection.
    public func close() async {
        for future in connections.values { _ = try? await future.get().close() }
        connections = [:]
    }

    private func number() -> UInt32 {
        defer { nextRequest &+= 1 }
        return nextRequest
    }

    private func send(_ message: ServiceMessage, to peer: ServiceEndpoint, timeout: Duration? = nil) async throws -> ServiceMessage {
        var channel: Channel
        do {
            channel = try await connection(to: peer).get()
            if !channel.isActive {
                // Closed since it was opened (the peer restarted, or the link broke): open anew.
                connections.removeValue(forKey: peer)
                channel = try await connection(to: peer).get()
            }
        } catch {
            connections.removeValue(forKey: peer)
            throw ServiceClientError(
                peer: peer, failure: ServiceClientError.isRefusal(error) ? .connectionRefused : .cannotConnect, reason: "cannot connect: \(error)")
        }
        let promise = channel.eventLoop.makePromise(of: ServiceMessage.self)
        channel.writeAndFlush(
            ServiceClientHandler.Outbound(message: message, answer: promise, timeout: TimeAmount(timeout ?? configuration.requestTimeout)),
            promise: nil)
        do {
            return try await promise.futureResult.get()
        } catch {
            if !channel.isActive { connections.removeValue(forKey: peer) }
            let failure: ServiceClientError.Failure =
                switch error as? ServiceProtocolError {
                case .connectionClosed?: .connectionClosed
                case .timedOut?: .timedOut
                case .dropped?: .protocolViolation
                case nil: .connectionClosed
                }
            throw ServiceClientError(peer: peer, failure: failure, reason: "\(error)")
        }
    }

    private func connection(to peer: ServiceEndpoint) -> EventLoopFuture<Channel> {
        if let existing = connections[peer] { return existing }
        let keyring = configuration.keyring
        let replay = self.replay
        let future = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(WireStreamDecoder(accepting: ServiceMessage.answerTypes, keyring: keyring, replay: replay)))
                    try channel.pipeline.syncOperations.addHandler(ServiceClientHandler(keyring: keyring))
                }
            }
            .connect(host: peer.host, port: Int(peer.port))
        connections[peer] = future
        return future
    }
}

/// A failed request to a member, naming it, what kind of failure it was and the reason.
public struct ServiceClientError: Error, CustomStringConvertible {
    /// What went wrong, as far as the requester can tell.
    public enum Failure: Sendable, Hashable {
        /// The connection could not be made in time (the peer unreachable, or slow).
        case cannotConnect
        /// The peer's host refused the connection: nothing listens on its service port.
        case connectionRefused
        /// The connection closed before the answer: the peer's end went away (its process
        /// died or closed it) or the link failed under an error.
        case connectionClosed
        /// No answer within the request's time.
        case timedOut
        /// The peer sent a frame we dropped; we disconnected.
        case protocolViolation
        /// The peer answered with another kind of message than the request's.
        case unexpectedAnswer
    }

    public var peer: ServiceEndpoint
    public var failure: Failure
    public var reason: String
    public var description: String { "\(peer): \(reason)" }

    /// Whether the peer's service is gone, not merely slow or far: its host refused the
    /// connection, or closed it under a request. A process that died closes its sockets at once,
    /// long before membership notices its silence.
    public var peerServiceIsGone: Bool { failure == .connectionRefused || failure == .connectionClosed }

    /// Whether a connect failed because the peer's host refused it (ECONNREFUSED).
    static func isRefusal(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.contains { isRefusal($0.error) }
        }
        return false
    }
}

/// Encodes requests, remembers their promises by request number, and fulfils them with the
/// answers; fails them all when the connection breaks or the peer sends something bad.
final class ServiceClientHandler: ChannelDuplexHandler {
    struct Outbound {
        var message: ServiceMessage
        var answer: EventLoopPromise<ServiceMessage>
        /// The request fails with `ServiceProtocolError.timedOut` if no answer came by then.
        var timeout: TimeAmount
    }

    typealias InboundIn = WireStreamEvent
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    private let encoder: WireFrameEncoder
    private var pending: [UInt32: EventLoopPromise<ServiceMessage>] = [:]
    private var timers: [UInt32: Scheduled<Void>] = [:]

    init(keyring: WireKeyring?) {
        encoder = WireFrameEncoder(keyring: keyring)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let number = request.message.request
        pending[number] = request.answer
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timers[number] = context.eventLoop.scheduleTask(in: request.timeout) {
            handler.value.complete(number, with: .failure(ServiceProtocolError.timedOut))
        }
        let body = request.message.body(allocator: context.channel.allocator)
        var buffer = context.channel.allocator.buffer(capacity: WireFormat.headerLength + body.readableBytes + WireFormat.trailerLength)
        encoder.encode(
            request.message.type, body: body, into: &buffer,
            timestampMilliseconds: WireFormat.nowMilliseconds(), nonce: frameNonce())
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .dropped(let reason):
            failAll(ServiceProtocolError.dropped(reason))
            context.close(promise: nil)
        case .frame(let frame):
            switch ServiceMessage.decode(frame) {
            case .success(let message):
                complete(message.request, with: .success(message))
            case .failure(let reason):
                failAll(ServiceProtocolError.dropped(reason))
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(ServiceProtocolError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func complete(_ number: UInt32, with result: Result<ServiceMessage, any Error>) {
        timers.removeValue(forKey: number)?.cancel()
        pending.removeValue(forKey: number)?.completeWith(result)
    }

    private func failAll(_ error: any Error) {
        let waiting = pending
        pending = [:]
        for timer in timers.values { timer.cancel() }
        timers = [:]
        for promise in waiting.values { promise.fail(error) }
    }
}

enum ServiceProtocolError: Error, CustomStringConvertible {
    case dropped(WireDropReason)
    case connectionClosed
    case timedOut

    var description: String {
        switch self {
        case .dropped(let reason): "the peer sent a frame we dropped (\(reason)); disconnected"
        case .connectionClosed: "the connection closed before the answer"
        case .timedOut: "no answer in time"
        }
    }
}
