import Coalition
import MembershipCore

extension MemberID {
    /// A valid id spelled from a short test name (at most 8 ASCII characters): its bytes in hex,
    /// padded with zeros to 16 digits, so ids sort as their names read and failures stay legible
    /// through ``testName``.
    static func named(_ name: String) -> MemberID {
        precondition(name.utf8.count <= 8, "test member names have at most 8 bytes: \(name)")
        let digits = name.utf8.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        return MemberID(digits + String(repeating: "0", count: 16 - digits.count))!
    }

    /// The name ``named(_:)`` spelled this id from.
    var testName: String {
        var bytes: [UInt8] = []
        var digits = rawValue.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            let byte = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!
            if byte == 0 { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
