/// A contact sheet: thumbnails in a grid, each labelled with its time below it, drawn into one
/// RGB picture (8 bits per channel, rows packed) for a person to check a stream at a glance.
/// Pure; the PNG is written by the Media target.
///
/// Layout: `columns` tiles a row (default 6, fewer when there are fewer tiles), rows as many as
/// needed; a `gap` (4 px) around and between cells; each cell is the tile, then a label strip
/// `labelHeight` high with the time as `M:SS` (`H:MM:SS` from an hour on) in a 3x5-pixel font
/// scaled `fontScale` times (default 2), white on the dark background (RGB 24, 24, 24).
public struct ContactSheet: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Tiles per row at most. Default 6.
        public var columns: Int
        /// Pixels around and between cells. Default 4.
        public var gap: Int
        /// How many pixels a pixel of the 3x5 font takes, each way. Default 2.
        public var fontScale: Int

        public init(columns: Int = 6, gap: Int = 4, fontScale: Int = 2) {
            precondition(columns > 0 && gap >= 0 && fontScale > 0)
            self.columns = columns
            self.gap = gap
            self.fontScale = fontScale
        }
    }

    public let configuration: Configuration
    public let tileWidth: Int
    public let tileHeight: Int
    public let count: Int

    public init(tiles count: Int, tileWidth: Int, tileHeight: Int, configuration: Configuration = .init()) {
        precondition(count > 0 && tileWidth > 0 && tileHeight > 0)
        self.count = count
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        self.configuration = configuration
    }

    public var columns: Int { min(count, configuration.columns) }
    public var rows: Int { (count + columns - 1) / columns }
    /// The label strip under a tile: the font's 5 rows scaled, a gap above and below.
    public var labelHeight: Int { 5 * configuration.fontScale + 2 * configuration.gap }
    public var width: Int { columns * (tileWidth + configuration.gap) + configuration.gap }
    public var height: Int { rows * (tileHeight + labelHeight) + configuration.gap }

    /// Where tile `index` (0-based, row by row) goes: its top-left corner.
    public func origin(of index: Int) -> (x: Int, y: Int) {
        precondition((0..<count).contains(index))
        let column = index % columns, row = index / columns
        return (configuration.gap + column * (tileWidth + configuration.gap), configuration.gap + row * (tileHeight + labelHeight))
    }

    /// `0:04`, `12:30`, `1:02:03`: whole seconds.
    public static func label(seconds: Int) -> String {
        let h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }

    /// The sheet: `tiles[i]` (RGB, `tileWidth x tileHeight x 3` bytes) at cell `i`, labelled
    /// `labels[i]`.
    public func render(tiles: [[UInt8]], labels: [String]) -> [UInt8] {
        precondition(tiles.count == count && labels.count == count)
        var canvas = [UInt8](repeating: Self.background, count: width * height * 3)
        for (index, tile) in tiles.enumerated() {
            precondition(tile.count == tileWidth * tileHeight * 3, "tile \(index) is not \(tileWidth)x\(tileHeight) RGB")
            let (x0, y0) = origin(of: index)
            for row in 0..<tileHeight {
                let from = row * tileWidth * 3
                let to = ((y0 + row) * width + x0) * 3
                canvas.replaceSubrange(to..<(to + tileWidth * 3), with: tile[from..<(from + tileWidth * 3)])
            }
            draw(labels[index], x: x0, y: y0 + tileHeight + configuration.gap, on: &canvas)
        }
        return canvas
    }

    static let background: UInt8 = 24

    /// Draws `text` in the 3x5 font; characters it lacks are left blank.
    func draw(_ text: String, x: Int, y: Int, on canvas: inout [UInt8]) {
        let scale = configuration.fontScale
        var penX = x
        for character in text {
            if let rows = Self.font[character] {
                for (row, bits) in rows.enumerated() {
                    for column in 0..<3 where bits & (0b100 >> column) != 0 {
                        for dy in 0..<scale {
                            for dx in 0..<scale {
                                let px = penX + column * scale + dx, py = y + row * scale + dy
                                guard px < width, py < height else { continue }
                                let offset = (py * width + px) * 3
                                canvas[offset] = 255
                                canvas[offset + 1] = 255
                                canvas[offset + 2] = 255
                            }
                        }
                    }
                }
            }
            penX += 4 * scale
        }
    }

    /// Digits and the colon, 3 pixels wide and 5 high; each row's 3 bits, leftmost highest.
    static let font: [Character: [UInt8]] = [
        "0": [0b111, 0b101, 0b101, 0b101, 0b111],
        "1": [0b010, 0b110, 0b010, 0b010, 0b111],
        "2": [0b111, 0b001, 0b111, 0b100, 0b111],
        "3": [0b111, 0b001, 0b111, 0b001, 0b111],
        "4": [0b101, 0b101, 0b111, 0b001, 0b001],
        "5": [0b111, 0b100, 0b111, 0b001, 0b111],
        "6": [0b111, 0b100, 0b111, 0b101, 0b111],
        "7": [0b111, 0b001, 0b010, 0b010, 0b010],
        "8": [0b111, 0b101, 0b111, 0b101, 0b111],
        "9": [0b111, 0b101, 0b111, 0b001, 0b111],
        ":": [0b000, 0b010, 0b000, 0b010, 0b000],
    ]
}
