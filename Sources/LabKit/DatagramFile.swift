import Foundation

/// The file `coalition-lab send-datagrams` sends from: datagrams one after another, each after its
/// length as a big-endian UInt32. The lab tests write it (a stranger's hostile datagrams) and the
/// sender reads it; nothing in it is parsed further.
public enum DatagramFile {
    /// The file's bytes for `datagrams`.
    public static func encode(_ datagrams: [[UInt8]]) -> Data {
        var data = Data(capacity: datagrams.reduce(0) { $0 + 4 + $1.count })
        for datagram in datagrams {
            withUnsafeBytes(of: UInt32(datagram.count).bigEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: datagram)
        }
        return data
    }

    /// The datagrams in a file's bytes; a length or a datagram cut short is an error.
    public static func decode(_ bytes: [UInt8]) throws(DatagramFileError) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw DatagramFileError(offset: offset, reason: "a length cut short") }
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= bytes.count - offset else {
                throw DatagramFileError(offset: offset, reason: "a datagram of \(length) bytes cut short")
            }
            datagrams.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return datagrams
    }
}

/// A datagram file that does not hold what its lengths say.
public struct DatagramFileError: Error, CustomStringConvertible {
    /// The byte where the problem starts.
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset)" }
}
