@testable import Coalition
import Foundation
import Logging
import MediaCore
import MembershipCore
import NIOCore
import NIOPosix
import QoSModel
import ServiceCore
import Synchronization
import TestSupport
import Testing

/// Real members (ServiceHost + ServiceServer on 127.0.0.1 sockets) and a real requester
/// (ServiceCoordinator + ServiceClient): the wire, the sockets and the actors, no mocks.
@Suite(.serialized) struct ServiceLoopbackTests {
    struct Node {
        var id: MemberID
        var port: Int
        var host: ServiceHost
        var drops: ServiceDropCounter
    }

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// Starts members with the given spare cores, runs `body`, then stops them.
    func withMembers(
        _ cores: [Double], key: WireAuthenticator? = .testKey, memberKeys: [WireAuthenticator?]? = nil,
        _ body: ([Node]) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var nodes: [Node] = []
            for (index, spareCores) in cores.enumerated() {
                let id = MemberID.named("m\(index)")
                let host = ServiceHost(
                    profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: spareCores, memoryAvailableBytes: 900 << 20) },
                    now: { MembershipInstant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
                let drops = ServiceDropCounter()
                let (ports, continuation) = AsyncStream<Int>.makeStream()
                let server = ServiceServer(
                    configuration: .init(host: "127.0.0.1", port: 0, keyring: (memberKeys?[index] ?? key).map { WireKeyring($0) }),
                    host: host, me: id, drops: drops, logger: Self.logger, onListening: { continuation.yield($0) })
                group.addTask { try await server.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                nodes.append(Node(id: id, port: port, host: host, drops: drops))
            }
            try await body(nodes)
            group.cancelAll()
        }
    }

    func endpoint(_ node: Node) -> ServiceEndpoint { ServiceEndpoint(id: node.id, host: "127.0.0.1", port: UInt16(node.port)) }

