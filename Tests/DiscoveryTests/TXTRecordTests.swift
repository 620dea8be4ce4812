import Testing
@testable import Discovery

private let sample = Announcement(
    nodeID: NodeID(rawValue: 0x00ab_cdef_0123_4567), incarnation: 1_763_900_000_123, name: "board-1",
    cores: 4, memoryMiB: 3_844, profileID: "rpi4-2026.11", heartbeatPort: 7946, queryPort: 7947)

private func bytes(_ entries: [String]) -> [[UInt8]] { entries.map { Array($0.utf8) } }

/// The sample's record with one key replaced (or removed when `value` is nil).
private func record(replacing key: String, with value: String?) throws -> [[UInt8]] {
    let entries = try TXTRecord.encode(sample).compactMap { entry -> String? in
        guard entry.hasPrefix(key + "=") else { return entry }
        return value.map { key + "=" + $0 }
    }
    return bytes(entries)
}

private func rejection(_ entries: [[UInt8]]) -> TXTRecordError? {
    do {
        _ = try TXTRecord.decode(entries)
        return nil
    } catch {
        return error
    }
}

@Suite struct TXTRecordTests {
    @Test func encodingPutsTxtversFirstAndStaysWellUnder400Bytes() throws {
        let entries = try TXTRecord.encode(sample)
        #expect(entries.first == "txtvers=1")
        #expect(entries.contains("id=00abcdef01234567"))
        #expect(TXTRecord.wireSize(bytes(entries)) < 200)
    }

    @Test func aRecordRoundTrips() throws {
        let decoded = try TXTRecord.decode(bytes(try TXTRecord.encode(sample)))
        #expect(decoded == sample)
    }

    @Test func keysAreCaseInsensitiveTheFirstOccurrenceWinsAndUnknownKeysAreIgnored() throws {
        var entries = try TXTRecord.encode(sample).map { $0.hasPrefix("c=") ? "C=8" : $0 }
        entries += ["c=16", "future=yes", "flag"]
        let decoded = try TXTRecord.decode(bytes(entries))
        #expect(decoded.cores == 8)
    }

    @Test func anUnknownTxtversIsRejectedWithItsNumber() throws {
        let error = rejection(try record(replacing: "txtvers", with: "9"))
        #expect(error?.code == .unknownTXTVers)
        #expect(error?.reason.contains("txtvers 9 is unknown") == true)
    }

    @Test func aMissingTxtversIsRejected() throws {
        #expect(rejection(try record(replacing: "txtvers", with: nil))?.code == .missingTXTVers)
    }

    @Test func aMissingKeyIsRejectedNamingTheKey() throws {
        let error = rejection(try record(replacing: "hb", with: nil))
        #expect(error?.code == .missingKey)
        #expect(error?.key == "hb")
    }

    @Test func aKeyWithoutValueIsMalformed() throws {
        var entries = try record(replacing: "c", with: nil)
        entries.append(Array("c".utf8))
        let error = rejection(entries)
        #expect(error?.code == .malformed)
        #expect(error?.reason == "key c has no value")
    }

    @Test(arguments: [
        ("c", "0"), ("c", "1025"), ("m", "0"), ("m", "16777217"), ("hb", "0"), ("hb", "65536"),
        ("q", "0"), ("q", "99999"), ("pv", "0"), ("pv", "256"),
    ])
    func absurdNumbersAreOutOfRange(key: String, value: String) throws {
        let error = rejection(try record(replacing: key, with: value))
        #expect(error?.code == .outOfRange)
        #expect(error?.key == key)
        #expect(error?.reason.contains(value) == true)
    }

    @Test(arguments: [("c", "-1"), ("c", "4 "), ("c", "four"), ("m", ""), ("inc", "0x10"), ("c", "99999999999999999999999")])
    func nonDecimalNumbersAreMalformed(key: String, value: String) throws {
        #expect(rejection(try record(replacing: key, with: value))?.code == .malformed)
    }

    @Test(arguments: ["00abcdef0123456", "00abcdef012345678", "00abcdef0123456g", "", "+0abcdef01234567"])
    func anIdThatIsNotSixteenHexDigitsIsRejected(id: String) throws {
        let error = rejection(try record(replacing: "id", with: id))
        #expect(error?.code == .malformed)
        #expect(error?.key == "id")
    }

    @Test func aNameLongerThanADNSLabelIsRejected() throws {
        let error = rejection(try record(replacing: "n", with: String(repeating: "x", count: 64)))
        #expect(error?.code == .outOfRange)
        #expect(error?.key == "n")
    }

    @Test func aNameWithControlCharactersIsRejected() throws {
        #expect(rejection(try record(replacing: "n", with: "bad\u{1}name"))?.code == .malformed)
    }

    @Test func aProfileIdWithSpacesIsRejected() throws {
        #expect(rejection(try record(replacing: "p", with: "my profile"))?.key == "p")
    }

    @Test func aRecordOver400BytesIsRejected() throws {
        var entries = try TXTRecord.encode(sample)
        entries.append("pad=" + String(repeating: "x", count: 250))
        entries.append("pad2=" + String(repeating: "x", count: 100))
        #expect(rejection(bytes(entries))?.code == .tooLarge)
    }

    @Test func anEmptyKeyIsMalformed() throws {
        var entries = try record(replacing: "q", with: "7947")
        entries.append(Array("=value".utf8))
        #expect(rejection(entries)?.code == .malformed)
    }

    @Test func encodingRefusesAnAbsurdAnnouncement() {
        var bad = sample
        bad.cores = 0
        #expect(throws: TXTRecordError.self) { try TXTRecord.encode(bad) }
    }

    @Test func nodeIdsPrintAsSixteenZeroPaddedHexDigitsAndParseBack() {
        let id = NodeID(rawValue: 0x1f)
        #expect(id.description == "000000000000001f")
        #expect(NodeID(hex: id.description) == id)
        #expect(NodeID(hex: "1f") == nil)
    }
}
