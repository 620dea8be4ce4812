import Foundation
import Logging
import NIOCore
import QoSModel

/// The interpreter of ``MembershipInstance`` directives, confined to one event loop: it feeds
/// the instance real time, received frames and Discovery events, and carries out what it says
/// (datagrams out, changes to subscribers). Nothing here blocks or decodes anything but
/// membership frames, so heartbeats keep their rhythm whatever else the daemon does.
final class MembershipDriver {
    private var instance: MembershipInstance
    private var decoder: WireFrameDecoder
    private let encoder: WireFrameEncoder
    private var random: MembershipRandom
    private let broadcaster: MembershipEventBroadcaster
    private let logger: Logger
    private var addresses: [PeerAddress: SocketAddress] = [:]
    /// Source addresses of received datagrams, already turned into text: `SocketAddress.ipAddress`
    /// formats with `inet_ntop` (a `sprintf`) on every call, and peers are few.
    private var sources: [SocketAddress: PeerAddress] = [:]
    private(set) var statistics = MembershipStatistics()
    var channel: Channel?
    private var lastDropLog: [WireDropReason: NIODeadline] = [:]
    /// Where heartbeats' capacity comes from (the daemon's `CapacityMonitor`), read about once a second.
    var capacitySource: (@Sendable () -> SpareCapacity)?
    private var ticksUntilCapacityRead = 0

    init(
        instance: MembershipInstance, authenticator: WireAuthenticator?, broadcaster: MembershipEventBroadcaster,
        logger: Logger
    ) {
        self.instance = instance
        self.decoder = WireFrameDecoder(accepting: WireMessageType.membership, authenticator: authenticator)
        self.encoder = WireFrameEncoder(authenticator: authenticator)
        self.random = MembershipRandom()
        self.broadcaster = broadcaster
        self.logger = logger
    }

