import ServiceCore

// The names service events and phases go by on the control socket, in the supervisor's own
// namespaces. The raw values are part of the control protocol (PROTOCOL.md): append only.

extension ServiceEvent {
    /// What happened to a service, without its details: the `kind` of a ``ServiceEventRecord``.
    public enum Kind: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
        case formed
        case memberLost = "member-lost"
        case rebuilt
        case degraded
        case upgraded
        case unserved
        case restored
        case released
        case steppedDown = "stepped-down"
        case trimmed
        case recalibrated

        public var description: String { rawValue }

        /// True for the kinds that end a formation attempt (served, or cannot be).
        public var settles: Bool { self != .memberLost && self != .steppedDown && self != .trimmed && self != .recalibrated }
    }

    /// This event's kind.
    public var kind: Kind {
        switch self {
        case .formed: .formed
        case .memberLost: .memberLost
        case .rebuilt: .rebuilt
        case .degraded: .degraded
        case .upgraded: .upgraded
        case .unserved: .unserved
        case .restored: .restored
        case .released: .released
        case .steppedDown: .steppedDown
        case .trimmed: .trimmed
        case .recalibrated: .recalibrated
        }
    }
}

extension ServicePhase {
    /// A phase without its details: the `phase` of a ``ServiceSummary``.
    public enum Name: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
        case forming
        case serving
        case rebuilding
        case unserved
        case released

        public var description: String { rawValue }
    }

    /// This phase's name.
    public var name: Name {
        switch self {
        case .forming: .forming
        case .serving: .serving
        case .rebuilding: .rebuilding
        case .unserved: .unserved
        case .released: .released
        }
    }

    /// Why the service cannot be served; nil in every other phase.
    public var reason: String? {
        if case .unserved(let why) = self { why } else { nil }
    }
}
