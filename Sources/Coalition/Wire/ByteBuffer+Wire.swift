import NIOCore

/// Field helpers for bodies: every read checks what is left, and a string is length-prefixed,
/// bounded and valid UTF-8, or the body is `malformedBody`.
extension ByteBuffer {
    /// Writes a string of at most 255 bytes of UTF-8 after a one-byte length.
    public mutating func writeShortString(_ string: String) {
        let bytes = Array(string.utf8)
        precondition(bytes.count <= 255, "short strings are at most 255 bytes")
        writeInteger(UInt8(bytes.count))
        writeBytes(bytes)
    }

    /// Reads a string written by ``writeShortString(_:)``, refusing one longer than `maximumBytes`.
    public mutating func readShortString(maximumBytes: Int) throws(WireDropReason) -> String {
        guard let count = readInteger(as: UInt8.self), Int(count) <= maximumBytes,
            let bytes = readBytes(length: Int(count)),
            let string = String(validating: bytes, as: UTF8.self)
        else { throw .malformedBody }
        return string
    }

    /// Reads an integer or throws `malformedBody` when the body is too short.
    public mutating func readField<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireDropReason) -> T {
        guard let value = readInteger(as: T.self) else { throw .malformedBody }
        return value
    }
}
