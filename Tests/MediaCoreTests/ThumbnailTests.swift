import Testing

@testable import MediaCore

/// The pure parts of contact sheets: which frames, the area-averaging downscale, the layout.
@Suite struct ThumbnailTests {
    // A 24 fps stream in a 1/12288 time base (MP4's for 24 fps): a frame every 512 ticks.
    let frame: Int64 = 512
    func frames(_ range: Range<Int64>) -> [(pts: Int64, duration: Int64)] { range.map { ($0 * 512, 512) } }
    func request(everySeconds seconds: Int64, origin: Int64 = 0) -> ThumbnailRequest {
        ThumbnailRequest(interval: seconds * 12_288, origin: origin, tileWidth: 160, tileHeight: 90)
    }

    @Test func aUnitMakesTheThumbnailsDueInItsEmitRange_eachTheFrameOnScreenThen() {
        // Unit 2 s to 4 s (frames 48..<96): thumbnail 1 (2 s) only, every 2 s.
        let picks = ThumbnailPlanner.picks(
            request(everySeconds: 2), emit: PresentationRange(start: 48 * frame, end: 96 * frame), frames: frames(48..<96))
        #expect(picks.map(\.index) == [1])
        #expect(picks.map(\.pts) == [48 * frame])
    }

    @Test func unitsTilingAStream_makeEveryThumbnailExactlyOnce() {
        // 10 s in units of 1.5 s (36 frames), thumbnails every 1 s: 0...9, each once, in order.
        var all: [(index: UInt32, pts: Int64)] = []
        var start: Int64 = 0
        while start < 240 {
            let end = min(start + 36, 240)
            let emit = PresentationRange(start: start * frame, end: end == 240 ? nil : end * frame)
            all += ThumbnailPlanner.picks(request(everySeconds: 1), emit: emit, frames: frames(start..<end))
            start = end
        }
        #expect(all.map(\.index) == Array(0...9))
        #expect(all.map(\.pts) == (0...9).map { Int64($0) * 24 * frame })
    }

    @Test func aTimeBetweenFrames_showsTheFrameOnScreenThen_notTheNextOne() {
        // 25 fps in a 1/1000 time base (a frame every 40 ms), thumbnails every 1 s from 10 ms:
        // 10 ms shows the frame at 0, 1010 ms the frame at 1000.
        let request = ThumbnailRequest(interval: 1000, origin: 10, tileWidth: 8, tileHeight: 8)
        let picks = ThumbnailPlanner.picks(
            request, emit: PresentationRange(start: 0, end: 2000), frames: (0..<50).map { (Int64($0) * 40, 40) })
        #expect(picks.map(\.index) == [0, 1])
        #expect(picks.map(\.pts) == [0, 1000])
    }

    @Test func theLastUnit_stopsAtTheEndOfItsLastFrame() {
        // 2 s stream, the last unit open-ended: thumbnails at 0 and 1 s, not 2 s and beyond.
        let picks = ThumbnailPlanner.picks(request(everySeconds: 1), emit: PresentationRange(start: 0, end: nil), frames: frames(0..<48))
        #expect(picks.map(\.index) == [0, 1])
    }

    @Test func aStreamStartingLate_countsFromItsOrigin() {
        // MPEG-TS style: 5 s starting at 1.4 s (90 kHz), thumbnails every 2 s from there.
        let request = ThumbnailRequest(interval: 180_000, origin: 126_000, tileWidth: 8, tileHeight: 8)
        let frames = (0..<120).map { (Int64(126_000 + $0 * 3750), Int64(3750)) }
        let picks = ThumbnailPlanner.picks(request, emit: PresentationRange(start: 126_000, end: nil), frames: frames)
        #expect(picks.map(\.index) == [0, 1, 2])
        #expect(picks.map(\.pts) == [126_000, 306_000, 486_000])
    }

    @Test func noFrames_noThumbnails() {
        #expect(ThumbnailPlanner.picks(request(everySeconds: 1), emit: PresentationRange(start: 0, end: 100), frames: []).isEmpty)
    }

    @Test func aTileKeepsThePicturesAspect_withEvenSides() {
        #expect(ThumbnailRequest.tileSize(width: 160, pictureWidth: 1280, pictureHeight: 720) == (160, 90))
        #expect(ThumbnailRequest.tileSize(width: 160, pictureWidth: 640, pictureHeight: 480) == (160, 120))
        #expect(ThumbnailRequest.tileSize(width: 160, pictureWidth: 100, pictureHeight: 50) == (100, 50))
        #expect(ThumbnailRequest.tileSize(width: 161, pictureWidth: 1920, pictureHeight: 1080) == (160, 90))
    }