    /// Runs a coordinator over the members until `until` holds for the service's events.
    func request(
        _ request: ServiceRequest, over nodes: [Node], key: WireAuthenticator? = .testKey,
        then: (ServiceCoordinator, ServiceID, AsyncStream<ServiceEventRecord>.AsyncIterator) async throws -> Void
    ) async throws {
        let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: key.map { WireKeyring($0) }))
        let coordinator = ServiceCoordinator(me: MemberID.named("req"), transport: client, logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await coordinator.run() }
            for node in nodes { await coordinator.peerUp(endpoint(node)) }
            let events = await coordinator.watch()
            let id = await coordinator.request(request)
            try await then(coordinator, id, events.makeAsyncIterator())
            group.cancelAll()
        }
        await client.close()
    }

    func next(_ iterator: inout AsyncStream<ServiceEventRecord>.AsyncIterator, kind: ServiceEvent.Kind) async -> ServiceEventRecord? {
        while let event = await iterator.next() {
            if event.kind == kind { return event }
            if event.settles { return event }
        }
        return nil
    }

    @Test func aServiceFormsOverRealSockets_andIsRebuiltWhenAMemberIsLost() async throws {
        try await withMembers([1.0, 0.6, 0.6]) { nodes in
            try await request(try ServiceRequest(QoSLevel(video: .hd)), over: nodes) { coordinator, id, events in
                var events = events
                let formed = await next(&events, kind: .formed)
                #expect(formed?.kind == .formed)
                // Required: were m0 not the member (its answer late on a loaded machine), losing it
                // would rebuild nothing and the wait for `.rebuilt` below would never end.
                try #require(formed?.members.map(\.peer) == [MemberID.named("m0").rawValue])
                #expect(await nodes[0].host.reservations.map(\.service) == [id])

                await coordinator.peerDown(nodes[0].id, reason: "declared dead")
                let rebuilt = await next(&events, kind: .rebuilt)
                #expect(rebuilt?.kind == .rebuilt)
                #expect(Set(rebuilt?.members.map(\.peer) ?? []) == [MemberID.named("m1").rawValue, MemberID.named("m2").rawValue])
                #expect(rebuilt?.recoveryMillis != nil, "a rebuild reports how long it took (the benchmark measures it)")
                #expect(await nodes[1].host.reservations.count == 1)

                try await coordinator.release(id)
                _ = await next(&events, kind: .released)
                // The members let go when the release reaches them over TCP.
                try await eventually {
                    let first = await nodes[1].host.reservations.isEmpty
                    let second = await nodes[2].host.reservations.isEmpty
                    return first && second
                }
            }
        }
    }

    @Test func aRequestNoMemberCanServe_isReportedUnserved() async throws {
        try await withMembers([0.2, 0.2]) { nodes in
            try await request(try ServiceRequest(QoSLevel(video: .fhd)), over: nodes) { _, _, events in
                var events = events
                let outcome = await next(&events, kind: .unserved)
                #expect(outcome?.kind == .unserved)
                #expect(outcome?.reason?.hasPrefix("cannot serve 1 stream(s) of FHD") == true)
            }
        }
    }

    @Test func aMemberWithAnotherKey_isNeverCounted() async throws {
        let key = try WireAuthenticator(key: Array("the-coalition-key-0123".utf8))
        let other = try WireAuthenticator(key: Array("some-other-key-456789".utf8))
        try await withMembers([2.0, 0.6, 0.6], memberKeys: [other, key, key]) { nodes in
            try await request(try ServiceRequest(QoSLevel(video: .hd)), over: nodes, key: key) { _, _, events in
                var events = events
                let formed = await next(&events, kind: .formed)
                #expect(formed?.kind == .formed)
                #expect(Set(formed?.members.map(\.peer) ?? []) == [MemberID.named("m1").rawValue, MemberID.named("m2").rawValue], "the strongest board has the wrong key")
                #expect(nodes[0].drops.snapshot[.badTag] >= 1)
            }
        }
    }

    @Test func garbageOnTheQueryPort_isCountedAndDisconnected_andTheMemberKeepsAnswering() async throws {
        // Without a key (--insecure), so that an untagged frame reaches the body checks too.
        try await withMembers([1.0], key: nil) { nodes in
            for garbage: [UInt8] in [
                [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09],  // bad magic
                [0xC0, 0xA1, 0x09, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00],  // unknown version
                [0xC0, 0xA1, 0x01, 0x09, 0x00, 0x7F, 0xFF, 0xFF, 0xFF],  // oversized
                [0xC0, 0xA1, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00],  // unknown type
                [0xC0, 0xA1, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00, 0x02, 0xFF, 0xFF],  // malformed body
            ] {
                let closed = try await sendRaw(garbage, to: nodes[0].port)
                #expect(closed, "the member must disconnect a peer sending \(garbage)")
            }
            let counts = nodes[0].drops.snapshot
            #expect(counts[.badMagic] == 1)
            #expect(counts[.unsupportedVersion] == 1)
            #expect(counts[.oversized] == 1)
            #expect(counts[.unknownType] == 1)
            #expect(counts[.malformedBody] == 1)
            try await request(try ServiceRequest(QoSLevel(video: .hd)), over: nodes, key: nil) { _, _, events in
                var events = events
                #expect(await next(&events, kind: .formed)?.kind == .formed)
            }
        }
    }

    @Test func aPeerThatAcceptsButNeverAnswers_doesNotHoldUpFormation() async throws {
        // A board cut off after its connection was opened: TCP stays up, nothing comes back.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        try await withMembers([1.0]) { nodes in
            let client = ServiceClient(me: MemberID.named("req"), configuration: .init(keyring: WireKeyring(.testKey)))
            let coordinator = ServiceCoordinator(me: MemberID.named("req"), transport: client, logger: Self.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await coordinator.run() }
                await coordinator.peerUp(ServiceEndpoint(id: MemberID.named("silent"), host: "127.0.0.1", port: UInt16(silent.localAddress!.port!)))
                await coordinator.peerUp(endpoint(nodes[0]))
                var events = await coordinator.watch().makeAsyncIterator()
                _ = await coordinator.request(try ServiceRequest(QoSLevel(video: .hd)))
                let formed = await next(&events, kind: .formed)
                #expect(formed?.members.map(\.peer) == [MemberID.named("m0").rawValue])
                group.cancelAll()
            }
            await client.close()
        }
    }

    /// Writes raw bytes; returns true when the peer then closes the connection.
    func sendRaw(_ bytes: [UInt8], to port: Int) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            let deadline = ContinuousClock.now + .seconds(2)
            var iterator = inbound.makeAsyncIterator()
            while ContinuousClock.now < deadline {
                guard (try? await iterator.next()) != nil else { return true }
            }
            return false
        }
    }
}

