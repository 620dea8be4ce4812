import Foundation

/// An 8-bit YUV 4:2:0 picture held in Swift arrays, one array per plane, rows packed.
struct PlanarImage: Sendable, Equatable {
    let width: Int
    let height: Int
    var luma: [UInt8]
    /// Cb plane.
    var blue: [UInt8]
    /// Cr plane.
    var red: [UInt8]

    var chromaWidth: Int { (width + 1) / 2 }
    var chromaHeight: Int { (height + 1) / 2 }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        luma = [UInt8](repeating: 16, count: width * height)
        blue = [UInt8](repeating: 128, count: ((width + 1) / 2) * ((height + 1) / 2))
        red = blue
    }
}

/// Deterministic moving test content for the video clips, computed from the frame index alone:
/// a diagonal gradient and colour bars scrolling at different speeds, a bright box bouncing
/// across the picture, and fine grain that changes every frame (so the encoder has real residual
/// to code at every frame, as in camera footage, instead of a perfectly predictable scroll).
struct VideoPattern: Sendable {
    let width: Int
    let height: Int

    /// Luma and chroma of eight bars (white, yellow, cyan, green, magenta, red, blue, black).
    private static let bars: [(y: UInt8, u: UInt8, v: UInt8)] = [
        (235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34),
        (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128),
    ]

    /// Draws frame `index` into `image` (whose size must be `width` x `height`).
    func draw(frame index: Int, into image: inout PlanarImage) {
        let width = width
        let height = height
        let shift = index * 3
        let barWidth = max(1, width / 8)
        let boxSize = max(8, height / 6)
        let boxX = bounce(index * 7, span: width - boxSize)
        let boxY = bounce(index * 5, span: height - boxSize)
        let seed = UInt32(truncatingIfNeeded: index &* 2_654_435_761)
        image.luma.withUnsafeMutableBufferPointer { luma in
            for y in 0..<height {
                let row = y * width
                let gradientRow = (y + index) & 0xff
                let inBoxRow = y >= boxY && y < boxY + boxSize
                for x in 0..<width {
                    let bar = Self.bars[((x + shift) / barWidth) & 7].y
                    var value = (Int(bar) + ((x + gradientRow) & 0xff)) >> 1
                    if inBoxRow && x >= boxX && x < boxX + boxSize { value = 235 }
                    // Grain: a hash of the 2x2 block and the frame, +-6 levels.
                    var h = UInt32(truncatingIfNeeded: (x >> 1) &* 73_856_093 ^ (y >> 1) &* 19_349_663) ^ seed
                    h = (h ^ (h >> 13)) &* 1_274_126_177
                    value += Int((h >> 24) % 13) - 6
                    luma[row + x] = UInt8(clamping: value)
                }
            }
        }
        let chromaWidth = image.chromaWidth
        let chromaHeight = image.chromaHeight
        image.blue.withUnsafeMutableBufferPointer { blue in
            image.red.withUnsafeMutableBufferPointer { red in
                for y in 0..<chromaHeight {
                    let row = y * chromaWidth
                    let tint = (y + index) & 0x3f
                    for x in 0..<chromaWidth {
                        let bar = Self.bars[((x * 2 + shift) / barWidth) & 7]
                        blue[row + x] = UInt8(clamping: Int(bar.u) - 32 + tint)
                        red[row + x] = UInt8(clamping: Int(bar.v) + 32 - tint)
                    }
                }
            }
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

