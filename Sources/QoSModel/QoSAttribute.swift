/// The set of values an attribute may take (Definition 5's `Val`): a finite discrete set or
/// a closed continuous range.
public enum QoSDomain: Hashable, Sendable {
    /// A finite set of values, e.g. color depths {1, 3, 8, 16, 24}.
    case discrete([QoSValue])
    /// Every number in `lower...upper`; `integral` restricts it to whole numbers (e.g. frame
    /// rate 1...60 fps is integral, a compression index is not).
    case continuous(lower: Double, upper: Double, integral: Bool)

    public func contains(_ value: QoSValue) -> Bool {
        switch self {
        case .discrete(let values):
            return values.contains(value)
        case .continuous(let lower, let upper, let integral):
            guard let number = value.number, number.isFinite else { return false }
            if integral, case .real = value, number.rounded() != number { return false }
            return number >= lower && number <= upper
        }
    }
}

/// Which direction of an attribute is the better quality.
public enum QoSPreference: String, Sendable, Hashable, Codable {
    /// More is better (frame rate, sampling rate, frame size).
    case higherIsBetter
    /// Less is better (end-to-end latency).
    case lowerIsBetter
}

/// A QoS attribute of a dimension (Definition 5's `Attr`), with its domain (`AV`).
public struct QoSAttribute: Hashable, Sendable, Identifiable {
    /// A stable identifier, e.g. `"video.frameRate"`.
    public var id: String
    /// A name for people, e.g. `"frame rate"`.
    public var name: String
    /// The unit of the values, e.g. `"fps"`, `"kHz"`; empty when unitless.
    public var unit: String
    public var valueType: QoSValueType
    public var domain: QoSDomain
    public var preference: QoSPreference

    public init(
        id: String, name: String, unit: String = "", valueType: QoSValueType, domain: QoSDomain,
        preference: QoSPreference = .higherIsBetter
    ) {
        self.id = id
        self.name = name
        self.unit = unit
        self.valueType = valueType
        self.domain = domain
        self.preference = preference
    }

    /// The attribute's own order: `offered` is at least `required`. Nil when the two values are
    /// incomparable (two frame sizes neither of which covers the other) or of the wrong type.
    public func isAtLeast(_ offered: QoSValue, _ required: QoSValue) -> Bool {
        switch (offered, required) {
        case (.frameSize(let a), .frameSize(let b)):
            return preference == .higherIsBetter ? a.covers(b) : b.covers(a)
        default:
            guard let a = offered.number, let b = required.number, offered.type != .frameSize,
                required.type != .frameSize
            else { return false }
            return preference == .higherIsBetter ? a >= b : a <= b
        }
    }
}

/// A QoS dimension (Definition 5's `Dim`) and the attributes it groups (its `DA` relation).
public struct QoSDimension: Hashable, Sendable, Identifiable {
    /// A stable identifier, e.g. `"video"`.
    public var id: String
    public var name: String
    public var attributes: [QoSAttribute]

    public init(id: String, name: String, attributes: [QoSAttribute]) {
        self.id = id
        self.name = name
        self.attributes = attributes
    }
}
