import MediaCore
import Testing

/// Inputs the fuzzer (Fuzz/README.md) found, replayed: each must be refused as the fix says.
@Suite struct FuzzRegressionTests {
    /// Bytes from hex (whitespace and line breaks ignored).
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// media-unit crash-070715fad833ab2bcb5becc7e076c367d7784e77 (its first byte, the target's
    /// selector, dropped): a real unit whose packet count was mutated to 4096 in 436 bytes.
    /// `decodeUnit` reserved room for 4096 packets (240 kB) before reading one; now the count is
    /// refused because the bytes left cannot hold that many packets.
    @Test func aPacketCountTheBytesCannotHold_isRefusedBeforeAnythingIsReserved() {
        let input = Self.bytes(
            "010000000700010000000100003200000000080164001fffe1001900000500000002d000000000000000190000000100"
            + "00000000000000ffffffff00000000002625a000000000000004000000000000001c00000000000f01264b7095badf04"
            + "294e7398bde207000000000000080000000000000004000000000000000200020000001a02274c7196bbe0052a4f7499"
            + "bee3082d52779cc1264b7095badf04294e7398bde2070000000000000800000000000000040000000000000002000200"
            + "00001a02274c7196bbe0052a4f7499bee3082d52779cc1e6facf557a9f0000000000000a000000000000000600000000"
            + "0000000200000000002503284d7297bce1062b50750000001400000000000000020000000000220a2f54799ec3e80d00"
            + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            + "4532000000000000000000000000000000000000000000000000000000000000000000000004000032577ca1c6eb1035"
            + "5a7fa4c9ee13385d82a7ccf1163b6085aacf0000000000001a000000000000001600000000000000020002000000050b"
            + "30557a9f")
        #expect(input.count == 436)
        #expect(throws: MediaDecodingError.truncated(field: "packets")) { try MediaUnitEncoding.decodeUnit(input) }
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
