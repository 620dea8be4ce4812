/// An 8-bit YUV 4:2:0 picture held in Swift arrays, one array per plane, rows packed.
package struct PlanarImage: Sendable, Equatable {
    package let width: Int
    package let height: Int
    package var luma: [UInt8]
    /// Cb plane.
    package var blue: [UInt8]
    /// Cr plane.
    package var red: [UInt8]

    package var chromaWidth: Int { (width + 1) / 2 }
    package var chromaHeight: Int { (height + 1) / 2 }

    package init(width: Int, height: Int) {
        self.width = width
        self.height = height
        luma = [UInt8](repeating: 16, count: width * height)
        blue = [UInt8](repeating: 128, count: ((width + 1) / 2) * ((height + 1) / 2))
        red = blue
    }
}
