@testable import Coalition
import Discovery
import Foundation
import Logging
import MembershipCore
import NIOCore
import NIOPosix
import QoSModel
import ServiceCore
import Synchronization
import Testing

/// The replay memory, pure, with the clock passed in.
@Suite struct ReplayGuardTests {
    let now: UInt64 = 1_764_720_000_000

    @Test func aFrameIsAcceptedOnce_thenReplayed_thenStaleOnceTheWindowPassed() {
        var memory = ReplayGuard()
        #expect(memory.admit(timestamp: now, nonce: 7, nowMilliseconds: now) == nil)
        #expect(memory.admit(timestamp: now, nonce: 7, nowMilliseconds: now + 4_999) == .replayed)
        #expect(memory.admit(timestamp: now, nonce: 8, nowMilliseconds: now) == nil, "another nonce is another frame")
        #expect(memory.admit(timestamp: now, nonce: 7, nowMilliseconds: now + 5_001) == .staleTimestamp)
        #expect(memory.admit(timestamp: now + 5_001, nonce: 9, nowMilliseconds: now) == .staleTimestamp, "too far ahead too")
    }

    @Test func aFullMemoryRefusesNewFrames_insteadOfForgettingOnesAReplayCouldReuse() {
        // Before: the fifth frame pushed the first out, and the first was then accepted again.
        var memory = ReplayGuard(capacity: 4)
        for nonce: UInt64 in 1...4 { #expect(memory.admit(timestamp: now, nonce: nonce, nowMilliseconds: now) == nil) }
        #expect(memory.admit(timestamp: now, nonce: 5, nowMilliseconds: now + 10) == .replayMemoryFull)
        #expect(memory.admit(timestamp: now, nonce: 1, nowMilliseconds: now + 20) == .replayed, "nothing was forgotten")
        #expect(memory.count == 4)
    }

    @Test func entriesLeaveOnceTheirTimestampLeftTheWindow_makingRoom() {
        var memory = ReplayGuard(capacity: 4)
        for nonce: UInt64 in 1...4 { _ = memory.admit(timestamp: now, nonce: nonce, nowMilliseconds: now) }
        let later = now + 5_001
        #expect(memory.admit(timestamp: later, nonce: 5, nowMilliseconds: later) == nil)
        #expect(memory.count == 1)
        // A replay of a forgotten frame is stale by then.
        #expect(memory.admit(timestamp: now, nonce: 1, nowMilliseconds: later) == .staleTimestamp)
    }

    @Test func aMemoryIsBoundedByItsCapacityWhateverComes() {
        var memory = ReplayGuard(capacity: 64)
        var accepted = 0
        for step in 0..<10_000 {
            let clock = now + UInt64(step)  // 10 s of 1000 frames a second
            if memory.admit(timestamp: clock, nonce: UInt64(step), nowMilliseconds: clock) == nil { accepted += 1 }
            #expect(memory.count <= 64)
        }
        #expect(accepted > 0 && accepted < 10_000)
    }

    @Test func twoDecodersSharingAMemory_refuseEachOthersFrames() throws {
        let keyring = WireKeyring(.testKey)
        let shared = SharedReplayGuard()
        var buffer = ByteBuffer()
        let message = ServiceMessage.query(request: 1, sender: MemberID.named("a"), service: ServiceID("s"), ladder: [QoSLevel(video: .hd)], weight: nil)
        WireFrameEncoder(keyring: keyring).encode(message.type, body: message.body(allocator: .init()), into: &buffer, timestampMilliseconds: now, nonce: 42)
        var first = WireFrameDecoder(accepting: ServiceMessage.requestTypes, keyring: keyring, sharedReplayGuard: shared)
        var second = WireFrameDecoder(accepting: ServiceMessage.requestTypes, keyring: keyring, sharedReplayGuard: shared)
        var copy = buffer
        guard case .frame = first.decode(stream: &copy, nowMilliseconds: now) else { Issue.record("the first copy must pass"); return }
        copy = buffer
        guard case .drop(.replayed) = second.decode(stream: &copy, nowMilliseconds: now + 1) else { Issue.record("the second copy must be a replay"); return }
        #expect(shared.count == 1)
    }
}

/// Who the query port serves, pure.
@Suite struct RequesterAdmissionTests {
    let me = MemberID.named("me")
    let peer = MemberID.named("peer")
    func known(_ state: MemberState, at host: String = "10.0.0.2") -> RequesterAdmission.KnownMember {
        .init(state: state, address: PeerAddress(host: host, port: 7946))
    }

