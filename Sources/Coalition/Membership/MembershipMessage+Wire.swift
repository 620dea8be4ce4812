import MembershipCore
import NIOCore
import QoSModel

/// Bodies of the membership messages (protocol version 1), big-endian:
///
/// ```
/// every body:    sender id (short string: 16 lowercase hex digits), sender incarnation (UInt64)
/// heartbeat  1:  sequence (UInt32), spare CPU (UInt32, milli-cores), MemAvailable (UInt32, KiB, saturated)
/// probe      2:  nonce (UInt32)
/// ack        3:  nonce (UInt32), spare CPU (UInt32), MemAvailable (UInt32)
/// probe-req  4:  nonce (UInt32), target id (short string), target host (short string, <= 64), target port (UInt16)
/// ind-ack    5:  nonce (UInt32), target id (short string), target incarnation (UInt64)
/// alive      6:  nothing more
/// dead       7:  subject id (short string), subject incarnation (UInt64)
/// leave      8:  nothing more
/// ```
/// A heartbeat frame is 46 bytes (78 with the auth trailer).
///
/// Nothing read is trusted: an id must be 16 lowercase hex digits, an incarnation at most
/// ``MembershipMessage/maximumIncarnation``, spare CPU at most ``maximumMilliCores``, a target
/// address an IP literal with a port other than 0. Anything else is `malformedBody`.
extension MembershipMessage {
    /// The frame type of this message.
    public var wireType: WireMessageType {
        switch body {
        case .heartbeat: .heartbeat
        case .probe: .probe
        case .ack: .ack
        case .probeRequest: .probeRequest
        case .indirectAck: .indirectAck
        case .alive: .alive
        case .dead: .dead
        case .leave: .leave
        }
    }

    /// Writes this message's body (not the frame header).
    public func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeShortString(sender.rawValue)
        buffer.writeInteger(incarnation)
        switch body {
        case .heartbeat(let sequence, let capacity):
            buffer.writeInteger(sequence)
            buffer.writeCapacity(capacity)
        case .probe(let nonce):
            buffer.writeInteger(nonce)
        case .ack(let nonce, let capacity):
            buffer.writeInteger(nonce)
            buffer.writeCapacity(capacity)
        case .probeRequest(let nonce, let target, let address):
            buffer.writeInteger(nonce)
            buffer.writeShortString(target.rawValue)
            buffer.writeShortString(address.host)
            buffer.writeInteger(address.port)
        case .indirectAck(let nonce, let target, let targetIncarnation):
            buffer.writeInteger(nonce)
            buffer.writeShortString(target.rawValue)
            buffer.writeInteger(targetIncarnation)
        case .alive, .leave:
            break
        case .dead(let subject, let subjectIncarnation):
            buffer.writeShortString(subject.rawValue)
            buffer.writeInteger(subjectIncarnation)
        }
    }

    /// Reads a message from a decoded frame; throws `malformedBody` for a short or
    /// over-long body, an invalid id, or a type that is not a membership message.
    public init(frame: WireFrame) throws(WireDropReason) {
        var buffer = frame.body
        let sender = try buffer.readMemberID()
        let incarnation = try buffer.readIncarnation()
        let body: Body
        switch frame.type {
        case .heartbeat:
            body = .heartbeat(sequence: try buffer.readField(), capacity: try buffer.readCapacity())
        case .probe:
            body = .probe(nonce: try buffer.readField())
        case .ack:
            body = .ack(nonce: try buffer.readField(), capacity: try buffer.readCapacity())
        case .probeRequest:
            let nonce: UInt32 = try buffer.readField()
            let target = try buffer.readMemberID()
            let host = try buffer.readShortString(maximumBytes: 64)
            let port: UInt16 = try buffer.readField()
            guard let address = PeerAddress(validatingHost: host, port: port) else { throw .malformedBody }
            body = .probeRequest(nonce: nonce, target: target, targetAddress: address)
        case .indirectAck:
            body = .indirectAck(nonce: try buffer.readField(), target: try buffer.readMemberID(), targetIncarnation: try buffer.readIncarnation())
        case .alive:
            body = .alive
        case .dead:
            body = .dead(subject: try buffer.readMemberID(), subjectIncarnation: try buffer.readIncarnation())
        case .leave:
            body = .leave
        default:
            throw .malformedBody
        }
        guard buffer.readableBytes == 0 else { throw .malformedBody }
        self.init(sender: sender, incarnation: incarnation, body: body)
    }
}

extension MembershipMessage {
    /// The most spare CPU a heartbeat or ack may report, in thousandths of a core: 1024 cores.
    public static let maximumMilliCores: UInt32 = 1_024_000
}

extension ByteBuffer {
    /// Cores as thousandths (saturated, negative and NaN as 0), memory as KiB (saturated).
    fileprivate mutating func writeCapacity(_ capacity: SpareCapacity) {
        let milliCores = capacity.cores.isFinite ? (capacity.cores * 1000).rounded() : 0
        writeInteger(UInt32(clamping: Int64(max(0, min(milliCores, Double(UInt32.max))))))
        writeInteger(UInt32(clamping: capacity.memoryAvailableBytes / 1024))
    }

    fileprivate mutating func readCapacity() throws(WireDropReason) -> SpareCapacity {
        let milliCores: UInt32 = try readField()
        guard milliCores <= MembershipMessage.maximumMilliCores else { throw .malformedBody }
        let kibibytes: UInt32 = try readField()
        return SpareCapacity(cores: Double(milliCores) / 1000, memoryAvailableBytes: UInt64(kibibytes) * 1024)
    }

    fileprivate mutating func readMemberID() throws(WireDropReason) -> MemberID {
        guard let id = MemberID(try readShortString(maximumBytes: MemberID.byteCount)) else { throw .malformedBody }
        return id
    }

    fileprivate mutating func readIncarnation() throws(WireDropReason) -> UInt64 {
        let incarnation: UInt64 = try readField()
        guard incarnation <= MembershipMessage.maximumIncarnation else { throw .malformedBody }
        return incarnation
    }
}