    static var now: MembershipInstant { MembershipInstant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds)) }

    private var nextTick: Scheduled<Void>?

    /// Ticks now, then at every multiple of the heartbeat interval on the wall clock: members
    /// whose clocks agree (NTP on a LAN) then send their heartbeats at the same instants, so a
    /// member's three incoming heartbeats arrive together and wake it once, not three times.
    /// Clocks that disagree only lose that saving.
    func startTicking() {
        tick()
        scheduleNextTick()
    }

    func stopTicking() {
        nextTick?.cancel()
        nextTick = nil
    }

    private func scheduleNextTick() {
        guard let channel else { return }
        let interval = max(1, instance.configuration.heartbeatInterval.nanoseconds)
        let wallClock = Int64(Date().timeIntervalSince1970 * 1e9)
        var delay = interval - wallClock % interval
        if delay < interval / 4 { delay += interval }  // never two ticks in a row
        let driver = NIOLoopBound(self, eventLoop: channel.eventLoop)
        nextTick = channel.eventLoop.scheduleTask(in: .nanoseconds(delay)) {
            driver.value.tick()
            driver.value.scheduleNextTick()
        }
    }

    func tick() {
        if let capacitySource {
            if ticksUntilCapacityRead <= 0 {
                instance.updateCapacity(capacitySource())
                let interval = instance.configuration.heartbeatInterval.nanoseconds
                ticksUntilCapacityRead = Int(max(1, 1_000_000_000 / max(1, interval)))
            }
            ticksUntilCapacityRead -= 1
        }
        perform(instance.onTick(now: Self.now, using: &random))
    }

    func discovered(_ id: MemberID, address: PeerAddress, incarnation: UInt64) {
        perform(instance.onPeerDiscovered(id, address: address, incarnation: incarnation, now: Self.now))
    }

    func vanished(_ id: MemberID) {
        perform(instance.onPeerVanished(id, now: Self.now))
    }

    func updateCapacity(_ capacity: SpareCapacity) {
        instance.updateCapacity(capacity)
    }

    func snapshot() -> MembershipSnapshot { instance.snapshot(now: Self.now) }

    func leave() {
        perform(instance.leave())
    }

    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        statistics.datagramsReceived += 1
        statistics.bytesReceived += envelope.data.readableBytes
        guard let source = peerAddress(of: envelope.remoteAddress) else { return }
        let message: MembershipMessage
        do {
            // The clock matters only to an authenticated frame's replay window.
            let wallClock = encoder.authenticator == nil ? 0 : WireFormat.nowMilliseconds()
            let frame = try decoder.decode(datagram: envelope.data, nowMilliseconds: wallClock).get()
            message = try MembershipMessage(frame: frame)
        } catch {
            drop(error, from: envelope.remoteAddress)
            return
        }
        perform(instance.onMessage(message, from: source, now: Self.now))
    }

    private func peerAddress(of address: SocketAddress) -> PeerAddress? {
        if let known = sources[address] { return known }
        guard let host = address.ipAddress, let port = address.port, let source = UInt16(exactly: port) else { return nil }
        if sources.count > 4096 { sources.removeAll() }
        let peer = PeerAddress(host: host, port: source)
        sources[address] = peer
        return peer
    }

    private func drop(_ reason: WireDropReason, from address: SocketAddress) {
        statistics.drops.record(reason)
        // One log line per reason per 10 s: a flood of garbage must not become a flood of logs.
        let now = NIODeadline.now()
        if let last = lastDropLog[reason], now - last < .seconds(10) { return }
        lastDropLog[reason] = now
        logger.warning(
            "dropped a membership datagram",
            metadata: ["from": "\(address)", "reason": "\(reason.rawValue)", "dropped": "\(statistics.drops[reason])"])
    }

    private func perform(_ directives: [MembershipDirective]) {
        var wrote = false
        // The same message to several peers (heartbeats to the monitors, a broadcast) is encoded
        // once: with a key, each receiver's replay window is its own, so one nonce serves all.
        var last: (message: MembershipMessage, frame: ByteBuffer)?
        for directive in directives {
            switch directive {
            case .send(let message, let address):
                guard let channel else {
                    statistics.sendFailures += 1
                    continue
                }
                let frame: ByteBuffer
                if let last, last.message == message {
                    frame = last.frame
                } else {
                    frame = encode(message, allocator: channel.allocator)
                    last = (message, frame)
                }
                wrote = send(frame, to: address, on: channel) || wrote
            case .event(let event):
                report(event)
            }
        }
        if wrote { channel?.flush() }
    }

    private func encode(_ message: MembershipMessage, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: 128)
        encoder.encode(
            message.wireType, into: &frame,
            timestampMilliseconds: encoder.authenticator == nil ? 0 : WireFormat.nowMilliseconds(), nonce: random.next()
        ) { message.encodeBody(into: &$0) }
        return frame
    }

    private func send(_ frame: ByteBuffer, to address: PeerAddress, on channel: Channel) -> Bool {
        guard let socketAddress = resolve(address) else {
            statistics.sendFailures += 1
            return false
        }
        statistics.datagramsSent += 1
        statistics.bytesSent += frame.readableBytes
        channel.write(AddressedEnvelope(remoteAddress: socketAddress, data: frame), promise: nil)
        return true
    }

    private func resolve(_ address: PeerAddress) -> SocketAddress? {
        if let cached = addresses[address] { return cached }
        guard let resolved = try? SocketAddress(ipAddress: address.host, port: Int(address.port)) else {
            logger.warning("cannot send to a peer whose address is not an IP literal", metadata: ["address": "\(address)"])
            return nil
        }
        if addresses.count > 4096 { addresses.removeAll() }
        addresses[address] = resolved
        return resolved
    }

    private func report(_ event: MembershipEvent) {
        let metadata: Logger.Metadata = [
            "peer": "\(event.member)", "incarnation": "\(event.incarnation)", "reason": "\(event.reason)",
        ]
        switch event.kind {
        case .dead, .rejoined, .left: logger.info("peer \(event.kind.rawValue)", metadata: metadata)
        case .alive, .suspect: logger.debug("peer \(event.kind.rawValue)", metadata: metadata)
        }
        broadcaster.publish(MembershipChange(event: event, date: Date()))
    }
}

/// SplitMix64 seeded once from the system: probe helpers and nonces need to be unpredictable
/// enough and distinct, not secret, and a system call per datagram would cost more than the rest.
struct MembershipRandom: RandomNumberGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_1E5C_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Hands every datagram of the membership socket to the driver. Socket errors (an ICMP "port
/// unreachable" from a peer that just died) are logged, never fatal.
final class MembershipChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let driver: NIOLoopBoundBox<MembershipDriver>
    private let logger: Logger

    init(driver: NIOLoopBoundBox<MembershipDriver>, logger: Logger) {
        self.driver = driver
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.value.receive(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("membership socket error", metadata: ["error": "\(error)"])
    }
}
