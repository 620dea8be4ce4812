/// A point in the QoS space: one value per attribute, keyed by attribute id. A service's
/// constraints are a point read as a *minimum* per attribute; what a node offers is a point
/// read as what it delivers.
public typealias QoSPoint = [String: QoSValue]

/// A condition on one attribute's value, used by dependencies.
public enum QoSCondition: Hashable, Sendable, CustomStringConvertible {
    /// The attribute's number lies in `lower...upper` (both inclusive).
    case within(attribute: String, lower: Double, upper: Double)
    /// The attribute's frame size fits inside `size` (both directions).
    case frameSizeWithin(attribute: String, size: FrameSize)
    /// The attribute's value is one of `values`.
    case oneOf(attribute: String, values: [QoSValue])

    public var attribute: String {
        switch self {
        case .within(let attribute, _, _), .frameSizeWithin(let attribute, _),
            .oneOf(let attribute, _):
            attribute
        }
    }

    public func holds(for value: QoSValue) -> Bool {
        switch self {
        case .within(_, let lower, let upper):
            guard let number = value.number else { return false }
            return number >= lower && number <= upper
        case .frameSizeWithin(_, let size):
            guard case .frameSize(let frame) = value else { return false }
            return size.covers(frame)
        case .oneOf(_, let values):
            return values.contains(value)
        }
    }

    public var description: String {
        switch self {
        case .within(let attribute, let lower, let upper): "\(attribute) in \(lower)...\(upper)"
        case .frameSizeWithin(let attribute, let size): "\(attribute) within \(size)"
        case .oneOf(let attribute, let values): "\(attribute) in \(values)"
        }
    }
}

/// A dependency between attribute values (Definition 5's `Dep`): when `condition` holds,
/// `requirement` must hold too.
public struct QoSDependency: Hashable, Sendable {
    public var reason: String
    public var condition: QoSCondition
    public var requirement: QoSCondition

    public init(_ reason: String, when condition: QoSCondition, then requirement: QoSCondition) {
        self.reason = reason
        self.condition = condition
        self.requirement = requirement
    }

    /// True when the point satisfies the dependency (a point lacking either attribute does).
    public func isSatisfied(by point: QoSPoint) -> Bool {
        guard let first = point[condition.attribute], condition.holds(for: first) else { return true }
        guard let second = point[requirement.attribute] else { return true }
        return requirement.holds(for: second)
    }
}

/// Why a point is not a valid point of a space.
public enum QoSViolation: Hashable, Sendable, CustomStringConvertible {
    case unknownAttribute(String)
    case wrongType(attribute: String, expected: QoSValueType, got: QoSValueType)
    case outsideDomain(attribute: String, value: QoSValue)
    case dependency(QoSDependency)

    public var description: String {
        switch self {
        case .unknownAttribute(let id): "unknown attribute \(id)"
        case .wrongType(let id, let expected, let got): "\(id) must be \(expected), got \(got)"
        case .outsideDomain(let id, let value): "\(id) = \(value) is outside its domain"
        case .dependency(let dependency):
            "\(dependency.reason) (\(dependency.condition) requires \(dependency.requirement))"
        }
    }
}

/// One attribute on which an offered point falls short of a required one.
public struct QoSShortfall: Hashable, Sendable, CustomStringConvertible {
    public var attribute: String
    /// What is offered; nil when the offer does not say.
    public var offered: QoSValue?
    public var required: QoSValue

    public var description: String {
        "\(attribute): offers \(offered.map { "\($0)" } ?? "nothing"), needs at least \(required)"
    }
}

/// The QoS model of the paper's Definition 5: dimensions, their attributes and value domains,
/// and dependencies between values. It decides validity and the "meets at least in every
/// dimension" partial order.
public struct QoSSpace: Sendable {
    public var dimensions: [QoSDimension]
    public var dependencies: [QoSDependency]
    private let attributesByID: [String: QoSAttribute]

    public init(dimensions: [QoSDimension], dependencies: [QoSDependency]) {
        self.dimensions = dimensions
        self.dependencies = dependencies
        var byID: [String: QoSAttribute] = [:]
        for dimension in dimensions {
            for attribute in dimension.attributes {
                precondition(byID[attribute.id] == nil, "attribute \(attribute.id) declared twice")
                byID[attribute.id] = attribute
            }
        }
        self.attributesByID = byID
    }

    public func attribute(_ id: String) -> QoSAttribute? { attributesByID[id] }

    /// The dimension an attribute belongs to (Definition 5's `DA`, read backwards).
    public func dimension(of attributeID: String) -> QoSDimension? {
        dimensions.first { $0.attributes.contains { $0.id == attributeID } }
    }

    /// Everything wrong with `point`, in a stable order; empty when it is valid.
    public func violations(of point: QoSPoint) -> [QoSViolation] {
        var found: [QoSViolation] = []
        for (id, value) in point.sorted(by: { $0.key < $1.key }) {
            guard let attribute = attributesByID[id] else {
                found.append(.unknownAttribute(id))
                continue
            }
            let typeMatches =
                value.type == attribute.valueType
                || (attribute.valueType == .real && value.type == .integer)
            if !typeMatches {
                found.append(.wrongType(attribute: id, expected: attribute.valueType, got: value.type))
            } else if !attribute.domain.contains(value) {
                found.append(.outsideDomain(attribute: id, value: value))
            }
        }
        for dependency in dependencies where !dependency.isSatisfied(by: point) {
            found.append(.dependency(dependency))
        }
        return found
    }

    /// The attributes on which `offered` is not at least `required`. Every attribute the
    /// requirement names must be offered and be at least as good in the attribute's own order.
    public func shortfalls(offered: QoSPoint, required: QoSPoint) -> [QoSShortfall] {
        required.sorted(by: { $0.key < $1.key }).compactMap { id, needed in
            guard let offer = offered[id] else {
                return QoSShortfall(attribute: id, offered: nil, required: needed)
            }
            guard let attribute = attributesByID[id], attribute.isAtLeast(offer, needed) else {
                return QoSShortfall(attribute: id, offered: offer, required: needed)
            }
            return nil
        }
    }

    /// The partial order of the paper's Algorithm 1, line 3: `offered` meets `required` when it
    /// is at least as good in every attribute of every dimension the requirement names.
    public func meets(_ offered: QoSPoint, _ required: QoSPoint) -> Bool {
        shortfalls(offered: offered, required: required).isEmpty
    }
}