@Suite struct ServiceMessageTests {
    @Test func everyMessageSurvivesARoundTrip() throws {
        let a = MemberID.named("a")
        let s = ServiceID("a/1")
        let messages: [ServiceMessage] = [
            .query(request: 1, sender: a, service: s, ladder: [QoSLevel(video: .fhd, audio: .high), QoSLevel(video: .sd)]),
            .offer(request: 2, responder: a, shares: [0.5, 1.25], reasons: ["cpu", "mem"]),
            .reserve(request: 3, sender: a, service: s, level: QoSLevel(audio: .low), share: 0.75),
            .reserveAnswer(request: 4, accepted: false, available: 0.25, reason: "busy"),
            .renew(request: 5, sender: a, services: [s, ServiceID("b/2")]),
            .renewAnswer(request: 6, unknown: [s]),
            .release(request: 7, sender: a, service: s),
            .releaseAnswer(request: 8),
            .unit(request: 9, sender: a, service: s, plan: .full, unit: [1, 2, 3, 0, 255]),
            .unit(request: 10, sender: a, service: s, plan: DeliveryPlan(level: .referenceFramesOnly), unit: []),
            .unitAnswer(request: 11, outcome: .result([9, 8, 7])),
            .unitAnswer(request: 12, outcome: .refused(.busy)),
            .unitAnswer(request: 13, outcome: .cancelled),
            .unitCancel(request: 14, sender: a, service: s, unit: UnitKey(stream: 1, sequence: 7)),
            .unitCancel(request: 15, sender: a, service: s, unit: UnitKey(stream: 255, sequence: .max)),
            .unitCancelAnswer(request: 16, outcome: .dropped),
            .unitCancelAnswer(request: 17, outcome: .stopped),
            .unitCancelAnswer(request: 18, outcome: .unknown),
            .unitCancelAnswer(request: 19, outcome: .refused),
        ]
        for message in messages {
            var buffer = ByteBuffer()
            WireFrameEncoder().encode(message.type, body: message.body(), into: &buffer, timestampMilliseconds: 0, nonce: 0)
            var decoder = WireFrameDecoder(accepting: ServiceMessage.requestTypes + ServiceMessage.answerTypes)
            let frame = try decoder.decode(datagram: buffer, nowMilliseconds: 0).get()
            #expect(try ServiceMessage.decode(frame).get() == message)
        }
    }

    @Test func anOverlongReason_isCutBetweenCharacters_notDropped() throws {
        let reason = String(repeating: "é", count: 400)  // 800 bytes of UTF-8, two per character
        let message = ServiceMessage.reserveAnswer(request: 4, accepted: false, available: 0, reason: reason)
        guard case .reserveAnswer(_, _, _, let received, _, _) = try ServiceMessage.decode(WireFrame(type: .serviceReserveAnswer, body: message.body())).get()
        else {
            Issue.record("not a reserve answer")
            return
        }
        #expect(received == String(repeating: "é", count: ServiceMessage.maximumReasonBytes / 2))
    }