    @Test func aLiveMemberIsServedFromItsOwnAddressOnly() {
        let admission = RequesterAdmission(me: me)
        #expect(admission.refusal(of: peer, from: "10.0.0.2", known: known(.alive)) == nil)
        #expect(admission.refusal(of: peer, from: "10.0.0.2", known: known(.suspect)) == nil, "a suspect may be alive")
        #expect(admission.refusal(of: peer, from: "::ffff:10.0.0.2", known: known(.alive)) == nil, "the same address, mapped")
        #expect(admission.refusal(of: peer, from: "10.0.0.66", known: known(.alive)) == .unexpectedAddress)
        #expect(admission.refusal(of: peer, from: nil, known: known(.alive)) == .unexpectedAddress)
    }

    @Test func aStrangerOrADeadOrDepartedMemberIsNotServed() {
        let admission = RequesterAdmission(me: me)
        #expect(admission.refusal(of: peer, from: "10.0.0.2", known: nil) == .unknownSender)
        #expect(admission.refusal(of: peer, from: "10.0.0.2", known: known(.dead)) == .unknownSender)
        #expect(admission.refusal(of: peer, from: "10.0.0.2", known: known(.left)) == .unknownSender)
    }

    @Test func ourOwnIdIsServedFromLoopbackOrOurBindAddressOnly() {
        let admission = RequesterAdmission(me: me, ownHosts: ["10.0.0.1"])
        #expect(admission.refusal(of: me, from: "127.0.0.1", known: nil) == nil)
        #expect(admission.refusal(of: me, from: "::1", known: nil) == nil)
        #expect(admission.refusal(of: me, from: "10.0.0.1", known: nil) == nil)
        #expect(admission.refusal(of: me, from: "10.0.0.66", known: nil) == .unexpectedAddress)
    }

    @Test func membershipTellsWhoItKnowsAndWhere() async {
        let service = MembershipService(
            member: me, incarnation: 1, configuration: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "test"))
        #expect(await service.known(peer) == nil)
        service.peerDiscovered(peer, address: PeerAddress(host: "10.0.0.2", port: 7946), incarnation: 5)
        #expect(await service.known(peer) == known(.alive))
    }
}

