import Discovery

/// The DNS-SD TXT record reader (`TXTRecord.decode`), fed the record's wire form (RFC 6763: a
/// length byte, then that many bytes, per string; a string cut short by the end keeps what is
/// left), as Avahi hands it over.
///
/// Not canonical (keys are case-insensitive, unknown keys are ignored, the first of a repeated
/// key wins, numbers may have leading zeros), so the check is semantic: what decodes passes
/// `validate`, re-encodes within the size limit, and decodes again to the same announcement.
enum TXTRecordTarget {
    static let target = FuzzTarget(
        name: "txt-record",
        summary: "TXTRecord.decode over RDATA strings: ranges, size limit, decode(encode(a)) == a"
    ) { bytes in
        let entries = strings(bytes)
        let result = Fuzz.timed("txt-record decode") { Result { () throws(TXTRecordError) in try TXTRecord.decode(entries) } }
        guard case .success(let announcement) = result else { return }
        Fuzz.check(TXTRecord.wireSize(entries) <= TXTRecord.maximumWireBytes, "a record over the size limit decoded")
        Fuzz.check((try? TXTRecord.validate(announcement)) != nil, "a decoded announcement does not validate")
        guard let encoded = try? TXTRecord.encode(announcement) else {
            Fuzz.check(false, "a decoded announcement does not encode")
            return
        }
        let again = try? TXTRecord.decode(encoded.map { Array($0.utf8) })
        Fuzz.check(again == announcement, "decode(encode(a)) != a")
    }

    /// The strings of TXT RDATA.
    static func strings(_ bytes: [UInt8]) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let length = Int(bytes[index])
            let end = min(bytes.count, index + 1 + length)
            entries.append(Array(bytes[(index + 1)..<end]))
            index = end
        }
        return entries
    }
}