    @Test func truncatedOrPaddedBodies_areMalformed() throws {
        let message = ServiceMessage.reserve(request: 3, sender: MemberID.named("a"), service: ServiceID("a/1"), level: QoSLevel(video: .hd), share: 0.5)
        var body = message.body()
        for cut in 0..<body.readableBytes {
            let frame = WireFrame(type: .serviceReserve, body: body.getSlice(at: 0, length: cut)!)
            #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(frame).get() }
        }
        body.writeInteger(UInt8(0))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceReserve, body: body)).get() }
    }

    @Test func unitsOverTheirLimitAndUnknownRefusals_areMalformed() {
        var oversized = ServiceMessage.unit(request: 1, sender: MemberID.named("a"), service: ServiceID("a/1"), plan: .full, unit: []).body()
        oversized.moveWriterIndex(to: oversized.writerIndex - 4)
        oversized.writeInteger(UInt32(ServiceMessage.maximumUnitBytes + 1))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnit, body: oversized)).get() }
        var refusal = ServiceMessage.unitAnswer(request: 2, outcome: .refused(.busy)).body()
        refusal.moveWriterIndex(to: refusal.writerIndex - 1)
        refusal.writeInteger(UInt8(99))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnitAnswer, body: refusal)).get() }
    }

    @Test func cancelFrames_truncatedPaddedOrWithBadFields_areMalformed() throws {
        let cancel = ServiceMessage.unitCancel(request: 3, sender: MemberID.named("a"), service: ServiceID("a/1"), unit: UnitKey(stream: 1, sequence: 9))
        let answer = ServiceMessage.unitCancelAnswer(request: 3, outcome: .stopped)
        for message in [cancel, answer, .unitAnswer(request: 3, outcome: .cancelled)] {
            var body = message.body()
            for cut in 0..<body.readableBytes {
                let frame = WireFrame(type: message.type, body: body.getSlice(at: 0, length: cut)!)
                #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(frame).get() }
            }
            body.writeInteger(UInt8(0))
            #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: message.type, body: body)).get() }
        }
        // Outcomes other than 1...4, and unit answers other than 0...2.
        for code in [UInt8(0), 5, 255] {
            var bad = ByteBuffer()
            bad.writeInteger(UInt32(3))
            bad.writeInteger(code)
            #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnitCancelAnswer, body: bad)).get() }
        }
        var unitAnswer = ByteBuffer()
        unitAnswer.writeInteger(UInt32(3))
        unitAnswer.writeInteger(UInt8(3))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnitAnswer, body: unitAnswer)).get() }
        // An empty service id, a sender that is not an id.
        var emptyService = ByteBuffer()
        emptyService.writeInteger(UInt32(3))
        let sender = Array(MemberID.named("a").rawValue.utf8)
        emptyService.writeInteger(UInt8(sender.count)); emptyService.writeBytes(sender)
        emptyService.writeInteger(UInt8(0))
        emptyService.writeInteger(UInt8(1)); emptyService.writeInteger(UInt32(9))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnitCancel, body: emptyService)).get() }
        var badSender = ByteBuffer()
        badSender.writeInteger(UInt32(3))
        badSender.writeInteger(UInt8(MemberID.byteCount + 1)); badSender.writeBytes(Array(repeating: UInt8(ascii: "a"), count: MemberID.byteCount + 1))
        badSender.writeInteger(UInt8(3)); badSender.writeBytes(Array("a/1".utf8))
        badSender.writeInteger(UInt8(1)); badSender.writeInteger(UInt32(9))
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceUnitCancel, body: badSender)).get() }
        // A cancel is a request (a member takes it), its answer an answer (a requester does).
        #expect(ServiceMessage.requestTypes.contains(.serviceUnitCancel) && !ServiceMessage.answerTypes.contains(.serviceUnitCancel))
        #expect(ServiceMessage.answerTypes.contains(.serviceUnitCancelAnswer) && !ServiceMessage.requestTypes.contains(.serviceUnitCancelAnswer))
        #expect(cancel.sender == MemberID.named("a") && answer.sender == nil)
    }

    @Test func absurdSharesAndLevels_areMalformed() {
        var nan = ByteBuffer()
        nan.writeInteger(UInt32(1))
        nan.writeInteger(UInt8(1)); nan.writeBytes(Array("a".utf8))
        nan.writeInteger(UInt8(3)); nan.writeBytes(Array("a/1".utf8))
        nan.writeInteger(UInt8(2)); nan.writeInteger(UInt8(0))
        var badLevel = nan
        nan.writeInteger(Double.nan.bitPattern)
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceReserve, body: nan)).get() }
        badLevel.moveWriterIndex(to: badLevel.writerIndex - 2)
        badLevel.writeInteger(UInt8(9)); badLevel.writeInteger(UInt8(0))
        badLevel.writeInteger(Double(0.5).bitPattern)
        #expect(throws: WireDropReason.malformedBody) { try ServiceMessage.decode(WireFrame(type: .serviceReserve, body: badLevel)).get() }
    }
}
