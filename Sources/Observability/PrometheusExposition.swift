import MembershipCore

/// A metric family in the Prometheus text exposition format (version 0.0.4): a name, a help
/// line, a type and its samples. Names follow Prometheus' conventions: a `coalition_` prefix,
/// base units in the name (`_seconds`, `_bytes`), `_total` on counters.
public struct MetricFamily: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case counter
        case gauge
        case histogram
    }

    /// One sample: label pairs (in order) and a value. A histogram sample holds a whole
    /// ``DurationHistogram`` and expands to `_bucket`, `_sum` and `_count` lines.
    public struct Sample: Hashable, Sendable {
        public var labels: [(String, String)]
        public var value: Value

        public enum Value: Hashable, Sendable {
            case number(Double)
            case histogram(DurationHistogram)
        }

        public init(_ labels: [(String, String)] = [], _ value: Double) {
            self.labels = labels
            self.value = .number(value)
        }

        public init(_ labels: [(String, String)] = [], histogram: DurationHistogram) {
            self.labels = labels
            self.value = .histogram(histogram)
        }

        public static func == (lhs: Sample, rhs: Sample) -> Bool {
            lhs.labels.elementsEqual(rhs.labels, by: ==) && lhs.value == rhs.value
        }

        public func hash(into hasher: inout Hasher) {
            for (name, value) in labels {
                hasher.combine(name)
                hasher.combine(value)
            }
            hasher.combine(value)
        }
    }

    /// The family's name; a counter's ends in `_total`.
    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    /// - Precondition: `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), a counter's
    ///   ends in `_total`, and every label name is valid and not reserved (`__` prefix, `le`).
    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        precondition(PrometheusExposition.isValidMetricName(name), "bad metric name \(name)")
        precondition(kind != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        for sample in samples {
            for (label, _) in sample.labels {
                precondition(PrometheusExposition.isValidLabelName(label) && label != "le", "bad label name \(label) on \(name)")
            }
        }
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

/// Writes metric families in the Prometheus text format (what `/metrics` serves,
/// `text/plain; version=0.0.4`). Our own small writer: the families are few and known, and
/// swift-prometheus' registry would hold a second copy of every counter the cores already keep.
public enum PrometheusExposition {
    /// The `Content-Type` of the text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The text of `families`, in order, each with its `# HELP` and `# TYPE` lines.
    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        out.reserveCapacity(families.count * 160)
        for family in families {
            // The text format (0.0.4) names a counter's family by its sample name, `_total` included.
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                switch sample.value {
                case .number(let value):
                    out += "\(family.name)\(labelText(sample.labels)) \(format(value))\n"
                case .histogram(let histogram):
                    for (bound, count) in zip(histogram.bounds, histogram.cumulativeCounts) {
                        out += "\(family.name)_bucket\(labelText(sample.labels + [("le", format(bound))])) \(count)\n"
                    }
                    out += "\(family.name)_bucket\(labelText(sample.labels + [("le", "+Inf")])) \(histogram.count)\n"
                    out += "\(family.name)_sum\(labelText(sample.labels)) \(format(histogram.sum))\n"
                    out += "\(family.name)_count\(labelText(sample.labels)) \(histogram.count)\n"
                }
            }
        }
        return out
    }

    /// `{a="x",b="y"}`, or nothing for no labels.
    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A label value escaped as the format says: backslash, double quote and line feed.
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A help text escaped as the format says: backslash and line feed.
    public static func escapeHelp(_ help: String) -> String {
        help.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }

    /// A sample value: integers without a fraction, `+Inf`, `-Inf` and `NaN` spelled as the
    /// format wants, everything else in Swift's shortest round-tripping form.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_", !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
