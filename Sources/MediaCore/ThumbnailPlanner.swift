/// What a unit's decoder is asked for when the requester wants a contact sheet: one picture
/// every `interval` from `origin` (the video stream's start), shrunk to `tileWidth` x
/// `tileHeight`. Carried in the unit (see `MediaUnitEncoding`).
public struct ThumbnailRequest: Sendable, Hashable {
    /// Ticks of the stream's time base between two thumbnails (above 0).
    public var interval: Int64
    /// The time of thumbnail 0, in the stream's time base.
    public var origin: Int64
    /// Tile size in pixels, 1 to `ThumbnailRequest.maximumTileSide` each.
    public var tileWidth: Int
    public var tileHeight: Int

    /// Longest tile side, in pixels.
    public static let maximumTileSide = 1024

    public init(interval: Int64, origin: Int64, tileWidth: Int, tileHeight: Int) {
        precondition(interval > 0, "a thumbnail interval is above 0")
        precondition((1...Self.maximumTileSide).contains(tileWidth) && (1...Self.maximumTileSide).contains(tileHeight))
        self.interval = interval
        self.origin = origin
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
    }

    /// A tile about `width` pixels wide with the picture's aspect ratio (even sides, at least 2),
    /// for a picture of `pictureWidth` x `pictureHeight`.
    public static func tileSize(width: Int, pictureWidth: Int, pictureHeight: Int) -> (width: Int, height: Int) {
        let w = max(2, min(width, pictureWidth, maximumTileSide)) & ~1
        let h = max(2, min(maximumTileSide, Int((Double(w) * Double(pictureHeight) / Double(max(1, pictureWidth))).rounded()))) & ~1
        return (w, h)
    }
}

/// A thumbnail a member made: which one (its index `k`: the picture shown at `origin + k x
/// interval`), the frame it shows, and its pixels as RGB (8 bits each, rows packed).
public struct Thumbnail: Sendable, Hashable {
    /// Most thumbnails in one unit's result.
    public static let maximumPerResult = 64
    /// Bytes a result's thumbnail section takes beyond the pixels: version and count, and per
    /// thumbnail its index, pts, width and height.
    public static let sectionOverheadBytes = 3 + maximumPerResult * 16
    public var index: UInt32
    /// The presentation time of the frame it shows, in the stream's time base.
    public var pts: Int64
    public var width: Int
    public var height: Int
    /// `width x height x 3` bytes: R, G, B per pixel, row after row.
    public var rgb: [UInt8]

    public init(index: UInt32, pts: Int64, width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "an RGB tile is width x height x 3 bytes")
        self.index = index
        self.pts = pts
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// Which decoded frames become thumbnails. Pure.
///
/// Thumbnail `k` is due at `t = origin + k x interval` and shows the frame on screen then: the
/// last frame whose presentation time is at or before `t` (the first frame of the unit when `t`
/// falls before it). A unit makes the thumbnails whose `t` lies in its emit range, and, for the
/// last unit (open range), before the end of its last frame; since emit ranges tile the stream,
/// every `t` within the stream is made by exactly one unit.
public enum ThumbnailPlanner {
    /// The thumbnails `(index, pts of the frame shown)` of a unit emitting `emit`, whose emitted
    /// frames have `frames` (pts, duration), in presentation order.
    public static func picks(
        _ request: ThumbnailRequest, emit: PresentationRange, frames: [(pts: Int64, duration: Int64)]
    ) -> [(index: UInt32, pts: Int64)] {
        guard let first = frames.first, let last = frames.last else { return [] }
        let end = emit.end ?? (last.pts + max(1, last.duration))
        guard end > emit.start else { return [] }
        var k = firstIndex(request, atOrAfter: emit.start)
        var picks: [(index: UInt32, pts: Int64)] = []
        var frame = 0
        while let t = time(request, k), t < end {
            while frame + 1 < frames.count && frames[frame + 1].pts <= t { frame += 1 }
            picks.append((UInt32(k), frames[frame].pts <= t ? frames[frame].pts : first.pts))
            k += 1
        }
        return picks
    }

    /// The first index whose time is at or after `start` (0 when `start` is before the origin).
    public static func firstIndex(_ request: ThumbnailRequest, atOrAfter start: Int64) -> Int64 {
        let (fromStart, overflow) = start.subtractingReportingOverflow(request.origin)
        guard !overflow else { return start > request.origin ? Int64(UInt32.max) + 1 : 0 }
        return fromStart <= 0 ? 0 : fromStart / request.interval + (fromStart % request.interval == 0 ? 0 : 1)
    }

    /// When thumbnail `index` is due, in the stream's time base; nil past the last index a
    /// result can carry (UInt32) or where the time does not fit.
    public static func time(_ request: ThumbnailRequest, _ index: Int64) -> Int64? {
        guard (0...Int64(UInt32.max)).contains(index) else { return nil }
        let (product, overflow) = index.multipliedReportingOverflow(by: request.interval)
        guard !overflow else { return nil }
        let (t, overflowed) = request.origin.addingReportingOverflow(product)
        return overflowed ? nil : t
    }
}
