import Foundation
import Media

/// Deterministic moving test content for the video clips, computed from the frame index alone.
///
/// A textured scene (diagonal gradient, eight colour bars, fine grain) pans 3 px right and 1 px
/// down per frame; one macroblock row in four is replaced every frame by a piece of the scene
/// from a place derived from a hash of the frame and the row (content the encoder cannot predict
/// from the previous frame, as in a scene with fast motion), and a bright box bounces across.
/// The scene is drawn once; each frame is then assembled with row copies, so synthesis stays
/// fast in debug builds too.
struct VideoPattern: Sendable {
    let width: Int
    let height: Int
    /// The scene, `2 * width` by `2 * height`, per plane, so any pan offset is a plain row copy.
    private let sceneLuma: [UInt8]
    private let sceneBlue: [UInt8]
    private let sceneRed: [UInt8]

    /// Luma and chroma of eight bars (white, yellow, cyan, green, magenta, red, blue, black).
    private static let bars: [(y: UInt8, u: UInt8, v: UInt8)] = [
        (235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34),
        (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128),
    ]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        let sceneWidth = 2 * width
        let sceneHeight = 2 * height
        let barWidth = max(1, width / 8)
        var luma = [UInt8](repeating: 0, count: sceneWidth * sceneHeight)
        for y in 0..<sceneHeight {
            for x in 0..<sceneWidth {
                let bar = Int(Self.bars[(x / barWidth) & 7].y)
                var h = UInt32(truncatingIfNeeded: (x >> 1) &* 73_856_093 ^ (y >> 1) &* 19_349_663)
                h = (h ^ (h >> 13)) &* 1_274_126_177
                let grain = Int((h >> 24) % 13) - 6
                luma[y * sceneWidth + x] = UInt8(clamping: (bar + ((x + y) & 0xff)) >> 1 + grain)
            }
        }
        let chromaWidth = sceneWidth / 2
        let chromaHeight = sceneHeight / 2
        var blue = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        var red = blue
        for y in 0..<chromaHeight {
            for x in 0..<chromaWidth {
                let bar = Self.bars[((x * 2) / barWidth) & 7]
                let tint = y & 0x3f
                blue[y * chromaWidth + x] = UInt8(clamping: Int(bar.u) - 32 + tint)
                red[y * chromaWidth + x] = UInt8(clamping: Int(bar.v) + 32 - tint)
            }
        }
        sceneLuma = luma
        sceneBlue = blue
        sceneRed = red
    }

    /// Draws frame `index` into `image` (whose size must be `width` x `height`).
    func draw(frame index: Int, into image: inout PlanarImage) {
        let panX = (index * 3) % width
        let panY = index % height
        Self.assemble(
            plane: &image.luma, width: width, height: height, scene: sceneLuma, sceneWidth: 2 * width,
            panX: panX, panY: panY, blockRows: 16, frame: index)
        let chromaWidth = image.chromaWidth
        let chromaHeight = image.chromaHeight
        Self.assemble(
            plane: &image.blue, width: chromaWidth, height: chromaHeight, scene: sceneBlue, sceneWidth: width,
            panX: panX / 2, panY: panY / 2, blockRows: 8, frame: index)
        Self.assemble(
            plane: &image.red, width: chromaWidth, height: chromaHeight, scene: sceneRed, sceneWidth: width,
            panX: panX / 2, panY: panY / 2, blockRows: 8, frame: index)
        let boxSize = max(8, height / 6)
        let boxX = bounce(index * 7, span: width - boxSize)
        let boxY = bounce(index * 5, span: height - boxSize)
        let boxWidth = min(boxSize, width - boxX)
        for y in boxY..<min(height, boxY + boxSize) {
            let start = y * width + boxX
            image.luma.replaceSubrange(start..<(start + boxWidth), with: repeatElement(235, count: boxWidth))
        }
    }

    /// Copies the panned window of `scene` into `plane`, one row copy per row; every fourth band
    /// of `blockRows` rows comes from a hashed place in the scene instead.
    private static func assemble(
        plane: inout [UInt8], width: Int, height: Int, scene: [UInt8], sceneWidth: Int,
        panX: Int, panY: Int, blockRows: Int, frame: Int
    ) {
        for y in 0..<height {
            let band = y / blockRows
            var sourceX = panX
            var sourceY = y + panY
            if band % 4 == (frame % 4) {
                var h = UInt32(truncatingIfNeeded: frame &* 2_654_435_761 ^ band &* 40_503)
                h = (h ^ (h >> 15)) &* 2_246_822_519
                sourceX = Int(h % UInt32(width))
                sourceY = y + Int((h >> 7) % UInt32(height))
            }
            let source = sourceY * sceneWidth + sourceX
            plane[(y * width)..<(y * width + width)] = scene[source..<(source + width)]
        }
    }

    /// A position that moves back and forth over `0...span`.
    private func bounce(_ travelled: Int, span: Int) -> Int {
        guard span > 0 else { return 0 }
        let phase = travelled % (2 * span)
        return phase <= span ? phase : 2 * span - phase
    }
}

/// Deterministic audio for the audio clips: an exponential sine sweep, 100 Hz to 8 kHz in 5 s and
/// again, on the left channel, and the same sweep downwards on the right. Each sample is computed
/// from its index alone, so any block can be drawn on its own.
struct AudioSweep: Sendable {
    let sampleRate: Int
    /// Length of one sweep in seconds.
    var period = 5.0
    var lowHertz = 100.0
    var highHertz = 8_000.0
    /// Peak amplitude, full scale = 1.
    var amplitude: Float = 0.5

    /// Fills each channel buffer with the samples starting at `start`.
    func draw(from start: Int, into channels: inout [[Float]]) {
        for channel in channels.indices {
            let downwards = channel % 2 == 1
            for offset in channels[channel].indices {
                channels[channel][offset] = sample(start + offset, downwards: downwards)
            }
        }
    }

    /// Sample `index` of the sweep; the phase of an exponential sweep has a closed form, so it is
    /// continuous within a period without state.
    func sample(_ index: Int, downwards: Bool) -> Float {
        let periodSamples = Int(period * Double(sampleRate))
        let t = Double(index % periodSamples) / Double(sampleRate)
        let ratio = log(highHertz / lowHertz)
        let (f0, k) = downwards ? (highHertz, -ratio) : (lowHertz, ratio)
        let phase = 2 * Double.pi * f0 * period / k * (exp(k * t / period) - 1)
        return amplitude * Float(sin(phase))
    }
}

