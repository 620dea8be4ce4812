/// A frame size in pixels. Frame sizes are only partially ordered: one size is at least
/// another when it is at least as wide *and* at least as tall (16CIF, 1408x1152, and 1080p,
/// 1920x1080, are incomparable).
public struct FrameSize: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var pixels: Int { width * height }
    public var description: String { "\(width)x\(height)" }

    /// True when this size covers `other` in both directions.
    public func covers(_ other: FrameSize) -> Bool {
        width >= other.width && height >= other.height
    }

    // The frame sizes of the paper's Example 1 (ITU-T H.261/H.263 names) and the presets' sizes.
    public static let sqcif = FrameSize(width: 128, height: 96)
    public static let qcif = FrameSize(width: 176, height: 144)
    public static let cif = FrameSize(width: 352, height: 288)
    public static let cif4 = FrameSize(width: 704, height: 576)
    public static let cif16 = FrameSize(width: 1408, height: 1152)
    public static let p480 = FrameSize(width: 640, height: 480)
    public static let p720 = FrameSize(width: 1280, height: 720)
    public static let p1080 = FrameSize(width: 1920, height: 1080)
}

/// The type of an attribute's values (Definition 5: each value is a tuple of value, type and
/// whether its set is discrete or continuous).
public enum QoSValueType: String, Sendable, Codable, Hashable {
    case integer
    case real
    case frameSize
}

/// One value of a QoS attribute.
public enum QoSValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int)
    case real(Double)
    case frameSize(FrameSize)

    public var type: QoSValueType {
        switch self {
        case .integer: .integer
        case .real: .real
        case .frameSize: .frameSize
        }
    }

    /// The numeric value of an integer or real value; nil for a frame size.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        case .frameSize: nil
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): "\(value)"
        case .real(let value): "\(value)"
        case .frameSize(let size): size.description
        }
    }
}
