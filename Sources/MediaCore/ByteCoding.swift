/// Appends big-endian integers and length-prefixed bytes to a byte array. Pure; no Foundation.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// A UInt32 length, then the bytes.
    mutating func writeBlock(_ block: [UInt8]) {
        write(UInt32(block.count))
        bytes.append(contentsOf: block)
    }
}

/// Reads what `ByteWriter` wrote, refusing anything short, over a limit or out of range with a
/// `MediaDecodingError` that names the field.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: StaticString) throws(MediaDecodingError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(field: "\(field)") }
        var value: T = 0
        for index in 0..<size {
            value = (value << 8) | T(bytes[offset + index])
        }
        offset += size
        return value
    }

    mutating func readBool(_ field: StaticString) throws(MediaDecodingError) -> Bool {
        switch try read(UInt8.self, field) {
        case 0: false
        case 1: true
        case let other: throw .invalidValue(field: "\(field)", value: Int64(other))
        }
    }

    /// A block of at most `limit` bytes.
    mutating func readBlock(_ field: StaticString, limit: Int) throws(MediaDecodingError) -> [UInt8] {
        let count = Int(try read(UInt32.self, field))
        guard count <= limit else { throw .overLimit(field: "\(field)", count: count, limit: limit) }
        guard remaining >= count else { throw .truncated(field: "\(field)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    func expectEnd() throws(MediaDecodingError) {
        guard remaining == 0 else { throw .trailingBytes(remaining) }
    }
}

/// Why bytes are not a valid unit or result; each case names the field at fault.
public enum MediaDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated(field: String)
    case overLimit(field: String, count: Int, limit: Int)
    case invalidValue(field: String, value: Int64)
    case unsupportedVersion(UInt8)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated(let field): "truncated at \(field)"
        case .overLimit(let field, let count, let limit): "\(field) is \(count), over the limit of \(limit)"
        case .invalidValue(let field, let value): "\(field) has the invalid value \(value)"
        case .unsupportedVersion(let version): "unit encoding version \(version) is not supported (this build reads version \(MediaUnitEncoding.version))"
        case .trailingBytes(let count): "\(count) bytes after the end"
        }
    }
}
