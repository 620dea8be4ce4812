import Coalition
import Logging
import MembershipCore
import NIOCore
import NIOPosix
import QoSModel
import TestSupport
import Testing

/// The NIO shell over real UDP sockets on 127.0.0.1 (loopback only).
@Suite("Membership service", .serialized)
struct MembershipServiceTests {
    static let logger = Logger(label: "membership-test")

    /// Starts services on loopback, waits until all are bound, runs `body`, then stops them.
    /// Keyed, as `node join` is by default; nil runs them as `--insecure` does.
    static func withServices<R>(
        _ count: Int, authenticator: WireAuthenticator? = .testKey,
        _ body: ([MembershipService]) async throws -> R
    ) async throws -> R {
        let services = (0..<count).map { index in
            MembershipService(
                member: MemberID.named("svc-\(index)"), incarnation: 1,
                configuration: .init(host: "127.0.0.1", port: 0, keyring: authenticator.map { WireKeyring($0) }), logger: logger)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            // Binding is quick, but the whole suite runs in parallel on two cores: allow for it.
            try await TestSupport.eventually(within: .seconds(30)) { services.allSatisfy { $0.localAddress != nil } }
            try #require(services.allSatisfy { $0.localAddress != nil }, "a membership socket never bound")
            for service in services {
                for other in services where other !== service {
                    service.peerDiscovered(other.member, address: other.peerAddress, incarnation: 1)
                }
            }
            return try await body(services)
        }
    }

