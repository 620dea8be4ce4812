import Foundation
import Logging
import MembershipCore
import NIOCore
import QoSModel

/// The interpreter of ``MembershipInstance`` directives, confined to the ``MembershipLoop``
/// thread: it feeds the instance real time, received datagrams and Discovery events, and carries
/// out what it says (datagrams queued on the socket, changes to subscribers). Nothing here blocks
/// or decodes anything but membership frames, so heartbeats keep their rhythm whatever else the
/// daemon does.
final class MembershipDriver {
    private var instance: MembershipInstance
    private var decoder: MembershipDatagramDecoder
    private let encoder: WireFrameEncoder
    private var random: MembershipRandom
    private let broadcaster: MembershipEventBroadcaster
    private let logger: Logger
    private(set) var statistics = MembershipStatistics()
    /// Where datagrams go; nil before the socket is bound and after it is closed.
    var socket: MembershipSocket?
    private var lastDropLog: [WireDropReason: MembershipInstant] = [:]
    /// Where heartbeats' capacity comes from (the daemon's `CapacityMonitor`), read about once a second.
    var capacitySource: (@Sendable () -> SpareCapacity)?
    private var ticksUntilCapacityRead = 0
    /// The peers the frame in `scratch` went to in this `perform` (reused, so the hot path
    /// does not allocate; a handful of monitors, or every peer for a broadcast).
    private var encodedFor: [PeerAddress] = []
    /// One buffer for every frame encoded or received, reused.
    private var scratch = ByteBufferAllocator().buffer(capacity: MembershipSocket.datagramCapacity)

    init(
        instance: MembershipInstance, keyring: WireKeyring?, broadcaster: MembershipEventBroadcaster,
        logger: Logger
    ) {
        self.instance = instance
        // Both read the keyring per frame: a key file re-read on SIGHUP (another thread) applies
        // to the next datagram sent or received here, with no hand-over of our own.
        self.decoder = MembershipDatagramDecoder(keyring: keyring)
        self.encoder = WireFrameEncoder(keyring: keyring)
        self.random = MembershipRandom()
        self.broadcaster = broadcaster
        self.logger = logger
    }

    static var now: MembershipInstant { MembershipInstant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds)) }

    var heartbeatInterval: Duration { instance.configuration.heartbeatInterval }

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

    /// `id`'s state and address in our table, nil when it is not there.
    func known(_ id: MemberID) -> RequesterAdmission.KnownMember? {
        guard let state = instance.state(of: id), let address = instance.address(of: id) else { return nil }
        return RequesterAdmission.KnownMember(state: state, address: address)
    }

    /// What the instance counted (heartbeats, suspicions, deaths, detection times).
    var counters: MembershipCounters { instance.counters }

    func leave() {
        perform(instance.leave())
    }

    /// One received datagram and its source.
    func receive(_ datagram: ArraySlice<UInt8>, from source: PeerAddress?) {
        statistics.datagramsReceived += 1
        statistics.bytesReceived += datagram.count
        guard let source else { return }
        scratch.clear()
        scratch.writeBytes(datagram)
        // The clock matters only to an authenticated frame's replay window.
        let wallClock = decoder.isAuthenticated ? WireFormat.nowMilliseconds() : 0
        switch decoder.decode(scratch, nowMilliseconds: wallClock) {
        case .success(let message): perform(instance.onMessage(message, from: source, now: Self.now))
        case .failure(let reason): drop(reason, from: source)
        }
    }

    private func drop(_ reason: WireDropReason, from address: PeerAddress) {
        statistics.drops.record(reason)
        // One log line per reason per 10 s: a flood of garbage must not become a flood of logs.
        let now = Self.now
        if let last = lastDropLog[reason], now - last < .seconds(10) { return }
        lastDropLog[reason] = now
        logger.warning(
            "dropped a membership datagram",
            metadata: ["from": "\(address)", "reason": "\(reason.rawValue)", "dropped": "\(statistics.drops[reason])"])
    }

    /// Sends what ``perform(_:)`` queued; the loop calls it once per wake.
    func flush() {
        guard let socket else { return }
        let (refused, dropped) = socket.flush()
        statistics.sendFailures += refused
        statistics.sendBacklogDrops += dropped
    }

    private func perform(_ directives: [MembershipDirective]) {
        // The same message to several peers (heartbeats to the monitors, a broadcast) is encoded
        // once: with a key, each receiver's replay window is its own, so one nonce serves all.
        // The same message to the same peer again (a leave's repeat) is encoded anew, or the
        // receiver would refuse the copy as a replay.
        var encoded: MembershipMessage?
        encodedFor.removeAll(keepingCapacity: true)
        for directive in directives {
            switch directive {
            case .send(let message, let address):
                guard let socket else {
                    statistics.sendFailures += 1
                    continue
                }
                if encoded != message || encodedFor.contains(address) {
                    encode(message)
                    encoded = message
                    encodedFor.removeAll(keepingCapacity: true)
                }
                encodedFor.append(address)
                let queued = socket.enqueue(scratch.readableBytesView, to: address)
                if queued {
                    statistics.datagramsSent += 1
                    statistics.bytesSent += scratch.readableBytes
                } else {
                    statistics.sendFailures += 1
                    logger.warning("cannot send to a peer whose address is not an IP literal", metadata: ["address": "\(address)"])
                }
            case .event(let event):
                report(event)
            case .refuse(let refusal, let address):
                drop(WireDropReason(refusal), from: address)
            }
        }
    }

    private func encode(_ message: MembershipMessage) {
        scratch.clear()
        encoder.encode(
            message.wireType, into: &scratch,
            timestampMilliseconds: encoder.isAuthenticated ? WireFormat.nowMilliseconds() : 0, nonce: random.next()
        ) { message.encodeBody(into: &$0) }
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
