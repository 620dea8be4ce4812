/// Shrinks a decoded 8-bit YUV 4:2:0 picture to an RGB tile. Pure.
///
/// Each plane is shrunk by **area averaging** (what `-vf scale=...:flags=area` does): an output
/// sample is the mean of the source samples under it, each weighted by the fraction of its
/// area the output sample covers, separably (rows, then columns). The chroma planes are shrunk
/// from their own half size to the tile size, so no chroma is upsampled first. Then each pixel
/// is converted with BT.601 limited range (Y 16-235, Cb/Cr 16-240), as swscale converts
/// untagged YUV to RGB.
public enum ThumbnailScaler {
    /// One plane: `width x height` samples, a row every `stride` bytes.
    public struct Plane {
        public var samples: [UInt8]
        public var width: Int
        public var height: Int
        public var stride: Int

        public init(samples: [UInt8], width: Int, height: Int, stride: Int) {
            precondition(width > 0 && height > 0 && stride >= width && samples.count >= stride * (height - 1) + width)
            self.samples = samples
            self.width = width
            self.height = height
            self.stride = stride
        }
    }

    /// The RGB tile (`tileWidth x tileHeight x 3` bytes, rows packed) of a picture given as its
    /// luma and its two chroma planes (Cb, Cr).
    public static func rgbTile(luma: Plane, cb: Plane, cr: Plane, tileWidth: Int, tileHeight: Int) -> [UInt8] {
        let y = shrink(luma, to: tileWidth, tileHeight)
        let u = shrink(cb, to: tileWidth, tileHeight)
        let v = shrink(cr, to: tileWidth, tileHeight)
        var rgb = [UInt8](repeating: 0, count: tileWidth * tileHeight * 3)
        for i in 0..<(tileWidth * tileHeight) {
            let (r, g, b) = rgb601(y: y[i], cb: u[i], cr: v[i])
            rgb[3 * i] = r
            rgb[3 * i + 1] = g
            rgb[3 * i + 2] = b
        }
        return rgb
    }

    /// BT.601 limited range to full-range RGB, rounded and clamped.
    public static func rgb601(y: Double, cb: Double, cr: Double) -> (UInt8, UInt8, UInt8) {
        let luma = 1.164_383_6 * (y - 16)
        let u = cb - 128, v = cr - 128
        return (clamp(luma + 1.596_026_8 * v), clamp(luma - 0.391_762_3 * u - 0.812_968 * v), clamp(luma + 2.017_232_1 * u))
    }

    /// A plane shrunk (or stretched) to `width x height` by area averaging, as Doubles.
    static func shrink(_ plane: Plane, to width: Int, _ height: Int) -> [Double] {
        let columns = weights(from: plane.width, to: width)
        let rows = weights(from: plane.height, to: height)
        // Rows first: each output row is a weighted sum of source rows.
        var vertical = [Double](repeating: 0, count: height * plane.width)
        for (outRow, taps) in rows.enumerated() {
            for (sourceRow, weight) in taps {
                let base = sourceRow * plane.stride
                let outBase = outRow * plane.width
                for x in 0..<plane.width { vertical[outBase + x] += weight * Double(plane.samples[base + x]) }
            }
        }
        var result = [Double](repeating: 0, count: width * height)
        for row in 0..<height {
            for (outColumn, taps) in columns.enumerated() {
                var sum = 0.0
                for (sourceColumn, weight) in taps { sum += weight * vertical[row * plane.width + sourceColumn] }
                result[row * width + outColumn] = sum
            }
        }
        return result
    }

    /// For each of `outputs` samples over `inputs` source samples, the source samples it covers
    /// and the fraction of its own width each makes up (they sum to 1).
    static func weights(from inputs: Int, to outputs: Int) -> [[(Int, Double)]] {
        let scale = Double(inputs) / Double(outputs)
        return (0..<outputs).map { index in
            let start = Double(index) * scale, end = Double(index + 1) * scale
            var taps: [(Int, Double)] = []
            var source = Int(start.rounded(.down))
            while Double(source) < end && source < inputs {
                let covered = min(end, Double(source + 1)) - max(start, Double(source))
                if covered > 1e-12 { taps.append((source, covered / scale)) }
                source += 1
            }
            return taps
        }
    }

    static func clamp(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
}
