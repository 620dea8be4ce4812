/// The framing on the pipes between a daemon and its media workers: each message is a UInt32
/// big-endian length, then that many bytes (a unit in, a result out, in `MediaUnitEncoding`'s
/// form). One message in flight per worker: the daemon writes a unit, the worker answers with
/// its result, then the next.
public enum WorkerPipe {
    /// The bytes of one message with its length in front.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= Int(UInt32.max))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + payload.count)
        withUnsafeBytes(of: UInt32(payload.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// A daemon's request to a decode worker: the delivery plan's level (one byte: 0 every
    /// frame, 1 reference frames only), then the unit in `MediaUnitEncoding`'s form.
    public static func decodeRequest(unit: [UInt8], plan: DeliveryPlan) -> [UInt8] {
        var bytes: [UInt8] = [plan.wireCode]
        bytes.reserveCapacity(1 + unit.count)
        bytes.append(contentsOf: unit)
        return bytes
    }

    /// The plan and the unit's bytes of a request; nil for an empty request or an unknown plan.
    public static func parseDecodeRequest(_ bytes: [UInt8]) -> (plan: DeliveryPlan, unit: ArraySlice<UInt8>)? {
        guard let first = bytes.first, let plan = DeliveryPlan(wireCode: first) else { return nil }
        return (plan, bytes.dropFirst())
    }

    /// A message announced longer than the reader's limit: the other end is broken (or not a
    /// worker); the pipe is closed, since nothing after it can be trusted to be framed.
    public struct OversizedMessage: Error, Sendable, Hashable, CustomStringConvertible {
        public var length: Int
        public var limit: Int

        public init(length: Int, limit: Int) {
            self.length = length
            self.limit = limit
        }

        public var description: String { "a worker pipe message of \(length) bytes, over the limit of \(limit)" }
    }

    /// Cuts a byte stream into messages of at most `limit` bytes, however the bytes arrive.
    public struct Reader: Sendable {
        public let limit: Int
        private var buffer: [UInt8] = []
        private var start = 0

        public init(limit: Int) {
            self.limit = limit
        }

        /// Bytes buffered and not yet returned as a message.
        public var pendingBytes: Int { buffer.count - start }

        public mutating func append(_ bytes: some Sequence<UInt8>) {
            if start > 0 && start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// The next complete message, nil until one has fully arrived.
        public mutating func next() throws(OversizedMessage) -> [UInt8]? {
            guard pendingBytes >= 4 else { return nil }
            var length = 0
            for index in start..<start + 4 { length = length << 8 | Int(buffer[index]) }
            guard length <= limit else { throw OversizedMessage(length: length, limit: limit) }
            guard pendingBytes >= 4 + length else { return nil }
            let message = Array(buffer[start + 4..<start + 4 + length])
            start += 4 + length
            if start > 65_536 && start * 2 > buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
            return message
        }
    }
}