/// The query port over real loopback sockets: a tagged request replayed on a fresh connection,
/// and requests in the name of a non-member or of a member from another address.
@Suite(.serialized) struct QueryPortAdmissionTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    let member = MemberID.named("member")

    /// Runs a member's query listener (keyed) that serves the senders `table` knows at 127.0.0.1.
    func withListener(
        known table: [MemberID: RequesterAdmission.KnownMember]?,
        _ body: (_ port: Int, _ drops: ServiceDropCounter) async throws -> Void
    ) async throws {
        let host = ServiceHost(
            profile: makeBoardProfile(), spare: { QoSModel.SpareCapacity(cores: 1, memoryAvailableBytes: 900 << 20) },
            now: { MembershipInstant(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds)) })
        let drops = ServiceDropCounter()
        let admission = RequesterAdmission(me: member)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = ServiceServer(
            configuration: .init(host: "127.0.0.1", port: 0, keyring: WireKeyring(.testKey)),
            host: host, me: member, drops: drops, logger: Self.logger,
            admit: { sender, source in
                guard let table else { return nil }
                return admission.refusal(of: sender, from: source, known: table[sender])
            },
            onListening: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port, drops)
            group.cancelAll()
        }
    }

    /// A tagged query from `sender`, with a fixed nonce so that the same bytes can be replayed.
    func query(from sender: MemberID, nonce: UInt64) -> [UInt8] {
        let message = ServiceMessage.query(request: 1, sender: sender, service: ServiceID("svc"), ladder: [QoSLevel(video: .hd)], weight: nil)
        var buffer = ByteBuffer()
        WireFrameEncoder(authenticator: .testKey).encode(
            message.type, body: message.body(allocator: .init()), into: &buffer, timestampMilliseconds: WireFormat.nowMilliseconds(), nonce: nonce)
        return Array(buffer.readableBytesView)
    }

    /// What the member does with `bytes` on a fresh connection: answers (the first bytes back),
    /// or closes without a word.
    enum Outcome: Equatable { case answered, closed }

    func send(_ bytes: [UInt8], to port: Int) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var iterator = inbound.makeAsyncIterator()
            guard let first = try? await iterator.next(), first.readableBytes > 0 else { return .closed }
            return .answered
        }
    }

    @Test func aTaggedRequestReplayedOnAFreshConnection_isRefusedAndCounted() async throws {
        // Before: each connection had its own memory, and the copy was answered again.
        try await withListener(known: nil) { port, drops in
            let frame = query(from: MemberID.named("peer"), nonce: 0x1234)
            let outcome1 = try await send(frame, to: port)
            #expect(outcome1 == .answered)
            let outcome2 = try await send(frame, to: port)
            #expect(outcome2 == .closed)
            let outcome3 = try await send(frame, to: port)
            #expect(outcome3 == .closed)
            #expect(drops.snapshot[.replayed] == 2)
            let outcome4 = try await send(query(from: MemberID.named("peer"), nonce: 0x1235), to: port)
            #expect(outcome4 == .answered, "a fresh frame still is")
        }
    }

    @Test func aRequestFromANonMemberOrFromAnotherAddress_isRefusedAndCounted_whileMembersAreServed() async throws {
        // Before: the listener served any key holder under any id.
        let peer = MemberID.named("peer")
        let elsewhere = MemberID.named("far")
        let gone = MemberID.named("gone")
        let table: [MemberID: RequesterAdmission.KnownMember] = [
            peer: .init(state: .alive, address: PeerAddress(host: "127.0.0.1", port: 7946)),
            elsewhere: .init(state: .alive, address: PeerAddress(host: "10.9.9.9", port: 7946)),
            gone: .init(state: .dead, address: PeerAddress(host: "127.0.0.1", port: 7946)),
        ]
        try await withListener(known: table) { port, drops in
            let outcome5 = try await send(query(from: MemberID.named("stranger"), nonce: 1), to: port)
            #expect(outcome5 == .closed)
            let outcome6 = try await send(query(from: gone, nonce: 2), to: port)
            #expect(outcome6 == .closed)
            let outcome7 = try await send(query(from: elsewhere, nonce: 3), to: port)
            #expect(outcome7 == .closed)
            let outcome8 = try await send(query(from: peer, nonce: 4), to: port)
            #expect(outcome8 == .answered)
            let outcome9 = try await send(query(from: member, nonce: 5), to: port)
            #expect(outcome9 == .answered, "our own coordinator, over loopback")
            let counts = drops.snapshot
            #expect(counts[.unknownSender] == 2)
            #expect(counts[.unexpectedAddress] == 1)
        }
    }
}

/// A board of another protocol version is refused by Discovery and counted for `node status`.
@Suite struct ProtocolVersionStatusTests {
    @Test func refusedRecordsAreCountedPerReason() {
        var directory = PeerDirectory()
        let refusal = TXTRecordError(.unsupportedProtocolVersion, key: "pv", reason: "node 0000000000000002 speaks protocol version 2")
        directory.apply(.rejected(serviceName: "future", reason: refusal), now: 1)
        directory.apply(.rejected(serviceName: "other", reason: TXTRecordError(.outOfRange, key: "c", reason: "key c is 0")), now: 2)
        #expect(directory.refusedRecords == ["unsupported-pv": 1, "out-of-range": 1])
        #expect(directory.entries.isEmpty)
    }

    @Test func discoveryAcceptsExactlyTheVersionsTheWireCodecAccepts() {
        let wire = Int(WireFormat.acceptedVersions.lowerBound)...Int(WireFormat.acceptedVersions.upperBound)
        #expect(wire == Announcement.acceptedProtocolVersions)
        #expect(wire.contains(Announcement.currentProtocolVersion))
    }
}
