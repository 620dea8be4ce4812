import Logging
import MediaCore
import MembershipCore
import NIOCore
import NIOPosix
import QoSModel
import ServiceCore
import ServiceLifecycle
import Synchronization

/// Listens for queries and reservations on the query port (TCP) and answers them from the
/// `ServiceHost`. A peer that sends a malformed, oversized, unknown-version, badly tagged or
/// replayed frame, or a request in the name of a sender `admit` refuses, is counted and
/// disconnected; nothing it sends disturbs the daemon.
///
/// Every connection shares one replay memory (``SharedReplayGuard``): a tagged request captured
/// on one connection is `replayed` on any other within the window.
///
/// Units in flight are known on every connection by requester, service and unit key
/// (``RunningUnits``): the unit's requester may cancel one (`unitCancel`) from any of its
/// connections; the unit is dropped or stopped and answered `.cancelled`. A cancel of another
/// requester's unit is refused, of a unit not here a no-op; each is counted (`cancels`).
public struct ServiceServer: Service {
    public struct Configuration: Sendable {
        /// The address to bind; tests and the lab give the host's own address. Default 0.0.0.0.
        public var host: String
        /// The query port; 0 picks a free one (reported to `onListening`). Default 7947.
        public var port: Int
        /// The coalition keys, read per frame so a reload applies at once, also on open
        /// connections; nil accepts only untagged frames. Default nil.
        public var keyring: WireKeyring?
        /// Units one connection may have in flight at once; more are refused as busy. Default 8
        /// (a requester keeps a few in flight per member, see the stream session).
        public var maximumUnitsInFlight: Int

        public init(host: String = "0.0.0.0", port: Int = 7947, keyring: WireKeyring? = nil, maximumUnitsInFlight: Int = 8) {
            self.host = host
            self.port = port
            self.keyring = keyring
            self.maximumUnitsInFlight = maximumUnitsInFlight
        }
    }

    public let configuration: Configuration
    private let host: ServiceHost
    /// Runs units; nil refuses every unit (`workerUnavailable`).
    private let units: (any UnitExecutor)?
    private let me: MemberID
    private let logger: Logger
    private let drops: ServiceDropCounter
    /// Decides per request whether its sender is served from the connection's source address
    /// (an IP literal; nil if unknown): nil serves it, a reason drops it and closes the
    /// connection. The daemon asks its membership (``RequesterAdmission``).
    private let admit: @Sendable (_ sender: MemberID, _ source: String?) async -> WireDropReason?
    /// The replay memory of every connection.
    private let replay: SharedReplayGuard
    /// Told the port once listening.
    private let onListening: @Sendable (Int) -> Void
    /// The units in flight on every connection, for cancels.
    private let runningUnits = RunningUnits()
    /// What the cancels received found (`node status`, `MemberWorkReport.cancels`).
    private let cancels: UnitCancelCounter

    public init(
        configuration: Configuration, host: ServiceHost, units: (any UnitExecutor)? = nil, me: MemberID,
        drops: ServiceDropCounter = .init(), cancels: UnitCancelCounter = .init(), logger: Logger,
        replay: SharedReplayGuard = SharedReplayGuard(),
        admit: @escaping @Sendable (_ sender: MemberID, _ source: String?) async -> WireDropReason? = { _, _ in nil },
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.onListening = onListening
        self.configuration = configuration
        self.host = host
        self.units = units
        self.me = me
        self.drops = drops
        self.cancels = cancels
        self.logger = logger
        self.admit = admit
        self.replay = replay
    }

