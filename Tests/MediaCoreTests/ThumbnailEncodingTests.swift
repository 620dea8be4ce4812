import MediaCore
import Testing

/// The optional thumbnail sections of units and results: versioned, present only when they hold
/// something, canonical, every count and size checked.
@Suite struct ThumbnailEncodingTests {
    let request = ThumbnailRequest(interval: 24_576, origin: -1024, tileWidth: 160, tileHeight: 90)

    func tile(_ index: UInt32, _ width: Int = 4, _ height: Int = 2) -> Thumbnail {
        Thumbnail(index: index, pts: Int64(index) * 24_576, width: width, height: height, rgb: (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(index)) })
    }

    @Test func aUnitAskingForThumbnails_roundTrips_andIsTheUnitWithTheRequestAppended() throws {
        var unit = MediaUnitEncodingTests.sampleUnit()
        let plain = MediaUnitEncoding.encode(unit)
        unit.thumbnails = request
        let bytes = MediaUnitEncoding.encode(unit)
        #expect(bytes == MediaUnitEncoding.appending(request, toUnit: plain))
        #expect(bytes.count == plain.count + 21)
        let decoded = try MediaUnitEncoding.decodeUnit(bytes)
        #expect(decoded == unit)
        #expect(MediaUnitEncoding.encode(decoded) == bytes)
        #expect(try MediaUnitEncoding.decodeUnit(plain).thumbnails == nil, "a unit of before has no request")
    }

    @Test func aResultWithThumbnails_roundTrips_andOneWithoutIsAsBefore() throws {
        var result = MediaUnitEncodingTests.sampleResult()
        let plain = MediaUnitEncoding.encode(result)
        result.thumbnails = [tile(0), tile(3, 2, 2)]
        let bytes = MediaUnitEncoding.encode(result)
        #expect(bytes.count == plain.count + 3 + 2 * 16 + 24 + 12)
        #expect(try MediaUnitEncoding.decodeResult(bytes) == result)
        #expect(MediaUnitEncoding.encode(try MediaUnitEncoding.decodeResult(bytes)) == bytes)
        #expect(try MediaUnitEncoding.decodeResult(plain).thumbnails.isEmpty)
    }

    @Test func badSections_areRefusedNamingTheField() {
        let unit = MediaUnitEncoding.encode(MediaUnitEncodingTests.sampleUnit())
        var section = MediaUnitEncoding.appending(request, toUnit: unit)
        section[unit.count] = 2
        #expect(throws: MediaDecodingError.unsupportedVersion(2)) { try MediaUnitEncoding.decodeUnit(section) }
        // Interval 0, a tile of width 0, a byte after the section.
        var zero = MediaUnitEncoding.appending(request, toUnit: unit)
        for offset in 1...8 { zero[unit.count + offset] = 0 }
        #expect(throws: MediaDecodingError.invalidValue(field: "thumbnail interval", value: 0)) { try MediaUnitEncoding.decodeUnit(zero) }
        var narrow = MediaUnitEncoding.appending(request, toUnit: unit)
        narrow[unit.count + 17] = 0
        narrow[unit.count + 18] = 0
        #expect(throws: MediaDecodingError.overLimit(field: "thumbnail side", count: 90, limit: 1024)) { try MediaUnitEncoding.decodeUnit(narrow) }
        #expect(throws: MediaDecodingError.trailingBytes(1)) { try MediaUnitEncoding.decodeUnit(MediaUnitEncoding.appending(request, toUnit: unit) + [1]) }

        var result = MediaUnitEncodingTests.sampleResult()
        let plain = MediaUnitEncoding.encode(result)
        // An empty section would be a second encoding of "no thumbnails".
        #expect(throws: MediaDecodingError.invalidValue(field: "thumbnail count", value: 0)) {
            try MediaUnitEncoding.decodeResult(plain + [1, 0, 0])
        }
        result.thumbnails = [tile(2), tile(1)]
        #expect(throws: MediaDecodingError.invalidValue(field: "thumbnail index", value: 1)) {
            try MediaUnitEncoding.decodeResult(MediaUnitEncoding.encode(result))
        }
        result.thumbnails = [tile(1), tile(2)]
        let whole = MediaUnitEncoding.encode(result)
        #expect(throws: MediaDecodingError.truncated(field: "thumbnail pixels")) {
            try MediaUnitEncoding.decodeResult(Array(whole.dropLast(5)))
        }
        #expect(throws: MediaDecodingError.overLimit(field: "thumbnail bytes", count: 48, limit: 40)) {
            try MediaUnitEncoding.decodeResult(whole, limits: MediaUnitLimits(maximumThumbnailBytes: 40))
        }
    }
}