    @Test func areaWeights_coverEverySourceSampleOnce_andSumToOnePerOutput() {
        for (inputs, outputs) in [(1280, 160), (720, 90), (960, 160), (100, 7), (5, 5), (3, 7)] {
            let weights = ThumbnailScaler.weights(from: inputs, to: outputs)
            #expect(weights.count == outputs)
            for taps in weights { #expect(abs(taps.reduce(0) { $0 + $1.1 } - 1) < 1e-9, "\(inputs) -> \(outputs)") }
            // Every source sample contributes, in total, outputs/inputs of an output sample.
            var total = [Double](repeating: 0, count: inputs)
            for taps in weights { for (source, weight) in taps { total[source] += weight } }
            for share in total { #expect(abs(share - Double(outputs) / Double(inputs)) < 1e-9, "\(inputs) -> \(outputs)") }
        }
    }

    @Test func shrinkingByAnIntegerFactor_averagesEachBlock() {
        // 4x2 luma shrunk to 2x1: the means of the two 2x2 blocks.
        let plane = ThumbnailScaler.Plane(samples: [10, 20, 100, 100, 30, 40, 200, 0], width: 4, height: 2, stride: 4)
        #expect(ThumbnailScaler.shrink(plane, to: 2, 1) == [25, 100])
        // A stride wider than the width skips the padding.
        let padded = ThumbnailScaler.Plane(samples: [10, 20, 99, 30, 40, 99], width: 2, height: 2, stride: 3)
        #expect(ThumbnailScaler.shrink(padded, to: 1, 1) == [25])
    }

    @Test func limitedRangeGreyAndPrimaries_convertToRGBAsBT601() {
        #expect(ThumbnailScaler.rgb601(y: 16, cb: 128, cr: 128) == (0, 0, 0))
        #expect(ThumbnailScaler.rgb601(y: 235, cb: 128, cr: 128) == (255, 255, 255))
        #expect(ThumbnailScaler.rgb601(y: 126, cb: 128, cr: 128) == (128, 128, 128))
        // BT.601 red: Y 81, Cb 90, Cr 240.
        let (r, g, b) = ThumbnailScaler.rgb601(y: 81, cb: 90, cr: 240)
        #expect(r >= 254 && g <= 1 && b <= 1)
    }

    @Test func aFlatPicture_becomesAFlatTile() {
        let luma = ThumbnailScaler.Plane(samples: [UInt8](repeating: 126, count: 64 * 36), width: 64, height: 36, stride: 64)
        let chroma = ThumbnailScaler.Plane(samples: [UInt8](repeating: 128, count: 32 * 18), width: 32, height: 18, stride: 32)
        let tile = ThumbnailScaler.rgbTile(luma: luma, cb: chroma, cr: chroma, tileWidth: 16, tileHeight: 9)
        #expect(tile.count == 16 * 9 * 3)
        #expect(tile.allSatisfy { $0 == 128 })
    }

    @Test func theSheetsGrid_andWhereEachTileGoes() {
        let sheet = ContactSheet(tiles: 10, tileWidth: 160, tileHeight: 90)
        #expect(sheet.columns == 6 && sheet.rows == 2)
        #expect(sheet.labelHeight == 18)
        #expect(sheet.width == 6 * 164 + 4)
        #expect(sheet.height == 2 * (90 + 18) + 4)
        #expect(sheet.origin(of: 0) == (4, 4))
        #expect(sheet.origin(of: 7) == (4 + 164, 4 + 108))
        let few = ContactSheet(tiles: 3, tileWidth: 160, tileHeight: 90)
        #expect(few.columns == 3 && few.rows == 1 && few.width == 3 * 164 + 4)
    }

    @Test func labelsAreMinutesAndSeconds_thenHours() {
        #expect(ContactSheet.label(seconds: 0) == "0:00")
        #expect(ContactSheet.label(seconds: 4) == "0:04")
        #expect(ContactSheet.label(seconds: 750) == "12:30")
        #expect(ContactSheet.label(seconds: 3723) == "1:02:03")
    }

    @Test func renderingPlacesEachTileAndWritesItsLabelUnderIt() {
        let sheet = ContactSheet(tiles: 2, tileWidth: 4, tileHeight: 2, configuration: .init(columns: 2, gap: 1, fontScale: 1))
        let red = [UInt8](repeating: 0, count: 24).enumerated().map { $0.offset % 3 == 0 ? UInt8(255) : 0 }
        let blue = [UInt8](repeating: 0, count: 24).enumerated().map { $0.offset % 3 == 2 ? UInt8(255) : 0 }
        let canvas = sheet.render(tiles: [red, blue], labels: ["1", "1"])
        #expect(canvas.count == sheet.width * sheet.height * 3)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(canvas[((y * sheet.width + x) * 3)..<((y * sheet.width + x) * 3 + 3)]) }
        #expect(pixel(1, 1) == [255, 0, 0])
        #expect(pixel(4, 2) == [255, 0, 0])
        #expect(pixel(6, 1) == [0, 0, 255])
        #expect(pixel(0, 0) == [24, 24, 24])
        // "1" in the font: the top row's middle pixel is lit, its corners are not; the label
        // starts a gap below the tile.
        let labelTop = 1 + 2 + 1
        #expect(pixel(1 + 1, labelTop) == [255, 255, 255])
        #expect(pixel(1, labelTop) == [24, 24, 24])
        #expect(pixel(1 + 1, labelTop + 4) == [255, 255, 255])
    }
}