    public func run() async throws {
        let keyring = configuration.keyring
        let replay = self.replay
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(WireStreamDecoder(accepting: ServiceMessage.requestTypes, keyring: keyring, replay: replay)))
                    return try NIOAsyncChannel<WireStreamEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? configuration.port
        logger.info("query listener up", metadata: ["address": "\(configuration.host):\(port)"])
        onListening(port)
        await acceptConnections(on: server, name: "query listener", logger: logger) { connection in
            await self.serve(connection)
        }
    }

    /// Answers a connection's requests. Queries, reservations, renewals and releases are answered
    /// in order as they come; units run concurrently (each takes about its media duration) and
    /// are answered when done, so the answers of a connection may come back in any order (the
    /// requester matches them by request number). One writer task sends every answer.
    private func serve(_ connection: NIOAsyncChannel<WireStreamEvent, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.description ?? "?"
        let source = connection.channel.remoteAddress?.ipAddress
        let encoder = WireFrameEncoder(keyring: configuration.keyring)
        let allocator = connection.channel.allocator
        do {
            try await connection.executeThenClose { inbound, outbound in
                let (answers, answer) = AsyncStream.makeStream(of: ServiceMessage.self)
                try await withThrowingTaskGroup(of: Void.self) { writer in
                    writer.addTask {
                        for await message in answers {
                            let body = message.body(allocator: allocator)
                            var buffer = allocator.buffer(capacity: WireFormat.headerLength + body.readableBytes + WireFormat.trailerLength)
                            encoder.encode(
                                message.type, body: body, into: &buffer, timestampMilliseconds: WireFormat.nowMilliseconds(),
                                nonce: frameNonce())
                            try await outbound.write(buffer)
                        }
                    }
                    await withTaskGroup(of: Void.self) { running in
                        await readRequests(inbound, peer: peer, source: source, answer: answer, running: &running)
                    }
                    answer.finish()
                    try await writer.waitForAll()
                }
            }
        } catch {
            logger.debug("query connection ended: \(error)", metadata: ["peer": "\(peer)"])
        }
    }

    /// Reads requests until the peer closes or sends something to drop (then units in flight
    /// are cancelled and the connection closes).
    private func readRequests(
        _ inbound: NIOAsyncChannelInboundStream<WireStreamEvent>, peer: String, source: String?,
        answer: AsyncStream<ServiceMessage>.Continuation, running: inout TaskGroup<Void>
    ) async {
        let inFlight = UnitsInFlight()
        do {
            for try await event in inbound {
                let message: ServiceMessage
                switch event {
                case .dropped(let reason):
                    drops.record(reason)
                    logger.warning("dropped a frame and disconnected the peer", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                    running.cancelAll()
                    return
                case .frame(let frame):
                    switch ServiceMessage.decode(frame) {
                    case .failure(let reason):
                        drops.record(reason)
                        logger.warning("dropped a frame and disconnected the peer", metadata: ["peer": "\(peer)", "reason": "\(reason)", "type": "\(frame.type)"])
                        running.cancelAll()
                        return
                    case .success(let decoded):
                        message = decoded
                    }
                }
                if let sender = message.sender, let refusal = await admit(sender, source) {
                    drops.record(refusal)
                    logger.warning(
                        "refused a request from a sender that is not a member at that address, and disconnected",
                        metadata: ["peer": "\(peer)", "sender": "\(sender)", "reason": "\(refusal)", "type": "\(message.type)"])
                    running.cancelAll()
                    return
                }
                if case .unit(let request, let sender, let service, let plan, let unit) = message {
                    guard inFlight.enter(limit: configuration.maximumUnitsInFlight) else {
                        answer.yield(.unitAnswer(request: request, outcome: .refused(.busy)))
                        continue
                    }
                    // Entered before the next request is read, so a cancel that follows finds it.
                    let key = MediaUnitEncoding.header(ofUnit: unit).map { UnitKey(stream: $0.stream, sequence: $0.sequence) }
                    let units = self.runningUnits
                    let cancellation = key.map { units.enter(requester: sender, service: service, unit: $0) } ?? UnitCancellation()
                    running.addTask {
                        defer { inFlight.leave() }
                        let outcome = await self.execute(unit, plan: plan, service: service, requester: sender, cancellation: cancellation)
                        if let key { units.leave(service: service, unit: key, cancellation) }
                        answer.yield(.unitAnswer(request: request, outcome: outcome))
                    }
                    continue
                }
                guard let reply = await self.answer(message) else {
                    drops.record(.unknownType)
                    logger.warning("an answer arrived on the query port; disconnecting", metadata: ["peer": "\(peer)"])
                    running.cancelAll()
                    return
                }
                answer.yield(reply)
            }
        } catch {
            logger.debug("query connection ended: \(error)", metadata: ["peer": "\(peer)"])
        }
    }

    /// Runs a unit under the sender's lease for `service`, or says why not; `.cancelled` when
    /// its requester cancelled it meanwhile.
    func execute(
        _ unit: [UInt8], plan: DeliveryPlan, service: ServiceID, requester: MemberID, cancellation: UnitCancellation = UnitCancellation()
    ) async -> UnitOutcome {
        guard let reservation = await host.lease(of: service, for: requester) else { return .refused(.noLease) }
        guard let units else { return .refused(.workerUnavailable) }
        if cancellation.isCancelled { return .cancelled }
        return await units.execute(unit: unit, plan: plan, under: reservation, cancellation: cancellation)
    }

    /// The answer to a request; nil for a message that is not a request.
    func answer(_ message: ServiceMessage) async -> ServiceMessage? {
        switch message {
        case .query(let request, _, let service, let ladder, let weight, let input):
            let offer = await host.offer(for: service, ladder: ladder, weight: weight ?? 1, input: input, me: me)
            return .offer(request: request, responder: me, shares: offer.shares, reasons: offer.reasons)
        case .reserve(let request, let sender, let service, let level, let share, let claim, let input):
            switch await host.reserve(service: service, requester: sender, level: level, share: share, claim: claim, input: input) {
            case .accepted:
                logger.info(
                    "reserved",
                    metadata: [
                        "service": "\(service)", "requester": "\(sender)", "level": "\(level)", "share": "\(share)",
                        "input": "\(input?.description ?? "-")",
                    ])
                let demand = input == nil ? nil : await host.demandPerStream(of: level, input: input)
                let parts = input == nil ? nil : await host.estimatePerStream(of: level, input: input)
                var estimate: CPUEstimate?
                if let demand, let parts {
                    estimate = CPUEstimate(
                        cpuPerMediaSecond: demand.cpuCores, decodeCPUPerMediaSecond: parts.decodeCPUSecondsPerMediaSecond,
                        hashCPUPerMediaSecond: parts.hashCPUSecondsPerMediaSecond, basis: parts.description)
                }
                // A lease with an input is a stream: its first unit follows within a second.
                if input != nil, let units, let reservation = await host.lease(of: service, for: sender) {
                    let host = self.host
                    Task { await units.prepare(for: reservation, isHeld: { await host.lease(of: service, for: sender) != nil }) }
                }
                return .reserveAnswer(request: request, accepted: true, available: share, reason: "", demand: demand, estimate: estimate)
            case .rejected(let reason, let available):
                return .reserveAnswer(request: request, accepted: false, available: available, reason: reason)
            }
        case .renew(let request, let sender, let services):
            let answer = await host.renew(services, for: sender)
            for stepDown in answer.stepDowns {
                logger.info(
                    "told a requester its service stepped down",
                    metadata: ["service": "\(stepDown.service)", "requester": "\(sender)", "level": "\(stepDown.level?.description ?? "none")"])
            }
            return .renewAnswer(request: request, unknown: answer.unknown, stepDowns: answer.stepDowns)
        case .release(let request, let sender, let service):
            await host.release(service, for: sender)
            return .releaseAnswer(request: request)
        case .unit(let request, let sender, let service, let plan, let unit):
            return .unitAnswer(request: request, outcome: await execute(unit, plan: plan, service: service, requester: sender))
        case .unitCancel(let request, let sender, let service, let unit):
            let outcome = runningUnits.cancel(unit, of: service, from: sender)
            cancels.record(outcome)
            if outcome == .refused {
                logger.warning(
                    "refused a cancel of another requester's unit",
                    metadata: ["service": "\(service)", "unit": "\(unit)", "sender": "\(sender)"])
            } else {
                logger.debug("a unit was cancelled", metadata: ["service": "\(service)", "unit": "\(unit)", "outcome": "\(outcome)"])
            }
            return .unitCancelAnswer(request: request, outcome: outcome)
        case .offer, .reserveAnswer, .renewAnswer, .releaseAnswer, .unitAnswer, .unitCancelAnswer:
            return nil
        }
    }
}

/// How many units one connection has in flight.
private final class UnitsInFlight: Sendable {
    private let count = Mutex(0)

    /// Takes a place if fewer than `limit` are taken.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}

/// Counts frames dropped on the query port, per reason, for `node status`.
public final class ServiceDropCounter: Sendable {
    private let counts = Mutex(WireDropCounts())

    public init() {}

    public func record(_ reason: WireDropReason) { counts.withLock { $0.record(reason) } }

    public var snapshot: WireDropCounts { counts.withLock { $0 } }
}

extension ServiceMessage {
    /// The types a member accepts on its query port.
    public static let requestTypes: [WireMessageType] = [
        .serviceQuery, .serviceReserve, .serviceRenew, .serviceRelease, .serviceUnit, .serviceUnitCancel,
    ]
    /// The types a requester accepts on its connections.
    public static let answerTypes: [WireMessageType] = [
        .serviceOffer, .serviceReserveAnswer, .serviceRenewAnswer, .serviceReleaseAnswer, .serviceUnitAnswer, .serviceUnitCancelAnswer,
    ]
}