    /// A plain UDP socket on loopback, for sending what a real member would not.
    static func rawSocket() async throws -> Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    }

    static func frame(_ message: MembershipMessage, authenticator: WireAuthenticator? = nil, timestamp: UInt64 = 0) -> ByteBuffer {
        var body = ByteBuffer()
        message.encodeBody(into: &body)
        var out = ByteBuffer()
        WireFrameEncoder(authenticator: authenticator).encode(message.wireType, body: body, into: &out, timestampMilliseconds: timestamp, nonce: 1)
        return out
    }

    @Test func threeMembersOnLoopbackHearEachOtherAndCarryTheirCapacity() async throws {
        try await Self.withServices(3) { services in
            services[0].updateCapacity(SpareCapacity(cores: 0.75, memoryAvailableBytes: 100_000 * 1024))
            try await eventually {
                let snapshots = try await services.asyncMap { try await $0.snapshot() }
                return snapshots.allSatisfy { snapshot in
                    snapshot.peers.count == 2 && snapshot.peers.allSatisfy { $0.state == .alive && ($0.lastHeard ?? .seconds(9)) < .seconds(1) }
                }
            }
            try await eventually {
                let seen = try await services[1].snapshot().peers.first { $0.member == services[0].member }
                return seen?.capacity == SpareCapacity(cores: 0.75, memoryAvailableBytes: 100_000 * 1024)
            }
            let statistics = try await services[0].statistics()
            #expect(statistics.datagramsSent > 0 && statistics.drops.total == 0)
        }
    }

    @Test func aPeerThatFallsSilentIsDeclaredDeadOverRealSockets() async throws {
        try await Self.withServices(1) { services in
            let service = services[0]
            let changes = service.changes()
            let peer = try await Self.rawSocket()
            defer { peer.close(promise: nil) }
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: service.localAddress!.port!)
            let silent = MemberID.named("silent")
            // Discovery resolved it at the raw socket's address: only then are its frames believed.
            service.peerDiscovered(silent, address: PeerAddress(host: "127.0.0.1", port: UInt16(peer.localAddress!.port!)), incarnation: 1)
            for sequence in 1...15 {
                let beat = MembershipMessage(sender: silent, incarnation: 1, body: .heartbeat(sequence: UInt32(sequence), capacity: .zero))
                try await peer.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.frame(beat, authenticator: .testKey, timestamp: WireFormat.nowMilliseconds())))
                try await Task.sleep(for: .milliseconds(100))
            }
            var kinds: [MembershipEvent.Kind] = []
            for await change in changes where change.event.member == silent {
                kinds.append(change.event.kind)
                if change.event.kind == .dead { break }
            }
            #expect(kinds == [.alive, .suspect, .dead])
        }
    }

    @Test func aStrangersFramesOverRealSocketsCreateNoMemberAndAreCountedAsUnknownSender() async throws {
        try await Self.withServices(2, authenticator: nil) { services in
            let stranger = try await Self.rawSocket()
            defer { stranger.close(promise: nil) }
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: services[0].localAddress!.port!)
            for index in 0..<50 {
                let beat = MembershipMessage(
                    sender: MemberID.named("bad\(index)"), incarnation: 1,
                    body: .heartbeat(sequence: 1, capacity: .zero))
                try await stranger.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.frame(beat)))
            }
            // A member's id from the stranger's address: refused too.
            let forged = MembershipMessage(sender: services[1].member, incarnation: 9, body: .leave)
            try await stranger.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.frame(forged)))
            try await eventually {
                let drops = try await services[0].statistics().drops
                return drops[.unknownSender] == 50 && drops[.unexpectedAddress] == 1
            }
            let peers = try await services[0].snapshot().peers
            #expect(peers.map(\.member) == [services[1].member])
            #expect(peers.first?.state == .alive, "the forged leave changed nothing")
        }
    }

    @Test func aKeyedMemberThatLeavesIsSeenLeftAndItsRepeatIsNoReplay() async throws {
        let services = (0..<2).map { index in
            MembershipService(
                member: MemberID.named("leave-\(index)"), incarnation: 1,
                configuration: .init(host: "127.0.0.1", port: 0, keyring: WireKeyring(.testKey)), logger: Self.logger)
        }
        let staying = Task { try await services[0].run() }
        let leaving = Task { try await services[1].run() }
        defer { staying.cancel() }
        try await eventually(within: .seconds(30)) { services.allSatisfy { $0.localAddress != nil } }
        services[0].peerDiscovered(services[1].member, address: services[1].peerAddress, incarnation: 1)
        services[1].peerDiscovered(services[0].member, address: services[0].peerAddress, incarnation: 1)
        try await eventually { try await services[0].snapshot().peers.first?.lastHeard != nil }
        leaving.cancel()
        _ = await leaving.result
        try await eventually { try await services[0].snapshot().peers.first?.state == .left }
        // Both copies of the leave are in once nothing more arrives.
        var lastCount = -1
        try await eventually {
            let count = try await services[0].statistics().datagramsReceived
            defer { lastCount = count }
            return count == lastCount
        }
        let drops = try await services[0].statistics().drops
        #expect(drops[.replayed] == 0, "the leave's second copy was refused as a replay: \(drops.counts)")
    }

    @Test func garbageAndUntaggedFramesAreCountedByReasonAndNeverFatal() async throws {
        let key = try WireAuthenticator(key: Array("loopback test key, 32 bytes long".utf8))
        try await Self.withServices(2, authenticator: key) { services in
            let raw = try await Self.rawSocket()
            defer { raw.close(promise: nil) }
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: services[0].localAddress!.port!)
            var garbage = ByteBuffer()
            garbage.writeBytes([0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3])
            try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: garbage))
            let untagged = MembershipMessage(sender: MemberID.named("intruder"), incarnation: 1, body: .dead(subject: services[1].member, subjectIncarnation: 1))
            try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: Self.frame(untagged)))
            try await eventually {
                let drops = try await services[0].statistics().drops
                return drops[.badMagic] == 1 && drops[.missingTag] == 1
            }
            // The tagged members still hear each other, and the forged death changed nothing.
            try await eventually {
                try await services[0].snapshot().peers.first?.state == .alive
            }
            #expect(try await services[0].snapshot().peers.map(\.member) == [services[1].member])
        }
    }
}

extension MembershipService {
    var peerAddress: PeerAddress { PeerAddress(host: "127.0.0.1", port: UInt16(localAddress!.port!)) }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
